import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { BridgeError } from "../lib/errors.js";

const require = createRequire(import.meta.url);

export class AnvilStartError extends BridgeError {}

/** Path of the anvil binary shipped inside the `@foundry-rs/anvil-<os>-<arch>` npm package. */
export function anvilBinaryPath(): string {
  const os = process.platform === "win32" ? "win32" : process.platform;
  const arch = process.arch === "x64" ? "amd64" : process.arch;
  const suffix = process.platform === "win32" ? ".exe" : "";
  return require.resolve(`@foundry-rs/anvil-${os}-${arch}/bin/anvil${suffix}`);
}

/** Throws a clear error when `port` on 127.0.0.1 is already taken. */
export async function freePortOrFail(port: number, what: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = createServer();
    server.once("error", () => reject(new AnvilStartError(`Port ${port} for ${what} is already in use.`)));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve()));
  });
}

/** A free TCP port on 127.0.0.1, chosen by the kernel. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export type StartAnvilParameters = {
  chainId: number;
  /** Port to listen on; a free one when omitted. */
  port?: number;
  /** Seconds between blocks; omitted means automine (one block per transaction). */
  blockTime?: number;
  /** Block gas limit; anvil's default (30M) when omitted. */
  gasLimit?: bigint;
  /** Extra command-line arguments. */
  args?: string[];
};

export type AnvilInstance = {
  chainId: number;
  port: number;
  rpcUrl: string;
  process: ChildProcess;
  stop(): Promise<void>;
};

/**
 * Starts a local anvil chain and resolves once it answers JSON-RPC.
 *
 * @example
 * const chain = await startAnvil({ chainId: 31337 });
 * // ... use chain.rpcUrl
 * await chain.stop();
 */
export async function startAnvil(parameters: StartAnvilParameters): Promise<AnvilInstance> {
  // A kernel-chosen free port can be taken by another process between choosing and binding it; when
  // the port was ours to choose, try again on another one.
  const attempts = parameters.port === undefined ? 3 : 1;
  for (let attempt = 1; ; attempt++) {
    try {
      return await startAnvilOnce(parameters, parameters.port ?? (await freePort()));
    } catch (error) {
      if (!(error instanceof PortTakenError) || attempt >= attempts) throw error;
    }
  }
}

class PortTakenError extends AnvilStartError {}

async function startAnvilOnce(parameters: StartAnvilParameters, port: number): Promise<AnvilInstance> {
  const args = ["--host", "127.0.0.1", "--port", String(port), "--chain-id", String(parameters.chainId)];
  if (parameters.blockTime !== undefined) args.push("--block-time", String(parameters.blockTime));
  if (parameters.gasLimit !== undefined) args.push("--gas-limit", String(parameters.gasLimit));
  args.push(...(parameters.args ?? []));

  const child = spawn(anvilBinaryPath(), args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const collect = (chunk: Buffer) => {
    if (output.length < 20_000) output += chunk.toString();
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);

  const rpcUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      const ErrorClass = /address already in use/i.test(output) ? PortTakenError : AnvilStartError;
      throw new ErrorClass(`anvil for chain ${parameters.chainId} exited with code ${child.exitCode}`, {
        details: output.slice(-2000),
      });
    }
    try {
      const response = await fetch(rpcUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      });
      const body = (await response.json()) as { result?: string };
      // Only our anvil counts: another process may hold the port (then ours is about to exit with
      // "Address already in use"), so require our own "Listening on" line as well as our chain id.
      const ours = output.includes(`Listening on 127.0.0.1:${port}`);
      if (ours && body.result !== undefined && Number(body.result) === parameters.chainId) break;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  if (Date.now() >= deadline) {
    child.kill("SIGKILL");
    throw new AnvilStartError(
      `anvil for chain ${parameters.chainId} did not answer on ${rpcUrl} within 20 s`,
      {
        details: output.slice(-2000),
      },
    );
  }
  child.stdout?.off("data", collect);
  child.stderr?.off("data", collect);
  child.stdout?.resume();
  child.stderr?.resume();

  return {
    chainId: parameters.chainId,
    port,
    rpcUrl,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
        setTimeout(() => child.kill("SIGKILL"), 3000).unref();
      }),
  };
}

/** One JSON-RPC call to a devnet chain (anvil_* and evm_* methods viem's clients do not wrap here). */
export async function rpc(url: string, method: string, params: unknown[]): Promise<void> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await response.json()) as { error?: { message: string } };
  if (body.error) throw new Error(`${method} failed: ${body.error.message}`);
}
