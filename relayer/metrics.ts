import { Counter, Gauge, Histogram, Registry } from "prom-client";

/** The relayer's metrics on a registry of its own (tests run several relayers in one process). */
export function createRelayerMetrics() {
  const registry = new Registry();
  return {
    registry,
    messages: new Gauge({
      name: "relayer_messages",
      help: "Messages known to this relayer's database, by origin, destination and status.",
      labelNames: ["origin", "destination", "status"],
      registers: [registry],
    }),
    deliveryLatency: new Histogram({
      name: "relayer_delivery_latency_seconds",
      help: "Seconds from discovering a message on its source chain to seeing it delivered.",
      labelNames: ["origin", "destination"],
      buckets: [1, 2, 3, 4, 5, 7, 10, 15, 20, 30, 60, 120, 300, 900],
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: "relayer_queue_depth",
      help: "Delivery jobs in the queue, by BullMQ state.",
      labelNames: ["state"],
      registers: [registry],
    }),
    oldestPendingAge: new Gauge({
      name: "relayer_oldest_pending_age_seconds",
      help: "Age of the oldest message not yet delivered or failed (0 when none).",
      registers: [registry],
    }),
    walletBalance: new Gauge({
      name: "relayer_wallet_balance_ether",
      help: "Native balance of the relayer's account on each chain.",
      labelNames: ["chain"],
      registers: [registry],
    }),
    submissions: new Counter({
      name: "relayer_submissions_total",
      help: "Destination transactions by outcome (mined, reverted, unmined, replaced).",
      labelNames: ["destination", "outcome"],
      registers: [registry],
    }),
    batchSize: new Histogram({
      name: "relayer_batch_size",
      help: "Messages per destination transaction (mintBatchWithProof/releaseBatchWithProof carry several).",
      labelNames: ["destination"],
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
      registers: [registry],
    }),
    rootSubmissions: new Counter({
      name: "relayer_root_submissions_total",
      help: "submitRoot transactions by outcome (mined, reverted, unmined).",
      labelNames: ["destination", "outcome"],
      registers: [registry],
    }),
    stageLatency: new Histogram({
      name: "relayer_stage_latency_seconds",
      help: "Seconds from the source block's timestamp until the relayer saw a message reach a stage (observed, finalized, attested, root_quorum, submitted, confirmed).",
      labelNames: ["stage", "origin", "destination"],
      buckets: [0.5, 1, 2, 3, 4, 5, 7, 10, 15, 20, 30, 60, 120, 300, 900, 1800],
      registers: [registry],
    }),
  };
}

export type RelayerMetrics = ReturnType<typeof createRelayerMetrics>;
