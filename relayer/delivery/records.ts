import { and, eq } from "drizzle-orm";
import { type Hash, type Hex, parseEventLogs } from "viem";
import { bridgeMinterAbi } from "../../contracts/generated/BridgeMinter.js";
import type { Logger } from "../../lib/logger.js";
import type { DeliveryContext, DestinationChain } from "./types.js";

/** Sets the outcome (mined, reverted) of our attempt `txHash` for message `id`. */
export async function recordOutcome(
  context: Pick<DeliveryContext, "store" | "metrics">,
  id: Hex,
  txHash: Hash,
  outcome: string,
): Promise<void> {
  const { db, tables } = context.store;
  await db
    .update(tables.attempts)
    .set({ outcome })
    .where(and(eq(tables.attempts.messageId, id), eq(tables.attempts.txHash, txHash)));
}

/**
 * Marks message `id` delivered, by us (`ours` given: the transaction and the root it proved the
 * message under, or found among our attempts) or by someone else, and observes its delivery latency.
 */
export async function markDelivered(
  context: Pick<DeliveryContext, "store" | "metrics">,
  destination: DestinationChain,
  id: Hex,
  log: Logger,
  ours?: { txHash: Hash; block: number; root: Hex },
): Promise<void> {
  const txHash = ours?.txHash;
  const { db, tables } = context.store;
  const [row] = await db.select().from(tables.messages).where(eq(tables.messages.id, id));
  if (!row || row.status === "delivered") return;
  let deliveredBy = txHash ? "self" : "other";
  let destinationTxHash = txHash ?? null;
  let destinationBlock = ours?.block ?? null;
  let deliveredRoot: string | null = ours?.root ?? null;
  if (!txHash) {
    // Ours may have landed in a run that crashed before recording it.
    const attempts = await db.select().from(tables.attempts).where(eq(tables.attempts.messageId, id));
    for (const attempt of attempts) {
      const receipt = await destination.client
        .getTransactionReceipt({ hash: attempt.txHash as Hash })
        .catch(() => undefined);
      if (receipt?.status === "success") {
        deliveredBy = "self";
        destinationTxHash = receipt.transactionHash;
        destinationBlock = Number(receipt.blockNumber);
        // Both bridges emit the same DeliveredUnderRoot event after a proof delivery.
        const [underRoot] = parseEventLogs({
          abi: bridgeMinterAbi,
          eventName: "DeliveredUnderRoot",
          logs: receipt.logs,
        });
        deliveredRoot = underRoot?.args.root ?? deliveredRoot;
        await recordOutcome(context, id, receipt.transactionHash, "mined");
      }
    }
  }
  const now = new Date();
  await db
    .update(tables.messages)
    .set({
      status: "delivered",
      stuckReason: null,
      deliveredBy,
      destinationTxHash,
      destinationBlock,
      deliveredRoot,
      deliveredAt: now,
      updatedAt: now,
    })
    .where(eq(tables.messages.id, id));
  await db.insert(tables.statusHistory).values({
    messageId: id,
    status: "delivered",
    reason: deliveredBy === "self" ? null : "delivered by someone else",
  });
  context.metrics.deliveryLatency.observe(
    { origin: String(row.originChainId), destination: String(row.destinationChainId) },
    (now.getTime() - row.discoveredAt.getTime()) / 1000,
  );
  log.info({ tx: destinationTxHash, deliveredBy }, "delivered");
}
