import type { Hash, Hex } from "viem";
import type { Logger } from "../../lib/logger.js";
import { bumpFees, type Fees } from "./gasPolicy.js";
import { waitForAny } from "./receipts.js";
import type { DeliveryContext, DestinationChain } from "./types.js";

/**
 * Broadcasts the call, and while it sits unmined re-broadcasts it at the same nonce with fees raised
 * bumped (gasPolicy.ts), up to `maxFeeBumps` times.
 */
export async function submitWithReplacement(
  context: DeliveryContext,
  destination: DestinationChain,
  ids: readonly Hex[],
  data: Hex,
  gas: bigint,
  fees: Fees,
  log: Logger,
): Promise<{ nonce: number; hashes: Hash[] }> {
  let current = fees;
  const hashes: Hash[] = [];
  const send = async (nonce: number) => {
    const hash = await destination.wallet.sendTransaction({
      to: destination.deployment.bridge.address,
      data,
      gas,
      nonce,
      maxFeePerGas: current.maxFeePerGas,
      maxPriorityFeePerGas: current.maxPriorityFeePerGas,
    });
    hashes.push(hash);
    if (ids.length > 0)
      await context.store.db.insert(context.store.tables.attempts).values(
        ids.map((messageId) => ({
          messageId,
          relayer: destination.wallet.account.address,
          txHash: hash,
          nonce,
          maxFeePerGas: current.maxFeePerGas.toString(),
          maxPriorityFeePerGas: current.maxPriorityFeePerGas.toString(),
          outcome: "sent",
        })),
      );
    log.info({ tx: hash, nonce, maxFeePerGas: String(current.maxFeePerGas) }, "submitted");
    return nonce;
  };
  const nonce = await destination.nonces.withNonce(send);
  for (let bump = 0; bump < context.timing.maxFeeBumps; bump++) {
    const mined = await waitForAny(destination.client, hashes, context.timing.receiptTimeoutMs);
    if (mined) return { nonce, hashes };
    current = bumpFees(current);
    try {
      await send(nonce);
      context.metrics.submissions.inc({ destination: String(destination.chainId), outcome: "replaced" });
    } catch (error) {
      // "nonce too low" means one of ours was mined meanwhile; the caller will find its receipt.
      log.warn({ err: error }, "fee bump not accepted");
      break;
    }
  }
  return { nonce, hashes };
}
