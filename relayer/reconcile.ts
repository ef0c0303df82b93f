import type { Queue } from "bullmq";
import { and, min, notInArray, sql } from "drizzle-orm";
import { type Address, formatEther, type Hex, type PublicClient } from "viem";
import type { RelayerStore } from "./db.js";
import type { DeliveryJobData } from "./delivery/types.js";
import type { RelayerMetrics } from "./metrics.js";
import { enqueueDelivery } from "./queue.js";

export type ReconcileContext = {
  store: RelayerStore;
  queue: Queue<DeliveryJobData>;
  metrics: RelayerMetrics;
  clients: Map<number, PublicClient>;
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
