/**
 * Prometheus text for the bridge supply figures, rendered from indexed rows so it is the same in every
 * process that serves the API (`ponder start` or `ponder serve`) and survives restarts. Ponder's own
 * /metrics registry is internal to Ponder, so these are served beside it at /metrics/bridge, from a
 * prom-client registry built per request. Labels are bounded: one series per asset (its symbol) and
 * per transfer status.
 */
import { Counter, Gauge, Registry } from "prom-client";
import { availableAt, INBOUND, type RateLimitBucket } from "../lib/bridge/rateLimitBucket.js";

export type SupplyMetricRow = {
  id: string;
  custody: bigint;
  remoteOutstanding: bigint;
  inFlight: bigint;
  awaitingSource: bigint;
  violations: number;
  healthy: boolean;
};

export type BridgeMetricsInput = {
  bridgeId: string;
  supplies: readonly SupplyMetricRow[];
  transfersByStatus: readonly { status: string; count: number }[];
  /** Asset address (lowercase) -> { symbol, decimals } for labels and unit conversion. */
  assets: ReadonlyMap<string, { symbol: string; decimals: number }>;
  /** Token buckets (capacity 0 = unlimited: no series), labelled with network names. */
  rateLimits?: readonly (RateLimitBucket & {
    chain: string;
    remoteChain: string;
    asset: string;
    direction: number;
  })[];
  /** Unix seconds the rate-limit headroom is computed for (the wall clock when served). */
  now?: bigint;
};

/** Raw integer amount in whole tokens (a float: what Prometheus stores anyway). */
function toUnits(raw: bigint, decimals: number): number {
  const scale = 10n ** BigInt(decimals);
  const whole = raw / scale;
  const fraction = (raw < 0n ? -raw : raw) % scale;
  return Number(
    decimals === 0 ? whole.toString() : `${whole}.${fraction.toString().padStart(decimals, "0")}`,
  );
}

/**
 * The bridge supply figures in the Prometheus text format.
 *
 * @example
 * const text = await renderBridgeMetrics({ bridgeId: "canonical", supplies, transfersByStatus, assets });
 */
export async function renderBridgeMetrics(input: BridgeMetricsInput): Promise<string> {
  const registry = new Registry();
  const supplyLabels = ["bridge", "asset"] as const;
  const labelsOf = (row: SupplyMetricRow) => ({
    bridge: input.bridgeId,
    asset: input.assets.get(row.id)?.symbol ?? row.id,
  });
  const units = (row: SupplyMetricRow, raw: bigint) => toUnits(raw, input.assets.get(row.id)?.decimals ?? 18);

  const violations = new Counter({
    name: "indexer_supply_violations_total",
    help: "Supply check failures (remote supply above home custody).",
    labelNames: supplyLabels,
    registers: [registry],
  });
  const healthy = new Gauge({
    name: "indexer_supply_check_healthy",
    help: "1 when the last supply check of the asset held.",
    labelNames: supplyLabels,
    registers: [registry],
  });
  for (const row of input.supplies) {
    violations.inc(labelsOf(row), row.violations);
    healthy.set(labelsOf(row), row.healthy ? 1 : 0);
  }
  const gauges: [string, string, (r: SupplyMetricRow) => bigint][] = [
    [
      "indexer_bridge_outstanding_tokens",
      "Wrapped supply on remote chains (minted - burned), tokens.",
      (r) => r.remoteOutstanding,
    ],
    [
      "indexer_bridge_custody_tokens",
      "Held by the home vault (locked - released), tokens.",
      (r) => r.custody,
    ],
    [
      "indexer_bridge_in_flight_tokens",
      "Source leg indexed, destination leg not yet, tokens.",
      (r) => r.inFlight,
    ],
    [
      "indexer_bridge_awaiting_source_tokens",
      "Destination leg indexed before its source leg, tokens.",
      (r) => r.awaitingSource,
    ],
  ];
  for (const [name, help, pick] of gauges) {
    const gauge = new Gauge({ name, help, labelNames: supplyLabels, registers: [registry] });
    for (const row of input.supplies) gauge.set(labelsOf(row), units(row, pick(row)));
  }
  const transfers = new Gauge({
    name: "indexer_bridge_transfers",
    help: "Indexed bridge messages by status.",
    labelNames: ["bridge", "status"] as const,
    registers: [registry],
  });
  for (const { status, count } of input.transfersByStatus) {
    transfers.set({ bridge: input.bridgeId, status }, count);
  }
  renderRateLimits(registry, input);
  return registry.metrics();
}

/** Per-route token buckets: capacity, headroom now and refill rate, in whole tokens. */
function renderRateLimits(registry: Registry, input: BridgeMetricsInput): void {
  const labelNames = ["bridge", "chain", "route", "asset", "direction"] as const;
  const gauges = {
    capacity: new Gauge({
      name: "indexer_bridge_rate_limit_capacity_tokens",
      help: "Token-bucket capacity per route and direction, tokens.",
      labelNames,
      registers: [registry],
    }),
    available: new Gauge({
      name: "indexer_bridge_rate_limit_available_tokens",
      help: "What the bucket lets through now (the contract's availableCapacity), tokens.",
      labelNames,
      registers: [registry],
    }),
    refill: new Gauge({
      name: "indexer_bridge_rate_limit_refill_tokens_per_second",
      help: "Token-bucket refill rate, tokens per second.",
      labelNames,
      registers: [registry],
    }),
  };
  const now = input.now ?? BigInt(Math.floor(Date.now() / 1000));
  for (const bucket of input.rateLimits ?? []) {
    const available = availableAt(bucket, now);
    if (available === null) continue;
    const asset = input.assets.get(bucket.asset);
    const labels = {
      bridge: input.bridgeId,
      chain: bucket.chain,
      // The route as the bucket's chain sees it; inbound buckets limit deliveries from the remote chain.
      route:
        bucket.direction === INBOUND
          ? `${bucket.remoteChain}->${bucket.chain}`
          : `${bucket.chain}->${bucket.remoteChain}`,
      asset: asset?.symbol ?? bucket.asset,
      direction: bucket.direction === INBOUND ? "inbound" : "outbound",
    };
    const units = (raw: bigint) => toUnits(raw, asset?.decimals ?? 18);
    gauges.capacity.set(labels, units(bucket.capacity));
    gauges.available.set(labels, units(available));
    gauges.refill.set(labels, units(bucket.refillPerSecond));
  }
}
