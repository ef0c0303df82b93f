import { type ChildProcess, spawn } from "node:child_process";
import { userInfo } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../devnet/anvil.js";
import { type PonderProcess, startPonder } from "../../harness/ponderProcess.js";
import { eventually } from "../helpers/eventually.js";
import type { IndexerNet } from "../helpers/indexerFixture.js";
import {
  balanceAt,
  type Devnet,
  freezeAtCommonTimestamp,
  riskDataTimestamp,
  startDevnet,
  supplyAt,
} from "./devnetRisk.js";

/**
 * `npm run risk` apart from the indexer: ponder start on PostgreSQL with a views schema, and the
 * standalone risk process reading those views. Checks it answers from indexed data and stops cleanly.
 */
// node-postgres takes the role from USER when the URL names none, and some shells leave USER unset.
const withUser = (raw: string) => {
  const url = new URL(raw);
  if (!url.username) url.username = process.env.PGUSER || process.env.USER || userInfo().username;
  return url;
};
const BASE_URL = withUser(process.env.DATABASE_URL || "postgresql://127.0.0.1:5432/test").toString();
const adminClient = () => new pg.Client({ connectionString: BASE_URL });

describe("standalone risk API over PostgreSQL (risk/main.ts)", () => {
  const suffix = `${process.pid}_${Date.now()}`;
  const schema = `risk_e2e_${suffix}`;
  const viewsSchema = `risk_e2e_views_${suffix}`;
  let devnet: Devnet;
  let ponder: PonderProcess;
  let risk: ChildProcess;
  let riskUrl: string;
  let output = "";
  // A fresh database, not just a schema: Ponder caches RPC logs in ponder_sync per chain id, and an
  // earlier devnet had the same chain ids and contract addresses, so a shared cache replays its logs.
  const database = `risk_e2e_${suffix}`;
  const url = new URL(BASE_URL);
  url.pathname = `/${database}`;
  const DATABASE_URL = url.toString();

  beforeAll(async () => {
    const admin = adminClient();
    await admin.connect();
    await admin.query(`CREATE DATABASE "${database}"`);
    await admin.end();
    devnet = await startDevnet();
    ponder = await startPonder({
      net: { env: devnet.env } as unknown as IndexerNet,
      schema,
      viewsSchema,
      databaseUrl: DATABASE_URL,
    });
    await ponder.waitReady(120_000);
    const port = await freePort();
    riskUrl = `http://127.0.0.1:${port}`;
    risk = spawn(process.execPath, ["--enable-source-maps", "dist/risk/main.js"], {
      cwd: join(import.meta.dirname, "../.."),
      env: {
        ...process.env,
        ...devnet.env,
        DATABASE_URL,
        PONDER_VIEWS_SCHEMA: viewsSchema,
        RISK_PORT: String(port),
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    risk.stdout?.on("data", (c) => {
      output += c.toString();
    });
    risk.stderr?.on("data", (c) => {
      output += c.toString();
    });
    await eventually(
      async () => {
        if (risk.exitCode !== null) throw new Error(`risk API exited:\n${output}`);
        return output.includes("risk API on");
      },
      (up) => up,
      60_000,
    );
  }, 240_000);

  afterAll(async () => {
    if (risk && risk.exitCode === null) risk.kill("SIGKILL");
    await ponder?.kill();
    await devnet?.stop();
    const client = adminClient();
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await client.end();
  });

  it("answers bridgeBacking from the views schema as the chains say, and serves /metrics", async () => {
    const atT = await freezeAtCommonTimestamp(devnet);
    const indexed = await eventually(
      async () =>
        (await (await fetch(`${ponder.url}/status`)).json()) as Record<
          string,
          { id: number; block: { number: number; timestamp: number } }
        >,
      (s) => Object.values(s).every((c) => BigInt(c.block.number) >= atT.get(c.id)!),
      150_000,
    );
    // The risk API looks at the indexer's progress at most once per second: wait for these blocks.
    await eventually(
      async () => (await fetch(`${riskUrl}/metrics`)).text(),
      (metrics) => Object.values(indexed).every((c) => riskDataTimestamp(metrics, c.id) >= c.block.timestamp),
    );
    const home = devnet.chains.find((c) => c.deployment.role === "home")!;
    const usdc = home.deployment.tokens.find((t) => t.symbol === "USDC")!;
    const response = await fetch(`${riskUrl}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        query: `{ bridgeBacking(bridge: "canonical", asset: "USDC") { locked remoteSupply backingRatio }
          positions(first: 100) { totalCount } }`,
      }),
    });
    const body = (await response.json()) as {
      data: {
        bridgeBacking: { locked: string; remoteSupply: string; backingRatio: number };
        positions: { totalCount: number };
      };
    };
    const head = atT.get(home.deployment.chainId)!;
    expect(BigInt(body.data.bridgeBacking.locked)).toBe(
      await balanceAt(home, usdc.address, home.deployment.bridge.address, head),
    );
    let remote = 0n;
    for (const c of devnet.chains.filter((c) => c.deployment.role === "remote")) {
      const wrapped = c.deployment.tokens.find((t) => t.symbol === "wUSDC")!;
      remote += await supplyAt(c, wrapped.address, atT.get(c.deployment.chainId)!);
    }
    expect(BigInt(body.data.bridgeBacking.remoteSupply)).toBe(remote);
    expect(body.data.positions.totalCount).toBeGreaterThanOrEqual(14);
    const metrics = await (await fetch(`${riskUrl}/metrics`)).text();
    expect(metrics).toContain('risk_backing_ratio{bridge="canonical",asset="USDC"} 1');
    expect(metrics).toContain('risk_data_last_update_timestamp_seconds{source="bridge:canonical"}');
  });

  it("stops on SIGTERM with exit code 0", async () => {
    const exited = new Promise<number | null>((resolve) => risk.once("exit", (code) => resolve(code)));
    risk.kill("SIGTERM");
    expect(await exited).toBe(0);
  });
});
