import { type ChildProcess, spawn } from "node:child_process";
import { userInfo } from "node:os";
import { resolve } from "node:path";
import { freePort } from "../devnet/anvil.js";

export type PonderProcess = {
  url: string;
  port: number;
  child: ChildProcess;
  output(): string;
  /** POSTs a GraphQL query; returns the parsed body (data and/or errors). */
  graphql<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<{ data?: T; errors?: { message: string }[] }>;
  waitReady(timeoutMs?: number): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
};

export type StartPonderParameters = {
  /** Only its `env` (DEPLOYMENT_FILE, RPC URLs) is used, so any fixture can provide one. */
  net: { env: Record<string, string> };
  schema: string;
  /** PostgreSQL when set; PGlite in `pgliteDir` otherwise. */
  databaseUrl?: string;
  pgliteDir?: string;
  viewsSchema?: string;
  extraEnv?: Record<string, string>;
};

const ponderBin = resolve("node_modules/ponder/dist/esm/bin/ponder.js");

/** Starts `ponder start` as the devnet will, on a free port; call waitReady() before querying. */
export async function startPonder(parameters: StartPonderParameters): Promise<PonderProcess> {
  const port = await freePort();
  const args = [
    ponderBin,
    "start",
    "--schema",
    parameters.schema,
    "--port",
    String(port),
    "--hostname",
    "127.0.0.1",
  ];
  if (parameters.viewsSchema) args.push("--views-schema", parameters.viewsSchema);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...parameters.net.env,
    PONDER_TELEMETRY_DISABLED: "true",
    ...parameters.extraEnv,
  };
  delete env.DATABASE_URL;
  delete env.DATABASE_PRIVATE_URL;
  if (parameters.databaseUrl) env.DATABASE_URL = parameters.databaseUrl;
  // node-postgres takes the role from USER when the URL names none; some CI shells leave USER unset.
  env.PGUSER ??= env.USER || userInfo().username;
  if (parameters.pgliteDir) env.INDEXER_PGLITE_DIR = parameters.pgliteDir;
  const child = spawn(process.execPath, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-200_000);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    port,
    child,
    output: () => output,
    async graphql(query, variables) {
      const response = await fetch(`${url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query, variables }),
      });
      // Ponder answers some database errors as plain text (e.g. "error: canceling statement due to lock
      // timeout" while a reorg's rollback holds row locks): say what came back instead of a JSON error.
      const text = await response.text();
      try {
        return JSON.parse(text) as never;
      } catch {
        throw new Error(`GraphQL answered HTTP ${response.status} with non-JSON: ${text.slice(0, 500)}`);
      }
    },
    async waitReady(timeoutMs = 90_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (child.exitCode !== null)
          throw new Error(`ponder exited with ${child.exitCode}:\n${output.slice(-4000)}`);
        try {
          const response = await fetch(`${url}/ready`);
          if (response.status === 200) return;
        } catch {
          // not listening yet
        }
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error(`ponder not ready within ${timeoutMs} ms:\n${output.slice(-4000)}`);
    },
    kill(signal = "SIGTERM") {
      return new Promise((done) => {
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once("exit", () => done());
        child.kill(signal);
        setTimeout(() => child.kill("SIGKILL"), 10_000).unref();
      });
    },
  };
}

/**
 * Waits until a single-chain Ponder app has indexed `blockNumber` (its /status), polling tightly: property
 * rigs wait at every checkpoint, and a coarse poll would add idle seconds per run. Returns how far behind
 * it was and how long the wait took.
 */
export async function waitPonderIndexed(
  ponder: Pick<PonderProcess, "url">,
  blockNumber: bigint,
  timeoutMs = 30_000,
): Promise<{ blocksBehind: number; waitedMs: number }> {
  const indexedBlock = async () => {
    const status = (await (await fetch(`${ponder.url}/status`)).json()) as Record<
      string,
      { block: { number: number } }
    >;
    return Object.values(status)[0]?.block.number ?? -1;
  };
  const t0 = performance.now();
  const before = await indexedBlock();
  for (let n = before; n < Number(blockNumber); n = await indexedBlock()) {
    if (performance.now() - t0 > timeoutMs)
      throw new Error(`block ${blockNumber} not indexed within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 30));
  }
  return { blocksBehind: Number(blockNumber) - before, waitedMs: performance.now() - t0 };
}
