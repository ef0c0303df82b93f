import type { Queue } from "bullmq";
import { eq } from "drizzle-orm";
import type { Hex, PublicClient } from "viem";
import { type OutboundLog, outboundEvents, serializeMessage } from "../lib/attestationApi.js";
import { messageFromBurnedLog, messageFromLockedLog, messageId } from "../lib/bridge/message.js";
import type { Deployment } from "../lib/deployments.js";
import type { Logger } from "../lib/logger.js";
import type { FinalityRule } from "../lib/networks.js";
import { type RelayerStore, setStatus } from "./db.js";
import type { DeliveryJobData } from "./delivery/types.js";
import { enqueueDelivery } from "./queue.js";
import type { RelayerChainConfig } from "./service.js";
import { finalizedBlockNumber, REORGED_OUT_REASON } from "./sourceLog.js";

export type DiscoveryContext = {
  store: RelayerStore;
  queue: Queue<DeliveryJobData>;
  log: Logger;
  deployment: Deployment;
  /** Each source chain's client and finality rule. */
  sources: Map<number, { client: PublicClient; finality: FinalityRule }>;
};

/**
 * Discovery of one relayer: `discoverOnce(chain)` scans the chain's bridge from the stored cursor, records
 * every new Locked/Burned log as a message and enqueues its delivery (job id = message id). Blocks
 * above the finality point are scanned again until final, so a reorg's replacement logs are seen.
 */
export function createDiscovery(context: DiscoveryContext): {
  discoverOnce(chain: RelayerChainConfig): Promise<boolean>;
} {
  const { store, queue, log, deployment } = context;
  /** Logs already handled, by block hash and message id, with their block number. */
  const discovered = new Map<string, bigint>();

  async function discoverOnce(chain: RelayerChainConfig): Promise<boolean> {
    const { client, finality } = context.sources.get(chain.chainId)!;
    const deployed = deployment.chains.find((c) => c.chainId === chain.chainId)!;
    const { db, tables } = store;
    const [cursor] = await db.select().from(tables.cursors).where(eq(tables.cursors.chainId, chain.chainId));
    const head = await client.getBlockNumber({ cacheTime: 0 });
    const startBlock = BigInt(deployed.bridge.startBlock);
    let from = cursor ? BigInt(cursor.block + 1) : startBlock;
    // Blocks above the finality point may be replaced by a reorg: scan them again until they are final,
    // so a log in a replacement block at an already-scanned height is not missed.
    const finalized = await finalizedBlockNumber(client, finality, head);
    if (finalized + 1n < from) from = finalized + 1n > startBlock ? finalized + 1n : startBlock;
    if (head < from) return false;
    const to = head - from > 1_999n ? from + 1_999n : head;
    const logs = (await client.getLogs({
      address: deployed.bridge.address,
      events: outboundEvents,
      fromBlock: from,
      toBlock: to,
      strict: true,
    })) as OutboundLog[];
    for (const [key, block] of discovered) if (block < from) discovered.delete(key);
    for (const entry of logs) {
      const seen = `${chain.chainId}:${entry.blockHash}:${entry.args.messageId}`;
      if (discovered.has(seen)) continue;
      const build = entry.eventName === "Locked" ? messageFromLockedLog : messageFromBurnedLog;
      const message = build({
        log: { address: entry.address, args: entry.args },
        sourceChainId: chain.chainId,
      });
      const id = messageId(message);
      if (id !== entry.args.messageId) continue;
      const serialized = serializeMessage(message);
      const inserted = await db
        .insert(tables.messages)
        .values({
          id,
          originChainId: chain.chainId,
          destinationChainId: serialized.destinationChainId,
          nonce: serialized.nonce,
          message: serialized,
          status: "discovered",
          sourceTxHash: entry.transactionHash,
          sourceBlock: Number(entry.blockNumber),
        })
        .onConflictDoNothing()
        .returning({ id: tables.messages.id });
      if (inserted.length > 0) {
        await db.insert(tables.statusHistory).values({ messageId: id, status: "discovered" });
      } else {
        await reviveIfReorgedBack(id, entry);
      }
      await enqueueDelivery(queue, {
        id,
        message: serialized,
        sourceTxHash: entry.transactionHash,
        sourceBlock: Number(entry.blockNumber),
      });
      discovered.set(seen, entry.blockNumber);
    }
    await db
      .insert(tables.cursors)
      .values({ chainId: chain.chainId, block: Number(to) })
      .onConflictDoUpdate({ target: tables.cursors.chainId, set: { block: Number(to) } });
    return to < head;
  }

  /** A message given up as reorged out whose log is on chain again (the transaction was re-mined). */
  async function reviveIfReorgedBack(id: Hex, entry: OutboundLog): Promise<void> {
    const { db, tables } = store;
    const [row] = await db
      .select({ status: tables.messages.status, reason: tables.messages.stuckReason })
      .from(tables.messages)
      .where(eq(tables.messages.id, id));
    if (row?.status !== "failed" || row.reason !== REORGED_OUT_REASON) return;
    await db
      .update(tables.messages)
      .set({ sourceTxHash: entry.transactionHash, sourceBlock: Number(entry.blockNumber) })
      .where(eq(tables.messages.id, id));
    await setStatus(store, id, "discovered", { reason: "source log back on chain" });
    await (await queue.getJob(id))?.remove();
    log.info({ id, tx: entry.transactionHash }, "source log back on chain; delivering again");
  }

  return { discoverOnce };
}
