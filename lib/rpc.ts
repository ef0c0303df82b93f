import { createPublicClient, http } from "viem";
import { BridgeError } from "./errors.js";

export class RpcUnreachableError extends BridgeError {}
export class ChainIdMismatchError extends BridgeError {}

/**
 * Checks that an RPC endpoint answers and serves the expected chain, before anything is sent to it.
 * The error is one line naming the URL and what to check; viem's error stays reachable as `cause`.
 *
 * @example
 * await probeChain({ rpcUrl: "http://127.0.0.1:8545", expectedChainId: 31337, label: "devnet-a" });
 */
export async function probeChain(parameters: {
  rpcUrl: string;
  expectedChainId: number;
  label: string;
  /** The setting that holds the URL, named in the error (e.g. SEPOLIA_RPC_URL). */
  variable?: string;
  timeoutMs?: number;
}): Promise<void> {
  const client = createPublicClient({
    transport: http(parameters.rpcUrl, { timeout: parameters.timeoutMs ?? 5_000, retryCount: 1 }),
  });
  const url = redactUrl(parameters.rpcUrl);
  const check = parameters.variable
    ? `check ${parameters.variable} and that the node is running`
    : "check the URL and that the node is running";
  let chainId: number;
  try {
    chainId = await client.getChainId();
  } catch (cause) {
    throw new RpcUnreachableError(`RPC for ${parameters.label} is unreachable at ${url}: ${check}.`, {
      cause,
    });
  }
  if (chainId !== parameters.expectedChainId) {
    throw new ChainIdMismatchError(
      `RPC for ${parameters.label} at ${url} serves chain ${chainId}, expected ${parameters.expectedChainId}: ${check.replace(" and that the node is running", "")}.`,
    );
  }
}

/** Hides API keys in provider URLs (path segments and query strings) before they reach logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const isLocal = parsed.hostname === "127.0.0.1" || parsed.hostname === "localhost";
    if (isLocal) return url;
    return `${parsed.protocol}//${parsed.host}/…`;
  } catch {
    return "<invalid URL>";
  }
}
