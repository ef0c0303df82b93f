import { Counter, Gauge, Histogram, Registry } from "prom-client";

/**
 * A validator's metrics, on a registry of its own so several validators can run in one process (the
 * tests do). Labels are bounded: chain ids of the deployment and a short list of reasons.
 */
export function createValidatorMetrics() {
  const registry = new Registry();
  return {
    registry,
    observedHead: new Gauge({
      name: "validator_observed_head_block",
      help: "Latest block number seen on each chain.",
      labelNames: ["chain"],
      registers: [registry],
    }),
    finalizedBlock: new Gauge({
      name: "validator_processed_block",
      help: "Last finalized block whose logs this validator fully processed.",
      labelNames: ["chain"],
      registers: [registry],
    }),
    signed: new Counter({
      name: "validator_messages_signed_total",
      help: "Attestations signed, by origin and destination chain.",
      labelNames: ["origin", "destination"],
      registers: [registry],
    }),
    rootsSigned: new Counter({
      name: "validator_roots_signed_total",
      help: "Root attestations signed (one per route and finalized source block with messages).",
      labelNames: ["origin", "destination"],
      registers: [registry],
    }),
    refused: new Counter({
      name: "validator_messages_refused_total",
      help: "Outbound logs this validator refused to sign, by reason.",
      labelNames: ["origin", "reason"],
      registers: [registry],
    }),
    signingLag: new Histogram({
      name: "validator_signing_lag_seconds",
      help: "Seconds from the source block's timestamp to the signature.",
      labelNames: ["origin"],
      buckets: [1, 2, 3, 5, 8, 13, 30, 60, 300, 900, 1800],
      registers: [registry],
    }),
    scanErrors: new Counter({
      name: "validator_scan_errors_total",
      help: "Failed scans of a chain (RPC errors, non-canonical logs); the range is retried.",
      labelNames: ["chain"],
      registers: [registry],
    }),
  };
}

export type ValidatorMetrics = ReturnType<typeof createValidatorMetrics>;
