import { createPublicClient, http } from "viem";
import { BridgeError } from "./errors.js";

export class RpcUnreachableError extends BridgeError {}
export class ChainIdMismatchError extends BridgeError {}

/**
 * Checks that an RPC endpoint answers and serves the expected chain, before anything is sent to it.
 *
 * @example
 * await probeChain({ rpcUrl: "http://127.0.0.1:8545", expectedChainId: 31337, label: "devnet-a" });
 */
export async function probeChain(parameters: {
  rpcUrl: string;
  expectedChainId: number;
  label: string;
  timeoutMs?: number;
}): Promise<void> {
  const client = createPublicClient({
    transport: http(parameters.rpcUrl, { timeout: parameters.timeoutMs ?? 5_000, retryCount: 1 }),
  });
  let chainId: number;
  try {
    chainId = await client.getChainId();
  } catch (cause) {
    throw new RpcUnreachableError(
      `RPC for ${parameters.label} is unreachable at ${redactUrl(parameters.rpcUrl)}.`,
      {
        details: cause instanceof Error ? cause.message.split("\n")[0] : String(cause),
        cause,
      },
    );
  }
  if (chainId !== parameters.expectedChainId) {
    throw new ChainIdMismatchError(
      `RPC for ${parameters.label} serves chain ${chainId}, expected ${parameters.expectedChainId}.`,
      { details: `Check the URL ${redactUrl(parameters.rpcUrl)}.` },
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
