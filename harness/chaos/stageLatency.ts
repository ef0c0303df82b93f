import type { ManagedProcess } from "./rig.js";

/**
 * Mean seconds from a message's source block to each delivery stage (relayer_stage_latency_seconds),
 * over every relayer's /metrics: where the time between a lock and its delivery goes. A relayer that
 * was restarted counts only what it saw since.
 */
export async function stageLatencyMeans(relayers: ManagedProcess[]): Promise<Record<string, number>> {
  const sums = new Map<string, { sum: number; count: number }>();
  for (const relayer of relayers) {
    const text = await fetch(`${relayer.url}/metrics`).then(
      (r) => r.text(),
      () => "",
    );
    for (const match of text.matchAll(
      /^relayer_stage_latency_seconds_(sum|count)\{[^}]*stage="([a-z_]+)"[^}]*\} ([0-9.e+-]+)$/gm,
    )) {
      const [, kind, stage, value] = match;
      const entry = sums.get(stage!) ?? { sum: 0, count: 0 };
      entry[kind as "sum" | "count"] += Number(value);
      sums.set(stage!, entry);
    }
  }
  return Object.fromEntries(
    [...sums]
      .filter(([, e]) => e.count > 0)
      .map(([stage, e]) => [stage, Number((e.sum / e.count).toFixed(1))]),
  );
}
