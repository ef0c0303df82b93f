import type { Context } from "ponder:registry";
import { transfer } from "ponder:schema";
import { and, eq } from "ponder";
import type { Hex } from "viem";

/**
 * Records the Merkle root the messages of one proof-delivery transaction were delivered under. The
 * contracts emit DeliveredUnderRoot once per such transaction, after its Minted/Released events, so
 * by the time it is indexed every destination leg of the transaction has its row: one update joins
 * them all (a per-message delivery emits no such event and leaves the column null).
 */
export async function recordDeliveredRoot(
  db: Context["db"],
  chainId: number,
  transactionHash: Hex,
  root: Hex,
): Promise<void> {
  await db.sql
    .update(transfer)
    .set({ deliveredRoot: root })
    .where(and(eq(transfer.destinationChainId, chainId), eq(transfer.destinationTx, transactionHash)));
}
