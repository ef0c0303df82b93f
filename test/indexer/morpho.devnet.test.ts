import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { type Address, createPublicClient, http } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { morphoAbi } from "../../contracts/generated/index.js";
import { freePort } from "../../devnet/anvil.js";
import { type PonderProcess, startPonder } from "../../harness/ponderProcess.js";
import { type Deployment, readDeployment } from "../../lib/deployments.js";

/**
 * The devnet's Morpho Blue markets (deploy/system.ts, seeded by devnet/seed.ts) as `npm start` indexes
 * them: the devnet is started without services, then one `ponder start` on its deployments file. Every
 * market and every seeded position must be indexed with Morpho's own figures, and each market's oracle
 * feeds must be the Chainlink proxies the chain's Aave market reads.
 */

function databaseUrl(database?: string): string {
  const url = new URL(process.env.DATABASE_URL ?? "postgresql://127.0.0.1:5432/test");
  if (!url.username) url.username = process.env.PGUSER || process.env.USER || userInfo().username;
  if (database) url.pathname = `/${database}`;
  return url.toString();
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl() });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

const database = `morphodev_${process.pid}_${Date.now().toString(36)}`;
const deploymentFile = join(mkdtempSync(join(tmpdir(), "morpho-devnet-")), "devnet.json");
const rpcUrls: string[] = [];
let devnet: ChildProcess;
let ponder: PonderProcess | undefined;
let deployment: Deployment;
let output = "";

beforeAll(async () => {
  await admin(`CREATE DATABASE "${database}"`);
  for (let i = 0; i < 3; i++) rpcUrls.push(`http://127.0.0.1:${await freePort()}`);
  const env = {
    DEVNET_A_RPC_URL: rpcUrls[0]!,
    DEVNET_B_RPC_URL: rpcUrls[1]!,
    DEVNET_C_RPC_URL: rpcUrls[2]!,
    DEPLOYMENT_FILE: deploymentFile,
  };
  devnet = spawn(process.execPath, ["--enable-source-maps", "dist/devnet/main.js"], {
    cwd: join(import.meta.dirname, "../.."),
    env: { ...process.env, ...env, DEVNET_SERVICES: "none" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  devnet.stdout?.on("data", (chunk) => {
    output += chunk.toString();
  });
  devnet.stderr?.on("data", (chunk) => {
    output += chunk.toString();
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (output.includes("Ctrl-C stops everything")) {
        clearInterval(timer);
        resolve();
      } else if (devnet.exitCode !== null) {
        clearInterval(timer);
        reject(new Error(`devnet exited early:\n${output}`));
      }
    }, 100);
  });
  deployment = readDeployment(deploymentFile);
  ponder = await startPonder({ net: { env }, schema: "morpho_devnet", databaseUrl: databaseUrl(database) });
  await ponder.waitReady(180_000);
}, 300_000);

afterAll(async () => {
  await ponder?.kill();
  if (devnet && devnet.exitCode === null) {
    devnet.kill("SIGINT");
    await new Promise((resolve) => devnet.once("exit", resolve));
  }
  await admin(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
});

type MarketItem = {
  id: string;
  protocol: string;
  collateralSymbol: string | null;
  loanSymbol: string | null;
  totalSupplyAssets: string;
  totalBorrowAssets: string;
  totalBorrowShares: string;
  collateralFeed: string | null;
  loanFeed: string | null;
};
type PositionItem = {
  market: string;
  user: string;
  supplyShares: string;
  borrowShares: string;
  collateral: string;
};

describe("npm start indexes the devnet's Morpho Blue markets", () => {
  it("every market and seeded position, with Morpho's figures, priced over the Aave market's proxies", async () => {
    // Wait until every remote chain is indexed past a settled block, then compare at that block.
    const settled = new Map<number, bigint>();
    for (const chain of deployment.chains.filter((c) => c.morpho)) {
      const client = createPublicClient({ transport: http(rpcUrls[deployment.chains.indexOf(chain)]) });
      settled.set(chain.chainId, (await client.getBlockNumber()) - 1n);
    }
    for (let waited = 0; ; waited++) {
      const status = (await (await fetch(`${ponder!.url}/status`)).json()) as Record<
        string,
        { id: number; block: { number: number } }
      >;
      const behind = [...settled].filter(
        ([chainId, block]) =>
          (Object.values(status).find((s) => s.id === chainId)?.block.number ?? -1) < Number(block),
      );
      if (behind.length === 0) break;
      if (waited > 600) throw new Error(`chains ${behind.map(([id]) => id)} not indexed within 60 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const body = await ponder!.graphql<{
      morphoMarkets: { items: MarketItem[] };
      morphoPositions: { items: PositionItem[] };
    }>(`{ morphoMarkets(limit: 100) { items { id protocol collateralSymbol loanSymbol totalSupplyAssets
          totalBorrowAssets totalBorrowShares collateralFeed loanFeed } }
          morphoPositions(limit: 1000) { items { market user supplyShares borrowShares collateral } } }`);
    expect(body.errors).toBeUndefined();
    const { morphoMarkets, morphoPositions } = body.data!;
    expect(
      morphoMarkets.items.map((m) => `${m.protocol} ${m.collateralSymbol}/${m.loanSymbol}`).sort(),
    ).toEqual(["morpho-b wUSDC/DAI", "morpho-b wWETH/DAI", "morpho-c wUSDC/DAI", "morpho-c wWETH/DAI"]);
    let borrowers = 0;
    for (const chain of deployment.chains.filter((c) => c.morpho)) {
      const client = createPublicClient({ transport: http(rpcUrls[deployment.chains.indexOf(chain)]) });
      const blockNumber = settled.get(chain.chainId)!;
      const proxies = new Map(
        chain.aaveMarkets[0]!.priceSources.map((s) => [s.symbol, s.proxy.toLowerCase()]),
      );
      for (const m of chain.morpho!.markets) {
        const row = morphoMarkets.items.find((r) => r.id === `${chain.morpho!.protocol}:${m.id}`)!;
        expect([row.collateralFeed, row.loanFeed]).toEqual([
          proxies.get(row.collateralSymbol!),
          proxies.get("DAI"),
        ]);
        // Indexed rows may be ahead of the settled block only by blocks without Morpho events: the
        // devnet runs no traffic here, so they equal the storage at the settled block.
        const totals = await client.readContract({
          address: chain.morpho!.address,
          abi: morphoAbi,
          functionName: "market",
          args: [m.id],
          blockNumber,
        });
        expect([row.totalSupplyAssets, row.totalBorrowAssets, row.totalBorrowShares]).toEqual([
          totals[0].toString(),
          totals[2].toString(),
          totals[3].toString(),
        ]);
        const positions = morphoPositions.items.filter((p) => p.market === row.id);
        expect(positions.length).toBeGreaterThan(1);
        for (const p of positions) {
          const [supplyShares, borrowShares, collateral] = await client.readContract({
            address: chain.morpho!.address,
            abi: morphoAbi,
            functionName: "position",
            args: [m.id, p.user as Address],
            blockNumber,
          });
          expect({
            user: p.user,
            supplyShares: p.supplyShares,
            borrowShares: p.borrowShares,
            collateral: p.collateral,
          }).toEqual({
            user: p.user,
            supplyShares: supplyShares.toString(),
            borrowShares: borrowShares.toString(),
            collateral: collateral.toString(),
          });
          if (borrowShares > 0n) borrowers++;
        }
      }
    }
    // Six wWETH borrowers and two wUSDC borrowers on each of the two chains.
    expect(borrowers).toBe(16);
  }, 120_000);
});
