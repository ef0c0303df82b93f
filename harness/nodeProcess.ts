import { type ChildProcess, spawn } from "node:child_process";
import { appendFileSync, existsSync, readFileSync } from "node:fs";

/**
 * Child processes of the process-based benches (bench/bridge-throughput.ts, the chaos soak), started as
 * the README starts them, and their CPU time.
 */

export type Service = { name: string; child: ChildProcess; url?: string; output(): string };

/**
 * Starts `node <entry>` with `env`; keeps the last 50 kB of its output for when something fails, and
 * appends all of it to `logFile` when given (the chaos soak greps whole runs' logs for leaked keys).
 */
export function startNode(
  name: string,
  args: string[],
  env: Record<string, string>,
  logFile?: string,
): Service {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-50_000);
    if (logFile) appendFileSync(logFile, chunk);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  return { name, child, output: () => output };
}

/** Waits for GET <url>/health to answer 200, or fails with the process's last output. */
export async function waitHealthy(service: Service, url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (service.child.exitCode !== null)
      throw new Error(
        `${service.name} exited with ${service.child.exitCode}:\n${service.output().slice(-3000)}`,
      );
    const ok = await fetch(`${url}/health`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) {
      service.url = url;
      return;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${service.name} not healthy within ${timeoutMs} ms:\n${service.output().slice(-3000)}`);
}

/** SIGKILL, as a crash or the OOM killer would: no shutdown hook runs. Resolves once it has exited. */
export function kill9(service: { child: ChildProcess }): Promise<void> {
  return signalAndWait(service.child, "SIGKILL");
}

/** SIGTERM (graceful shutdown), then SIGKILL after 10 s. Resolves once it has exited. */
export function stop(service: { child: ChildProcess }): Promise<void> {
  return signalAndWait(service.child, "SIGTERM", 10_000);
}

function signalAndWait(child: ChildProcess, signal: NodeJS.Signals, killAfterMs?: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise<void>((done) => {
    child.once("exit", () => done());
    child.kill(signal);
    if (killAfterMs !== undefined) setTimeout(() => child.kill("SIGKILL"), killAfterMs).unref();
  });
}

/** User + system CPU seconds a process has used so far (Linux /proc; 0 when it is gone). */
export function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined || !existsSync(`/proc/${pid}/stat`)) return 0;
  // Fields after the command name (which may hold spaces) start at ") ": utime and stime are 14 and 15.
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticksPerSecond = 100;
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
