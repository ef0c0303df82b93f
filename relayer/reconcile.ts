import type { Queue } from "bullmq";
import { and, eq, gt, min, notInArray, sql } from "drizzle-orm";
import { type Address, formatEther, type Hex, type PublicClient } from "viem";
import { deserializeMessage } from "../lib/attestationApi.js";
import { type RelayerStore, setStatus } from "./db.js";
import { isDelivered } from "./delivery/destinationReads.js";
import type { DeliveryJobData, DestinationChain } from "./delivery/types.js";
import type { RelayerMetrics } from "./metrics.js";
import { enqueueDelivery } from "./queue.js";

/** Why a delivered message is being delivered again. */
export const DELIVERY_REORGED_REASON = "delivery no longer on the destination chain (reorged out)";

export type ReconcileContext = {
  store: RelayerStore;
  queue: Queue<DeliveryJobData>;
  metrics: RelayerMetrics;
  clients: Map<number, PublicClient>;
  /** Destinations, for re-checking deliveries a reorg there may still undo. */
  destinations: Map<number, DestinationChain>;
  /** The relayer's account, whose gas balance per chain is a gauge. */
  address: Address;
};

/**
 * Re-enqueues every unfinished message (a no-op while its job exists: this covers a Redis that lost
 * its data) and refreshes the gauges: messages by status, oldest pending age, queue depth, balances.
 */
export async function reconcileOnce(context: ReconcileContext): Promise<void> {
  const { store, queue, metrics, clients, address } = context;
  const { db, tables } = store;
  const unfinished = await db
    .select()
    .from(tables.messages)
    .where(notInArray(tables.messages.status, ["delivered", "failed"]));
  for (const row of unfinished) {
    await enqueueDelivery(queue, {
      id: row.id as Hex,
      message: row.message,
      sourceTxHash: row.sourceTxHash as Hex,
      sourceBlock: row.sourceBlock,
    });
  }
  const counts = await db
    .select({
      origin: tables.messages.originChainId,
      destination: tables.messages.destinationChainId,
      status: tables.messages.status,
      count: sql<number>`count(*)::int`,
    })
    .from(tables.messages)
    .groupBy(tables.messages.originChainId, tables.messages.destinationChainId, tables.messages.status);
  metrics.messages.reset();
  for (const c of counts) {
    metrics.messages.set(
      { origin: String(c.origin), destination: String(c.destination), status: c.status },
      Number(c.count),
    );
  }
  const [oldest] = await db
    .select({ at: min(tables.messages.discoveredAt) })
    .from(tables.messages)
    .where(and(notInArray(tables.messages.status, ["delivered", "failed"])));
  metrics.oldestPendingAge.set(oldest?.at ? (Date.now() - new Date(oldest.at).getTime()) / 1000 : 0);
  const jobCounts = await queue.getJobCounts("waiting", "active", "delayed", "failed", "prioritized");
  for (const [state, count] of Object.entries(jobCounts)) metrics.queueDepth.set({ state }, count);
  await Promise.all(
    [...clients].map(async ([chainId, client]) => {
      const balance = await client.getBalance({ address });
      metrics.walletBalance.set({ chain: String(chainId) }, Number(formatEther(balance)));
    }),
  );
}

/** How often the relayer re-checks its recent deliveries (redeliverReorgedDeliveries). */
export const DELIVERY_RECHECK_MS = 5_000;

/**
 * A delivery is only as final as its destination block: a reorg there can drop the Minted/Released
 * transaction after the relayer recorded the message as delivered (the chaos soak lost a burn this way
 * when the home chain, also a destination, reorganised). Every delivery recorded within twice the
 * destination's finality time plus 10 s (so each is seen by at least two passes of this check, run
 * every DELIVERY_RECHECK_MS) is checked against the destination's delivered bitmap; one the bitmap no
 * longer shows goes back to "discovered" and into the queue. One contract read per recent delivery and
 * pass: on the 1 s devnet chains about 3 passes per delivery.
 */
export async function redeliverReorgedDeliveries(context: ReconcileContext): Promise<number> {
  const { store, queue, destinations } = context;
  const { db, tables } = store;
  let requeued = 0;
  for (const [chainId, destination] of destinations) {
    const finalityMs =
      (destination.finality.kind === "confirmations" ? destination.finality.blocks : 64) *
      destination.blockTimeMs;
    const since = new Date(Date.now() - 2 * finalityMs - 10_000);
    const recent = await db
      .select()
      .from(tables.messages)
      .where(
        and(
          eq(tables.messages.status, "delivered"),
          eq(tables.messages.destinationChainId, chainId),
          gt(tables.messages.deliveredAt, since),
        ),
      );
    for (const row of recent) {
      if (await isDelivered(destination, deserializeMessage(row.message))) continue;
      await setStatus(store, row.id, "discovered", { reason: DELIVERY_REORGED_REASON });
      // The completed job is kept (deduplication by job id): remove it so the message is queued again.
      await (await queue.getJob(row.id))?.remove().catch(() => undefined);
      await enqueueDelivery(queue, {
        id: row.id as Hex,
        message: row.message,
        sourceTxHash: row.sourceTxHash as Hex,
        sourceBlock: row.sourceBlock,
      });
      requeued++;
    }
  }
  return requeued;
}
