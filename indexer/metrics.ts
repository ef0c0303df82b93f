/**
 * Prometheus text for the bridge supply figures, rendered from indexed rows so it is the same in every
 * process that serves the API (`ponder start` or `ponder serve`) and survives restarts. Ponder's own
 * /metrics registry is internal to Ponder, so these are served beside it at /metrics/bridge.
 * Labels are bounded: one series per asset (its symbol) and per transfer status.
 */

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
};

const escapeLabel = (value: string) =>
  value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

function toUnits(raw: bigint, decimals: number): string {
  const scale = 10n ** BigInt(decimals);
  const whole = raw / scale;
  const fraction = (raw < 0n ? -raw : raw) % scale;
  return decimals === 0 ? whole.toString() : `${whole}.${fraction.toString().padStart(decimals, "0")}`;
}

export function renderBridgeMetrics(input: BridgeMetricsInput): string {
  const lines: string[] = [];
  const family = (name: string, type: "counter" | "gauge", help: string) =>
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  const labelsOf = (row: SupplyMetricRow) => {
    const asset = input.assets.get(row.id);
    return `bridge="${escapeLabel(input.bridgeId)}",asset="${escapeLabel(asset?.symbol ?? row.id)}"`;
  };
  const units = (row: SupplyMetricRow, raw: bigint) => toUnits(raw, input.assets.get(row.id)?.decimals ?? 18);

  family(
    "indexer_supply_violations_total",
    "counter",
    "Supply check failures (remote supply above home custody).",
  );
  for (const row of input.supplies)
    lines.push(`indexer_supply_violations_total{${labelsOf(row)}} ${row.violations}`);
  family("indexer_supply_check_healthy", "gauge", "1 when the last supply check of the asset held.");
  for (const row of input.supplies)
    lines.push(`indexer_supply_check_healthy{${labelsOf(row)}} ${row.healthy ? 1 : 0}`);
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
    family(name, "gauge", help);
    for (const row of input.supplies) lines.push(`${name}{${labelsOf(row)}} ${units(row, pick(row))}`);
  }
  family("indexer_bridge_transfers", "gauge", "Indexed bridge messages by status.");
  for (const { status, count } of input.transfersByStatus) {
    lines.push(
      `indexer_bridge_transfers{bridge="${escapeLabel(input.bridgeId)}",status="${escapeLabel(status)}"} ${count}`,
    );
  }
  return `${lines.join("\n")}\n`;
}
