import type { Hex } from "viem";
import type { AaveFixture } from "./aaveFixture.js";

/**
 * What a transaction the action driver waited for in vain looks like on the chain: its sender's mined and
 * pending nonces, its fee cap against the base fee, and what the pool still holds. Only for diagnosis.
 */
export async function stuckTransaction(f: AaveFixture, error: Error): Promise<string> {
  const hash = /hash "(0x[0-9a-f]{64})"/.exec(String(error.message))?.[1] as Hex | undefined;
  if (!hash) return error.message.split("\n")[0]!;
  const rpc = async (method: string, params: unknown[]) =>
    (
      (await (
        await fetch(f.anvil.rpcUrl, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
        })
      ).json()) as { result: unknown }
    ).result;
  const tx = (await rpc("eth_getTransactionByHash", [hash])) as Record<string, string> | null;
  const block = (await rpc("eth_getBlockByNumber", ["latest", false])) as Record<string, string>;
  const from = tx?.from ?? "?";
  return JSON.stringify({
    hash,
    tx: tx && {
      from,
      to: tx.to,
      nonce: tx.nonce,
      gas: tx.gas,
      maxFeePerGas: tx.maxFeePerGas,
      blockNumber: tx.blockNumber,
    },
    latestNonce: tx ? await rpc("eth_getTransactionCount", [from, "latest"]) : null,
    pendingNonce: tx ? await rpc("eth_getTransactionCount", [from, "pending"]) : null,
    baseFee: block.baseFeePerGas,
    gasLimit: block.gasLimit,
    head: block.number,
    pool: await rpc("txpool_status", []),
  });
}
