import { type Job, Queue, UnrecoverableError, Worker } from "bullmq";
import { Redis } from "ioredis";
import {
  type Address,
  createPublicClient,
  createWalletClient,
  defineChain,
  type Hex,
  type PublicClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { Deployment } from "../lib/deployments.js";
import { errorSummary } from "../lib/errors.js";
import { httpWithGasMargin } from "../lib/gasMarginTransport.js";
import type { Logger } from "../lib/logger.js";
import { type FinalityRule, findNetworkByChainId } from "../lib/networks.js";
import { createServiceApp, serve } from "../lib/service/http.js";
import { jsonResponse } from "../lib/service/json.js";
import { createScheduler } from "../lib/service/scheduler.js";
import { messageRecord, openRelayerStore, type RelayerStore, setStatus } from "./db.js";
import { steppedBackoff } from "./delivery/backoff.js";
import { deliver } from "./delivery/deliver.js";
import { type PipelineOptions, RootPipeline } from "./delivery/pipeline.js";
import type { DeliveryJobData, DeliveryTiming, DestinationChain } from "./delivery/types.js";
import { createDiscovery } from "./discovery.js";
import { createRelayerMetrics } from "./metrics.js";
import { NonceManager } from "./nonceManager.js";
import { DELIVERY_QUEUE } from "./queue.js";
import {
  DELIVERY_RECHECK_MS,
  DELIVERY_REORGED_REASON,
  reconcileOnce,
  redeliverReorgedDeliveries,
} from "./reconcile.js";
import { workerLockSettings } from "./workerLocks.js";

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
  /** BullMQ job lock and stalled check (relayer/workerLocks.ts explains the defaults). */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  /**
   * A root's messages are sent together with one multiproof per transaction, each transaction at most
   * `gasCap` gas (default 30M, a full Ethereum-sized block) and `maxMessages` messages (default 1000).
   */
  batch?: Partial<Pick<PipelineOptions, "gasCap" | "maxMessages">>;
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
  const locks = workerLockSettings({
    lockDurationMs: config.lockDurationMs,
    stalledIntervalMs: config.stalledIntervalMs,
  });
  const base = { store, destinations, validatorUrls: config.validatorUrls, metrics, log, timing };
  const pipeline = new RootPipeline(
    {
      ...base,
      redis: lockConnection,
      prefix: config.queuePrefix,
      wakeJob: async (id) => {
        const job = await queue.getJob(id);
        if (job && (await job.isDelayed())) await job.promote();
      },
    },
    {
      gasCap: config.batch?.gasCap ?? 30_000_000n,
      maxMessages: config.batch?.maxMessages ?? 1_000,
      // The same bound as a job lock: a dead relayer's roots are free again as soon as its jobs are.
      leaseMs: locks.lockDuration,
    },
  );
  const context = { ...base, pipeline, holdMs: locks.lockDuration };
  const worker = new Worker<DeliveryJobData>(DELIVERY_QUEUE, (job, token) => deliver(context, job, token), {
    connection: workerConnection,
    prefix: config.queuePrefix,
    concurrency: config.concurrency ?? 32,
    // Stored on each job it takes (processedBy): which relayer holds a message, for operators and the soak.
    name: account.address,
    ...locks,
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

  const { discoverOnce } = createDiscovery({
    store,
    queue,
    log,
    deployment: config.deployment,
    sources: destinations,
  });
  const reconcileContext = { store, queue, metrics, clients, destinations, address: account.address };

  const scheduler = createScheduler();
  const onLoopError = (loop: string) => (error: unknown) =>
    log.warn({ loop, err: errorSummary(error) }, "loop step failed");
  for (const chain of config.chains) {
    const name = `discover-${chain.chainId}`;
    scheduler.every({ name, intervalMs: chain.pollMs, onError: onLoopError(name) }, () =>
      discoverOnce(chain),
    );
  }
  scheduler.every({ name: "reconcile", intervalMs: 3_000, onError: onLoopError("reconcile") }, () =>
    reconcileOnce(reconcileContext),
  );
  scheduler.every(
    {
      name: "recheck-deliveries",
      intervalMs: DELIVERY_RECHECK_MS,
      onError: onLoopError("recheck-deliveries"),
    },
    async () => {
      const requeued = await redeliverReorgedDeliveries(reconcileContext);
      if (requeued > 0) log.warn({ requeued }, DELIVERY_REORGED_REASON);
    },
  );

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
      // The pipeline finishes the pass it is in (a sent batch is followed to its receipt), then stops;
      // what it still held is picked up by the messages' delayed jobs, here or in another relayer.
      await Promise.race([pipeline.stop(), new Promise((resolve) => setTimeout(resolve, 20_000).unref())]);
      await loopsStopped;
      await queue.close();
      for (const connection of [queueConnection, workerConnection, lockConnection]) connection.disconnect();
      await store.close();
      log.info("relayer stopped");
    },
  };
}
