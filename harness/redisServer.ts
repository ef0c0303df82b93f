import { type ChildProcess, spawn } from "node:child_process";
import { Redis } from "ioredis";

export type RedisServer = {
  url: string;
  port: number;
  /** Kills the server (SIGKILL: no save) and starts a new, empty one on the same port. */
  restart(): Promise<void>;
  stop(): Promise<void>;
};

/**
 * A redis-server of our own on `port` (127.0.0.1), without persistence: a restart loses every key, the
 * worst case for the relayer's queue. Fault tests use it so they never restart the shared 6379.
 */
export async function startRedisServer(port: number): Promise<RedisServer> {
  let child = await launch(port);
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async restart() {
      await exit(child, "SIGKILL");
      child = await launch(port);
    },
    stop: () => exit(child, "SIGTERM"),
  };
}

async function launch(port: number): Promise<ChildProcess> {
  const child = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    { stdio: "ignore" },
  );
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`redis-server on port ${port} exited with ${child.exitCode}`);
    const client = new Redis(port, "127.0.0.1", { lazyConnect: true, maxRetriesPerRequest: 0 });
    // Refused connections until the server listens: expected, and answered by the loop.
    client.on("error", () => undefined);
    const ok = await client
      .connect()
      .then(() => client.ping())
      .then(
        (answer) => answer === "PONG",
        () => false,
      )
      .finally(() => client.disconnect());
    if (ok) return child;
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer within 10 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function exit(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill(signal);
    setTimeout(() => child.kill("SIGKILL"), 3_000).unref();
  });
}
