import { type Job, Queue, UnrecoverableError, Worker } from "bullmq";
import { and, eq, min, notInArray, sql } from "drizzle-orm";
import { Redis } from "ioredis";
import {
  type Address,
  createPublicClient,
  createWalletClient,
  defineChain,
  formatEther,
  type Hex,
  type PublicClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { type OutboundLog, outboundEvents, serializeMessage } from "../lib/attestationApi.js";
import { messageFromBurnedLog, messageFromLockedLog, messageId } from "../lib/bridge/message.js";
import type { Deployment } from "../lib/deployments.js";
import { httpWithGasMargin } from "../lib/gasMarginTransport.js";
import type { Logger } from "../lib/logger.js";
import { type FinalityRule, findNetworkByChainId } from "../lib/networks.js";
import { createServiceApp, serve } from "../lib/service/http.js";
import { jsonResponse } from "../lib/service/json.js";
import { createScheduler } from "../lib/service/scheduler.js";
import { messageRecord, openRelayerStore, type RelayerStore, setStatus } from "./db.js";
import { steppedBackoff } from "./delivery/backoff.js";
import { SubmissionBatcher } from "./delivery/batcher.js";
import { deliver } from "./delivery/deliver.js";
import type { DeliveryJobData, DeliveryTiming, DestinationChain } from "./delivery/types.js";
import { createRelayerMetrics } from "./metrics.js";
import { NonceManager } from "./nonceManager.js";
import { finalizedBlockNumber, REORGED_OUT_REASON } from "./sourceLog.js";

export type RelayerChainConfig = {
  chainId: number;
  rpcUrl: string;
  pollMs: number;
  /** The chain's finality rule as a source; default: its network definition's, else 2 confirmations. */
  finality?: FinalityRule;
  /** Expected milliseconds between blocks; default: its network definition's, else 1000. */
  blockTimeMs?: number;
};

export type RelayerConfig = {
  privateKey: Hex;
  redisUrl: string;
  queuePrefix: string;
  database: { url?: string; dataDir: string; schema: string };
  validatorUrls: string[];
  deployment: Deployment;
  chains: RelayerChainConfig[];
  /** 0 picks a free port. */
  port: number;
  /** The address to bind (RELAYER_HOST); default 127.0.0.1. */
  host?: string;
  concurrency?: number;
  timing?: Partial<DeliveryTiming>;
  /** BullMQ lock and stall check; shorter values recover faster from a killed relayer. */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  /**
   * Ready messages for one destination are sent together as mintBatch/releaseBatch: up to
   * `maxMessages` per transaction, collected for at most `windowMs`. `maxMessages: 1` turns it off.
   */
  batch?: { maxMessages: number; windowMs: number };
  /** Retries of a failing submission before the message is dead-lettered as failed. */
  attempts?: number;
  logger: Logger;
};

export type RunningRelayer = {
  address: Address;
  url: string;
  store: RelayerStore;
  queue: Queue<DeliveryJobData>;
  stop(): Promise<void>;
};

export const DELIVERY_QUEUE = "deliveries";

const defaultTiming: DeliveryTiming = {
  signaturePollMs: 250,
  fastPolls: 240,
  backoffScale: 1,
  receiptTimeoutMs: 15_000,
  maxFeeBumps: 3,
  stuckAfterMs: 60_000,
};

/**
 * Starts a relayer: discovery loops that enqueue every Locked/Burned log as a BullMQ job (job id =
 * message id, so several relayers enqueueing the same message is harmless), workers that deliver
 * them, a reconciler that re-enqueues whatever the database says is unfinished (covers a Redis that
 * lost its data), and an HTTP server with /metrics, /health and /v1/messages/{id}.
 *
 * @example
 * const relayer = await startRelayer({ privateKey, redisUrl, queuePrefix: "bridge", database, validatorUrls, deployment, chains, port: 0, logger });
 * await relayer.stop();
 */
export async function startRelayer(config: RelayerConfig): Promise<RunningRelayer> {
  const account = privateKeyToAccount(config.privateKey);
  const log = config.logger.child({ service: "relayer", relayer: account.address });
  const timing = { ...defaultTiming, ...config.timing };
  const attempts = config.attempts ?? 8;
  const store = await openRelayerStore({
    databaseUrl: config.database.url,
    dataDir: config.database.dataDir,
    schema: config.database.schema,
  });
  const metrics = createRelayerMetrics();
  // BullMQ needs maxRetriesPerRequest: null so its blocking commands survive a Redis restart.
  const redisOptions = {
    maxRetriesPerRequest: null,
    retryStrategy: (times: number) => Math.min(times * 200, 2_000),
  };
  const queueConnection = new Redis(config.redisUrl, redisOptions);
  const workerConnection = new Redis(config.redisUrl, redisOptions);
  const lockConnection = new Redis(config.redisUrl, redisOptions);
  for (const connection of [queueConnection, workerConnection, lockConnection]) {
    connection.on("error", (error) => log.debug({ err: error.message }, "redis connection error"));
  }

  const clients = new Map<number, PublicClient>();
  const destinations = new Map<number, DestinationChain>();
  for (const chain of config.chains) {
    const deployed = config.deployment.chains.find((c) => c.chainId === chain.chainId);
    if (!deployed) continue;
    const viemChain = defineChain({
      id: chain.chainId,
      name: deployed.network,
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [chain.rpcUrl] } },
    });
    const transport = httpWithGasMargin(chain.rpcUrl, { timeout: 10_000, retryCount: 3, retryDelay: 150 });
    const client = createPublicClient({ chain: viemChain, transport }) as PublicClient;
    clients.set(chain.chainId, client);
    destinations.set(chain.chainId, {
      chainId: chain.chainId,
      deployment: deployed,
      client,
      wallet: createWalletClient({ account, chain: viemChain, transport }),
      nonces: new NonceManager({
        redis: lockConnection,
        prefix: config.queuePrefix,
        chainId: chain.chainId,
        address: account.address,
        client,
      }),
      blockTimeMs: chain.blockTimeMs ?? (findNetworkByChainId(chain.chainId)?.blockTimeSeconds ?? 1) * 1000,
      finality: chain.finality ??
        findNetworkByChainId(chain.chainId)?.finality ?? { kind: "confirmations", blocks: 2 },
    });
  }

  const queue = new Queue<DeliveryJobData>(DELIVERY_QUEUE, {
    connection: queueConnection,
    prefix: config.queuePrefix,
    defaultJobOptions: {
      attempts,
      backoff: { type: "stepped" },
      // Completed jobs stay a day so a late duplicate enqueue is still deduplicated by job id.
      removeOnComplete: { age: 86_400 },
      removeOnFail: false,
    },
  });
  const batch = config.batch ?? { maxMessages: 50, windowMs: 100 };
  const context = {
    store,
    destinations,
    validatorUrls: config.validatorUrls,
    metrics,
    log,
    timing,
    batcher: batch.maxMessages > 1 ? new SubmissionBatcher(batch) : undefined,
  };
  const worker = new Worker<DeliveryJobData>(DELIVERY_QUEUE, (job, token) => deliver(context, job, token), {
    connection: workerConnection,
    prefix: config.queuePrefix,
    concurrency: config.concurrency ?? 32,
    lockDuration: config.lockDurationMs ?? 30_000,
    stalledInterval: config.stalledIntervalMs ?? 30_000,
    // A stall means a relayer died mid-delivery; delivery is idempotent, so always try again.
    maxStalledCount: 1_000,
    settings: {
      backoffStrategy: (attemptsMade: number) => steppedBackoff(attemptsMade - 1, timing.backoffScale),
    },
  });
  worker.on("failed", (job: Job<DeliveryJobData> | undefined, error: Error) => {
    if (!job) return;
    const final =
      error instanceof UnrecoverableError ||
      error.name === "UnrecoverableError" ||
      job.attemptsMade >= attempts;
    log.warn(
      { id: job.data.id, attempt: job.attemptsMade, final, err: error.message },
      "delivery attempt failed",
    );
    void setStatus(store, job.data.id, final ? "failed" : "stuck", {
      reason: final
        ? `gave up after ${job.attemptsMade} attempts: ${error.message}`
        : `retrying: ${error.message}`,
    }).catch(() => undefined);
  });
  worker.on("error", (error) => log.debug({ err: error.message }, "worker error"));

  async function enqueue(data: DeliveryJobData): Promise<void> {
    await queue.add("deliver", data, { jobId: data.id });
  }

  /** Logs already handled by discovery, by block hash and message id, with their block number. */
  const discovered = new Map<string, bigint>();

  async function discoverOnce(chain: RelayerChainConfig): Promise<boolean> {
    const client = clients.get(chain.chainId)!;
    const { finality } = destinations.get(chain.chainId)!;
    const deployed = config.deployment.chains.find((c) => c.chainId === chain.chainId)!;
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
      await enqueue({
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

  /** Re-enqueues unfinished messages (a no-op while their job exists) and refreshes gauges. */
  async function reconcileOnce(): Promise<void> {
    const { db, tables } = store;
    const unfinished = await db
      .select()
      .from(tables.messages)
      .where(notInArray(tables.messages.status, ["delivered", "failed"]));
    for (const row of unfinished) {
      await enqueue({
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
        const balance = await client.getBalance({ address: account.address });
        metrics.walletBalance.set({ chain: String(chainId) }, Number(formatEther(balance)));
      }),
    );
  }

  const scheduler = createScheduler();
  const onLoopError = (loop: string) => (error: unknown) =>
    log.warn(
      { loop, err: error instanceof Error ? error.message.split("\n")[0] : String(error) },
      "loop step failed",
    );
  for (const chain of config.chains) {
    const name = `discover-${chain.chainId}`;
    scheduler.every({ name, intervalMs: chain.pollMs, onError: onLoopError(name) }, () =>
      discoverOnce(chain),
    );
  }
  scheduler.every({ name: "reconcile", intervalMs: 3_000, onError: onLoopError("reconcile") }, reconcileOnce);

  const app = createServiceApp({
    log,
    registry: metrics.registry,
    health: () => {
      const redis = queueConnection.status === "ready";
      return {
        healthy: redis,
        body: { status: redis ? "ok" : "degraded", redis: queueConnection.status, address: account.address },
      };
    },
  });
  app.get("/v1/messages/:id{0x[0-9a-fA-F]{64}}", async (c) => {
    const record = await messageRecord(store, c.req.param("id").toLowerCase());
    return record ? jsonResponse(record) : jsonResponse({ error: "unknown message" }, 404);
  });
  const server = await serve({ app, host: config.host ?? "127.0.0.1", port: config.port });
  const url = server.url;
  log.info(
    { url, chains: config.chains.map((c) => c.chainId), validators: config.validatorUrls.length },
    "relayer started",
  );

  return {
    address: account.address,
    url,
    store,
    queue,
    async stop() {
      const loopsStopped = scheduler.stop();
      await server.close();
      // Workers first (finish or hand back their jobs), then the loops, the queue, Redis, the database.
      // Bounded: with Redis unreachable, close() would wait for it forever.
      await Promise.race([worker.close(), new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
      await loopsStopped;
      await queue.close();
      for (const connection of [queueConnection, workerConnection, lockConnection]) connection.disconnect();
      await store.close();
      log.info("relayer stopped");
    },
  };
}
