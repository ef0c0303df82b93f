import { type ChildProcess, spawn } from "node:child_process";
import { resolve } from "node:path";
import pg from "pg";
import { freePort } from "../../devnet/anvil.js";

/**
 * A `ponder start` child process, timed from its backfill start to its /ready: on PGlite in `pgliteDir`,
 * or on PostgreSQL when `databaseUrl` is given.
 */

const ponderBin = resolve("node_modules/ponder/dist/esm/bin/ponder.js");

export type Run = { child: ChildProcess; url: string; output: () => string; backfillStartedAt?: number };

export async function startPonderApp(
  root: string | undefined,
  env: Record<string, string>,
  pgliteDir: string,
  databaseUrl = "",
): Promise<Run> {
  const port = await freePort();
  const args = [
    ponderBin,
    ...(root ? ["--root", root] : []),
    "start",
    "--schema",
    "public",
    "--port",
    String(port),
    "--hostname",
    "127.0.0.1",
  ];
  const child = spawn(process.execPath, args, {
    env: {
      ...process.env,
      ...env,
      PONDER_TELEMETRY_DISABLED: "true",
      INDEXER_PGLITE_DIR: pgliteDir,
      DATABASE_URL: databaseUrl,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const run: Run = { child, url: `http://127.0.0.1:${port}`, output: () => output };
  const collect = (chunk: Buffer) => {
    const text = chunk.toString();
    if (run.backfillStartedAt === undefined && text.includes("Started backfill indexing"))
      run.backfillStartedAt = Date.now();
    output = (output + text).slice(-100_000);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  return run;
}

export async function waitReady(run: Run, timeoutMs = 900_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (run.child.exitCode !== null) throw new Error(`ponder exited:\n${run.output().slice(-3000)}`);
    const ok = await fetch(`${run.url}/ready`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return Date.now();
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`not ready:\n${run.output().slice(-3000)}`);
}

export async function stop(run: Run) {
  if (run.child.exitCode !== null) return;
  await new Promise<void>((done) => {
    run.child.once("exit", () => done());
    run.child.kill("SIGKILL");
  });
}

/** A new, empty database on the server of `serverUrl` (Ponder's sync cache must not outlive the chains). */
export async function freshDatabase(serverUrl: string, prefix: string): Promise<string> {
  const name = `${prefix}_${process.pid}_${Date.now().toString(36)}`;
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  await client.query(`CREATE DATABASE "${name}"`);
  await client.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
