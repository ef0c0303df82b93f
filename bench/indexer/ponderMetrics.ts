/**
 * Where Ponder spends its time between two scrapes of its own /metrics: handler time per event, cache
 * misses and store queries per table, database method time. Used to explain live-lag outliers from
 * Ponder's own figures rather than from guesses.
 */

export type Scrape = Map<string, number>;

export async function scrapeMetrics(url: string): Promise<Scrape> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const values: Scrape = new Map();
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const space = line.lastIndexOf(" ");
    const value = Number(line.slice(space + 1));
    if (Number.isFinite(value)) values.set(line.slice(0, space), value);
  }
  return values;
}

const labelOf = (series: string, label: string) => new RegExp(`${label}="([^"]*)"`).exec(series)?.[1] ?? "";

/** Lines describing what changed from `before` to `after`, largest totals first. */
export function describeMetricsDelta(
  before: Scrape,
  after: Scrape,
  top = Number(process.env.BENCH_METRICS_TOP ?? 8),
): string[] {
  const delta = (series: string) => (after.get(series) ?? 0) - (before.get(series) ?? 0);
  const sumsOf = (family: string, key: (series: string) => string) => {
    const totals = new Map<string, { sum: number; count: number }>();
    for (const series of after.keys()) {
      if (!series.startsWith(`${family}_sum`) && !series.startsWith(`${family}_count`)) continue;
      const k = key(series);
      const entry = totals.get(k) ?? { sum: 0, count: 0 };
      if (series.startsWith(`${family}_sum`)) entry.sum += delta(series);
      else entry.count += delta(series);
      totals.set(k, entry);
    }
    return [...totals].filter(([, t]) => t.count > 0).sort((a, b) => b[1].sum - a[1].sum);
  };
  const counts = (family: string, key: (series: string) => string) => {
    const totals = new Map<string, number>();
    for (const series of after.keys()) {
      if (!series.startsWith(`${family}{`)) continue;
      totals.set(key(series), (totals.get(key(series)) ?? 0) + delta(series));
    }
    return [...totals].filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
  };
  const lines: string[] = [];
  const handlers = sumsOf("ponder_indexing_function_duration", (s) => labelOf(s, "event"));
  lines.push(
    `handlers (total ms / calls / mean ms): ${handlers
      .slice(0, top)
      .map(([event, t]) => `${event} ${t.sum.toFixed(0)}/${t.count}/${(t.sum / t.count).toFixed(1)}`)
      .join(", ")}`,
  );
  const database = sumsOf("ponder_database_method_duration", (s) => labelOf(s, "method"));
  lines.push(
    `database methods (total ms / calls): ${database
      .slice(0, top)
      .map(([method, t]) => `${method} ${t.sum.toFixed(0)}/${t.count}`)
      .join(", ")}`,
  );
  const misses = counts("ponder_indexing_cache_requests_total", (s) =>
    labelOf(s, "type") === "miss" ? labelOf(s, "table") : "",
  ).filter(([table]) => table);
  lines.push(`cache misses by table: ${misses.map(([t, n]) => `${t} ${n}`).join(", ") || "none"}`);
  const queries = counts(
    "ponder_indexing_store_queries_total",
    (s) => `${labelOf(s, "table")}.${labelOf(s, "method")}`,
  );
  lines.push(
    `store queries: ${queries
      .slice(0, top)
      .map(([k, n]) => `${k} ${n}`)
      .join(", ")}`,
  );
  const rpc = counts(
    "ponder_indexing_rpc_requests_total",
    (s) => `${labelOf(s, "method")}:${labelOf(s, "type")}`,
  );
  lines.push(`handler RPC requests: ${rpc.map(([k, n]) => `${k} ${n}`).join(", ") || "none"}`);
  // Backfill only: where Ponder's historical loop spent its time (extract = waiting for the sync's
  // events, transform = indexing them; transform split into prefetch, index, load = cache flush, ...).
  for (const [family, label, title] of [
    ["ponder_historical_concurrency_group_duration", "group", "backfill loop (ms)"],
    ["ponder_historical_transform_duration", "step", "backfill transform steps (ms)"],
  ] as const) {
    const steps = counts(family, (s) => labelOf(s, label));
    if (steps.length) lines.push(`${title}: ${steps.map(([k, n]) => `${k} ${n.toFixed(0)}`).join(", ")}`);
  }
  return lines;
}
