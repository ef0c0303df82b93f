import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { createInterface } from "node:readline";

type Stoppable = { name: string; stop(): Promise<void> };

/**
 * Owns every child process the devnet starts: prefixes their output with a name, and on Ctrl-C (or
 * SIGTERM) stops them all, newest first, so nothing is left running.
 */
export class Supervisor {
  private readonly children: Stoppable[] = [];
  private stopping = false;

  constructor(private readonly log: (line: string) => void = (line) => process.stdout.write(`${line}\n`)) {}

  /** Registers something that must be stopped on shutdown (e.g. an anvil instance). */
  adopt(name: string, stop: () => Promise<void>): void {
    this.children.push({ name, stop });
  }

  /** Starts a child process whose output is shown prefixed with its name (unless quiet). */
  spawn(
    name: string,
    command: string,
    args: string[],
    options: { env?: NodeJS.ProcessEnv; quiet?: boolean; logFile?: string; replaceEnv?: boolean } = {},
  ): ChildProcess {
    const child = spawn(command, args, {
      env: options.replaceEnv ? options.env : { ...process.env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let file: ReturnType<typeof createWriteStream> | undefined;
    if (options.logFile) {
      mkdirSync(dirname(options.logFile), { recursive: true });
      file = createWriteStream(options.logFile, { flags: "a" });
    }
    for (const stream of [child.stdout, child.stderr]) {
      if (!stream) continue;
      const lines = createInterface({ input: stream });
      lines.on("line", (line) => {
        file?.write(`${line}\n`);
        if (!options.quiet) this.log(`[${name}] ${line}`);
      });
    }
    child.on("exit", (code, signal) => {
      if (!this.stopping)
        this.log(`[${name}] exited unexpectedly (code ${code}, signal ${signal}); the rest keeps running`);
    });
    this.adopt(name, () => stopChild(child));
    return child;
  }

  /** Stops everything, newest first. Safe to call twice. */
  async stopAll(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    for (const child of [...this.children].reverse()) {
      await child.stop().catch(() => undefined);
    }
  }

  /** Stops everything on SIGINT/SIGTERM, then exits. */
  stopOnSignals(): void {
    // A terminal's Ctrl-C reaches every process in the group, and npm/tsx forward signals too, so the
    // same signal can arrive twice: handle every one (a second default SIGTERM would kill us before the
    // children are stopped) and let stopAll ignore repeats.
    const handler = (signal: NodeJS.Signals) => {
      if (this.stopping) return;
      this.log(`\n${signal}: stopping ${this.children.length} processes…`);
      void this.stopAll().then(() => process.exit(0));
    };
    process.on("SIGINT", handler);
    process.on("SIGTERM", handler);
    process.on("SIGHUP", handler);
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}
