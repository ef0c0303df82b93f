import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import pg from "pg";
import { freePort } from "../../devnet/anvil.js";

/**
 * A `ponder start` child process, timed from its backfill start to its /ready: on PGlite in `pgliteDir`,
 * or on PostgreSQL when `databaseUrl` is given.
 */

const ponderBin = resolve("node_modules/ponder/dist/esm/bin/ponder.js");

export type Run = {
  child: ChildProcess;
  url: string;
  output: () => string;
  backfillStartedAt?: number;
  /** The app's CPU seconds (user + system, all its threads) when its backfill started. */
  backfillStartCpu?: number;
};

/**
 * CPU seconds a process has used (Linux /proc, clock ticks of 1/100 s). Unlike wall time this barely
 * moves with what else the machine runs, so two apps measured one after the other compare fairly.
 */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name (which may contain spaces) start at ") "; utime and stime are 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export async function startPonderApp(
  root: string | undefined,
  env: Record<string, string>,
  pgliteDir: string,
  databaseUrl = "",
): Promise<Run> {
  const port = await freePort();
  // BENCH_PONDER_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the apps themselves.
  const nodeArgs = (process.env.BENCH_PONDER_NODE_ARGS ?? "").split(" ").filter(Boolean);
  const args = [
    ...nodeArgs,
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
    if (run.backfillStartedAt === undefined && text.includes("Started backfill indexing")) {
      run.backfillStartedAt = Date.now();
      run.backfillStartCpu = cpuSeconds(child.pid!);
    }
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

/** Stops the app as an operator would (SIGTERM, so `--cpu-prof` profiles get written), SIGKILL after 10 s. */
export async function stop(run: Run) {
  if (run.child.exitCode !== null) return;
  await new Promise<void>((done) => {
    const kill = setTimeout(() => run.child.kill("SIGKILL"), 10_000);
    run.child.once("exit", () => {
      clearTimeout(kill);
      done();
    });
    run.child.kill("SIGTERM");
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
