/**
 * Risk engine benchmark. Prints figures; asserts nothing.
 *
 *   npx tsx bench/risk-engine.ts [positions=1000000] [runs=5] [providerPositions=100000]
 *
 * - full recompute from scratch (`analyzeRisk(snapshot)`: every position object converted, users sorted)
 *   and after a price and index move (`analyzeRisk(next, previous)` with the same position objects: every
 *   value recomputed, the structure reused), over the synthetic book (3 chains x 2 lending deployments,
 *   4 reserves each: 24 reserves, 6 markets);
 * - the same move through `updateRisk` (every value again, into the previous analysis's arrays);
 * - `updateRisk` (in place, consuming the previous analysis) after a block that touches 100 positions with
 *   nothing else moved (checked once against a full recompute), and after one that also moves every
 *   reserve index, as every new block does in the indexer's provider (a full values pass then);
 * - the risk API provider's per-block rebuild at `providerPositions` (rows of two Aave markets, six
 *   reserves each): IndexedPositions.apply of the block's changed rows + assembleSnapshot +
 *   analyzeRisk from the previous analysis, with the block's timestamp moving every reserve's index.
 *   The PostgreSQL reads are not included (they are awaited, not computed, in the indexer's process);
 * - the 20-scenario stress grid when positions <= 200,000.
 * Goals (issue 16, 2-core machine): full recompute <= 1 s at 1M, incremental <= 50 ms; issue 13: the
 * provider's per-block work well under a second at 100k. The last line is one JSON object.
 */
import { loadavg } from "node:os";
import { Registry } from "prom-client";
import { createRiskMetrics } from "../lib/risk/api/metrics.js";
import { IndexedPositions } from "../lib/risk/api/provider/indexedPositions.js";
import { assembleSnapshot } from "../lib/risk/api/provider/snapshotFromRows.js";
import {
  analyzeRisk,
  bridgeFailure,
  priceShockCascade,
  type RiskAnalysis,
  type RiskSnapshot,
  runStandardScenarios,
  updateRisk,
} from "../lib/risk/index.js";
import { syntheticCheckpoint, syntheticIndexerWorld, syntheticSnapshot } from "./syntheticRiskSnapshot.js";

const POSITIONS = Number(process.argv[2] ?? 1_000_000);
const RUNS = Number(process.argv[3] ?? 5);
const PROVIDER_POSITIONS = Number(process.argv[4] ?? 100_000);
const TOUCHED = 100;

type Stats = { median: number; p95: number; min: number; max: number };
function stats(ms: number[]): Stats {
  const s = [...ms].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]!;
  return { median: q(0.5), p95: q(0.95), min: s[0]!, max: s.at(-1)! };
}
const cpuMedian = (ms: number[]) => stats(ms).median;
const fmt = (x: Stats) =>
  `median ${x.median.toFixed(1)} ms, p95 ${x.p95.toFixed(1)} ms (min ${x.min.toFixed(1)}, max ${x.max.toFixed(1)})`;
/**
 * Process CPU time (user + system, all threads: GC helper threads included) of the last `time` call:
 * beside the wall time, it shows how much of a figure is waiting for a core on a loaded machine.
 */
let lastCpuMs = 0;
function time<T>(fn: () => T): [T, number] {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const out = fn();
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  lastCpuMs = (c.user + c.system) / 1000;
  return [out, ms];
}
const cpu = {
  cold: [] as number[],
  warm: [] as number[],
  warmInPlace: [] as number[],
  incremental: [] as number[],
  block: [] as number[],
};
const log = (msg: string) => process.stderr.write(`${msg}\n`);
const load = () => loadavg()[0]!.toFixed(2);
const loadAtStart = load();

log(`building ${POSITIONS} synthetic positions ...`);
const [built, buildMs] = time(() => syntheticSnapshot(POSITIONS));
// Dropped before the provider's part (unless the stress grid needs it), so that part runs on its own heap.
let snapshot: RiskSnapshot = built;
const entries = snapshot.protocols.reduce(
  (s, p) => s + p.positions.reduce((t, q) => t + q.reserves.length, 0),
  0,
);
const reserves = snapshot.protocols.reduce((s, p) => s + p.reserves.length, 0);
log(
  `  ${snapshot.protocols.length} deployments, ${reserves} reserves, ${entries} entries (${buildMs.toFixed(0)} ms)`,
);

/** Every reserve's price and indexes moved a little (a new block), the same position objects. */
function moved(s: RiskSnapshot, step: number): RiskSnapshot {
  return {
    ...s,
    protocols: s.protocols.map((p) => ({
      ...p,
      reserves: p.reserves.map((r) => ({
        ...r,
        priceUsd: r.priceUsd * (1 + 0.0001 * step),
        liquidityIndex: r.liquidityIndex + BigInt(step) * 10n ** 18n,
        variableBorrowIndex: r.variableBorrowIndex + BigInt(step) * 2n * 10n ** 18n,
      })),
    })),
  };
}

/** A block touching `TOUCHED` positions (new objects, as the indexer's provider makes them). */
function touched(s: RiskSnapshot, run: number): RiskSnapshot {
  return {
    ...s,
    protocols: s.protocols.map((p, pi) => {
      const positions = [...p.positions];
      const per = Math.ceil(TOUCHED / s.protocols.length);
      for (let k = 0; k < per && positions.length > 0; k++) {
        const at = (run * 7919 + k * 104_729 + pi) % positions.length;
        const pos = positions[at]!;
        positions[at] = {
          ...pos,
          reserves: pos.reserves.map((r) => ({ ...r, scaledDebt: r.scaledDebt + BigInt(run) })),
        };
      }
      return { ...p, positions };
    }),
  };
}

/** Same summaries, exposure, order, health factors and debts, bit for bit. */
function sameFigures(a: RiskAnalysis, b: RiskAnalysis): boolean {
  const bytes = (x: ArrayBufferView) => Buffer.from(x.buffer, x.byteOffset, x.byteLength);
  return (
    JSON.stringify([a.protocols, a.exposure]) === JSON.stringify([b.protocols, b.exposure]) &&
    bytes(a.order).equals(bytes(b.order)) &&
    bytes(a.health.healthFactor).equals(bytes(b.health.healthFactor)) &&
    bytes(a.health.debtUsd).equals(bytes(b.health.debtUsd))
  );
}

// Warm-up (JIT).
let previous: RiskAnalysis = analyzeRisk(snapshot);
previous = analyzeRisk(moved(snapshot, 1), previous);

const cold: number[] = [];
for (let run = 1; run <= RUNS; run++) {
  const [, ms] = time(() => analyzeRisk(snapshot));
  cold.push(ms);
  cpu.cold.push(lastCpuMs);
  log(`  full recompute from scratch ${run}/${RUNS}: ${ms.toFixed(1)} ms (load ${load()})`);
}
const warm: number[] = [];
let current = previous.snapshot;
for (let run = 1; run <= RUNS; run++) {
  current = moved(current, 1);
  const [analysed, ms] = time(() => analyzeRisk(current, previous));
  warm.push(ms);
  cpu.warm.push(lastCpuMs);
  previous = analysed;
  log(`  full recompute after a price and index move ${run}/${RUNS}: ${ms.toFixed(1)} ms`);
}
// The same through updateRisk, which consumes the previous analysis: every value again, written into
// its arrays instead of fresh ones.
const warmInPlace: number[] = [];
for (let run = 1; run <= RUNS; run++) {
  current = moved(current, 1);
  const [analysed, ms] = time(() => updateRisk(previous, current));
  warmInPlace.push(ms);
  cpu.warmInPlace.push(lastCpuMs);
  previous = analysed;
  log(`  updateRisk after a price and index move ${run}/${RUNS}: ${ms.toFixed(1)} ms (load ${load()})`);
}
// The in-place update (`updateRisk`, which consumes the previous analysis) after blocks that touch
// TOUCHED positions and move nothing else. A warm-up update first (JIT), then the timed ones.
current = touched(current, 0);
previous = updateRisk(previous, current);
const incremental: number[] = [];
for (let run = 1; run <= RUNS; run++) {
  current = touched(current, run);
  const [analysed, ms] = time(() => updateRisk(previous, current));
  incremental.push(ms);
  cpu.incremental.push(lastCpuMs);
  previous = analysed;
  log(
    `  ${TOUCHED} positions touched, nothing else moved ${run}/${RUNS}: ${ms.toFixed(1)} ms (load ${load()})`,
  );
}
// Checked once against a full recompute of the same snapshot (not timed): same summaries, exposure,
// health factors and order, bit for bit.
const incrementalEqualsFull = sameFigures(previous, analyzeRisk(current)); // the full one is dropped here
log(`  incremental equals a full recompute of the same snapshot: ${incrementalEqualsFull}`);
// A block that also moves every index (what the indexer's provider sees, its timestamp moving them):
// not "only positions changed", so updateRisk recomputes every value (README: "Incremental updates").
const block: number[] = [];
for (let run = 1; run <= RUNS; run++) {
  current = moved(touched(current, run + RUNS), 1);
  const [analysed, ms] = time(() => updateRisk(previous, current));
  block.push(ms);
  cpu.block.push(lastCpuMs);
  previous = analysed;
  log(`  ${TOUCHED} positions touched and indexes moved ${run}/${RUNS}: ${ms.toFixed(1)} ms`);
}
const liquidatable = previous.protocols.reduce((s, p) => s + p.positionsLiquidatable, 0);
const loadAfterEngine = load();
const deployments = snapshot.protocols.length;
// Free the large book before the provider's part: the indexer's process holds only its own positions.
previous = undefined as unknown as RiskAnalysis;
current = undefined as unknown as RiskSnapshot;
if (POSITIONS > 200_000) snapshot = undefined as unknown as RiskSnapshot;

log(`provider: ${PROVIDER_POSITIONS} positions as indexer rows ...`);
const world = syntheticIndexerWorld(PROVIDER_POSITIONS);
const held = new IndexedPositions();
held.apply({ positions: world.rows.positions, users: world.rows.marketUsers });
const { positions: _p, marketUsers: _u, ...smallTables } = world.rows;
let rows = smallTables;
let providerAnalysis = analyzeRisk(assembleSnapshot(world.deployment, rows, held));
const providerBlocks: number[] = [];
const providerParts = { apply: [] as number[], assemble: [] as number[], analyze: [] as number[] };
const providerRuns = Math.max(RUNS, 10);
for (let b = 1; b <= providerRuns + 2; b++) {
  const blockNumber = BigInt(1 + b);
  const timestamp = 1_700_000_000 + b;
  const changed = [];
  for (let k = 0; k < TOUCHED; k++) {
    const u = (b * 7919 + k * 104_729) % world.users;
    changed.push(world.positionRow(u, 1, BigInt(b), blockNumber));
  }
  rows = {
    ...rows,
    checkpoints: rows.checkpoints.map((c) => ({
      ...c,
      latestCheckpoint: syntheticCheckpoint(c.chainId, blockNumber, timestamp),
    })),
  };
  const t0 = performance.now();
  held.apply({ positions: changed, users: [] });
  const t1 = performance.now();
  const next = assembleSnapshot(world.deployment, rows, held);
  const t2 = performance.now();
  providerAnalysis = analyzeRisk(next, providerAnalysis);
  const t3 = performance.now();
  if (b <= 2) continue; // warm-up
  providerBlocks.push(t3 - t0);
  providerParts.apply.push(t1 - t0);
  providerParts.assemble.push(t2 - t1);
  providerParts.analyze.push(t3 - t2);
  log(`  provider block ${b - 2}/${providerRuns}: ${(t3 - t0).toFixed(1)} ms`);
}
const providerEntries = providerAnalysis.book.positionStart[providerAnalysis.book.positionCount]!;

let grid: Stats | undefined;
let standardMs: number | undefined;
if (POSITIONS <= 200_000) {
  const analysis = analyzeRisk(snapshot);
  const metrics = createRiskMetrics(new Registry());
  const [scenarios, ms] = time(() => runStandardScenarios(analysis.book, analysis.health));
  standardMs = ms;
  metrics.update(analysis, scenarios);
  const scenariosGrid: (() => unknown)[] = [];
  for (const shock of [0.05, 0.1, 0.2, 0.3, 0.5]) {
    scenariosGrid.push(() => priceShockCascade(analysis.book, { shock }));
    scenariosGrid.push(() => priceShockCascade(analysis.book, { asset: "WETH", shock }));
  }
  for (const recovery of [1, 0.8, 0.6, 0.4, 0.2]) {
    for (const bridge of ["main", "fast"])
      scenariosGrid.push(() => bridgeFailure(analysis.book, { bridge, recovery }, analysis.health));
  }
  const runs: number[] = [];
  for (let run = 0; run < 3; run++) {
    runs.push(
      time(() => {
        for (const scenario of scenariosGrid) scenario();
      })[1],
    );
  }
  grid = stats(runs);
}

const s = {
  cold: stats(cold),
  warm: stats(warm),
  warmInPlace: stats(warmInPlace),
  incremental: stats(incremental),
  block: stats(block),
  provider: stats(providerBlocks),
};
console.log(
  `risk engine benchmark: ${POSITIONS} positions, ${entries} entries, ${reserves} reserves in ${deployments} deployments, node ${process.version}, load ${loadAtStart} -> ${load()}`,
);
console.log(`  full recompute from scratch: ${fmt(s.cold)}; CPU median ${cpuMedian(cpu.cold).toFixed(0)} ms`);
console.log(
  `  full recompute after a price and index move: ${fmt(s.warm)}; CPU median ${cpuMedian(cpu.warm).toFixed(0)} ms`,
);
console.log(
  `  updateRisk after a price and index move (full values pass in place): ${fmt(s.warmInPlace)}; CPU median ${cpuMedian(cpu.warmInPlace).toFixed(0)} ms`,
);
console.log(
  `  incremental (updateRisk), ${TOUCHED} positions touched, nothing else moved: ${fmt(s.incremental)}; CPU median ${cpuMedian(cpu.incremental).toFixed(1)} ms; equals a full recompute: ${incrementalEqualsFull}`,
);
console.log(
  `  updateRisk, ${TOUCHED} positions touched and every index moved (a block; full values pass): ${fmt(s.block)}; CPU median ${cpuMedian(cpu.block).toFixed(0)} ms`,
);
console.log(`  liquidatable positions: ${liquidatable}`);
console.log(
  `  provider per-block rebuild, ${PROVIDER_POSITIONS} positions (${providerEntries} entries), ${TOUCHED} rows changed, timestamp moved: ${fmt(s.provider)}`,
);
console.log(
  `    of which apply ${stats(providerParts.apply).median.toFixed(1)} ms, assemble ${stats(providerParts.assemble).median.toFixed(1)} ms, analyze ${stats(providerParts.analyze).median.toFixed(1)} ms (medians)`,
);
if (grid)
  console.log(`  stress grid (20 scenarios): ${fmt(grid)}; standard scenarios ${standardMs!.toFixed(1)} ms`);
console.log(
  JSON.stringify({
    positions: POSITIONS,
    entries,
    reserves,
    deployments,
    runs: RUNS,
    full_recompute_from_scratch_median_ms: Math.round(s.cold.median),
    full_recompute_from_scratch_p95_ms: Math.round(s.cold.p95),
    full_recompute_price_index_move_median_ms: Math.round(s.warm.median),
    full_recompute_price_index_move_p95_ms: Math.round(s.warm.p95),
    update_in_place_price_index_move_median_ms: Math.round(s.warmInPlace.median),
    update_in_place_price_index_move_p95_ms: Math.round(s.warmInPlace.p95),
    incremental_100_touched_nothing_else_median_ms: Math.round(s.incremental.median),
    incremental_100_touched_nothing_else_p95_ms: Math.round(s.incremental.p95),
    incremental_equals_full_recompute: incrementalEqualsFull,
    cpu_full_recompute_from_scratch_median_ms: Math.round(cpuMedian(cpu.cold)),
    cpu_full_recompute_price_index_move_median_ms: Math.round(cpuMedian(cpu.warm)),
    cpu_update_in_place_price_index_move_median_ms: Math.round(cpuMedian(cpu.warmInPlace)),
    cpu_incremental_100_touched_nothing_else_median_ms: Math.round(cpuMedian(cpu.incremental)),
    incremental_100_touched_indexes_moved_median_ms: Math.round(s.block.median),
    incremental_100_touched_indexes_moved_p95_ms: Math.round(s.block.p95),
    provider_positions: PROVIDER_POSITIONS,
    provider_block_rebuild_median_ms: Math.round(s.provider.median),
    provider_block_rebuild_p95_ms: Math.round(s.provider.p95),
    stress_grid_median_ms: grid ? Math.round(grid.median) : null,
    load_avg_1m_start: Number(loadAtStart),
    load_avg_1m_after_engine: Number(loadAfterEngine),
    load_avg_1m_end: Number(load()),
  }),
);
