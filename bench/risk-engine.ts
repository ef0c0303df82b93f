/**
 * Risk engine benchmark: full recompute over 100k synthetic positions (3 chains, 2 protocols deployed
 * on each) and a 20-scenario stress grid. Prints figures; asserts nothing.
 *
 *   npx tsx bench/risk-engine.ts [positions=100000] [runs=10]
 *
 * Goals on the 2-core CI machine: recompute <= 500 ms, stress grid <= 2 s.
 * The GraphQL load test (autocannon against createRiskHttpServer) is bench/risk-graphql.ts.
 */
import { loadavg } from "node:os";
import { Registry } from "prom-client";
import { createRiskMetrics } from "../lib/risk/api/metrics.js";
import {
  analyzeRisk,
  bridgeFailure,
  compileRiskBook,
  computeHealth,
  priceShockCascade,
  runStandardScenarios,
} from "../lib/risk/index.js";
import { syntheticSnapshot } from "./syntheticRiskSnapshot.js";

const POSITIONS = Number(process.argv[2] ?? 100_000);
const RUNS = Number(process.argv[3] ?? 10);
function stats(ms: number[]) {
  const s = [...ms].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]!;
  return { median: q(0.5), p95: q(0.95), min: s[0]!, max: s.at(-1)! };
}
const fmt = (x: { median: number; p95: number; min: number; max: number }) =>
  `median ${x.median.toFixed(1)} ms, p95 ${x.p95.toFixed(1)} ms (min ${x.min.toFixed(1)}, max ${x.max.toFixed(1)})`;

function time<T>(fn: () => T): [T, number] {
  const t0 = performance.now();
  const out = fn();
  return [out, performance.now() - t0];
}

const log = (msg: string) => process.stderr.write(`${msg}\n`);

log(`building ${POSITIONS} synthetic positions ...`);
const [snapshot, buildMs] = time(() => syntheticSnapshot(POSITIONS));
const entries = snapshot.protocols.reduce(
  (s, p) => s + p.positions.reduce((t, q) => t + q.reserves.length, 0),
  0,
);
log(
  `  ${snapshot.protocols.length} protocol deployments, ${entries} position entries (${buildMs.toFixed(0)} ms)`,
);

// warm-up (JIT)
for (let i = 0; i < 2; i++) analyzeRisk(snapshot);

const full: number[] = [];
const compile: number[] = [];
const healthOnly: number[] = [];
for (let run = 1; run <= RUNS; run++) {
  const [, ms] = time(() => analyzeRisk(snapshot));
  full.push(ms);
  const [book, c] = time(() => compileRiskBook(snapshot));
  compile.push(c);
  healthOnly.push(time(() => computeHealth(book))[1]);
  log(`  recompute run ${run}/${RUNS}: ${ms.toFixed(1)} ms`);
}
// Incremental: a block that touches 100 positions (new objects, as the indexer's provider makes them)
// and moves nothing else; the analysis starts from the previous one (analyzeRisk(next, previous)).
const TOUCHED = 100;
const incremental: number[] = [];
let previous = analyzeRisk(snapshot);
for (let run = 1; run <= RUNS; run++) {
  const next = {
    ...snapshot,
    protocols: snapshot.protocols.map((p, pi) => {
      const positions = [...p.positions];
      const per = Math.ceil(TOUCHED / snapshot.protocols.length);
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
  const [analysed, ms] = time(() => analyzeRisk(next, previous));
  incremental.push(ms);
  previous = analysed;
  log(`  incremental run ${run}/${RUNS}: ${ms.toFixed(1)} ms`);
}
const analysis = analyzeRisk(snapshot);
const liquidatable = analysis.protocols.reduce((s, p) => s + p.positionsLiquidatable, 0);

const registry = new Registry();
const metrics = createRiskMetrics(registry);
const [scenarios, standardMs] = time(() => runStandardScenarios(analysis.book, analysis.health));
const metricsMs = time(() => metrics.update(analysis, scenarios))[1];

const grid: (() => unknown)[] = [];
for (const shock of [0.05, 0.1, 0.2, 0.3, 0.5]) {
  grid.push(() => priceShockCascade(analysis.book, { shock }));
  grid.push(() => priceShockCascade(analysis.book, { asset: "WETH", shock }));
}
for (const recovery of [1, 0.8, 0.6, 0.4, 0.2]) {
  for (const bridge of ["main", "fast"])
    grid.push(() => bridgeFailure(analysis.book, { bridge, recovery }, analysis.health));
}
const gridRuns: number[] = [];
const gridRepeats = Math.max(3, Math.ceil(RUNS / 2));
let maxRounds = 0;
for (let run = 1; run <= gridRepeats; run++) {
  const [, ms] = time(() => {
    for (const scenario of grid) {
      const r = scenario() as { rounds?: number };
      if (r.rounds !== undefined) maxRounds = Math.max(maxRounds, r.rounds);
    }
  });
  gridRuns.push(ms);
  log(`  stress grid run ${run}/${gridRepeats}: ${ms.toFixed(0)} ms`);
}
const deep = priceShockCascade(analysis.book, { shock: 0.5 });

console.log(`risk engine benchmark: ${POSITIONS} positions, ${entries} entries, node ${process.version}`);
console.log(`  full recompute (compile + HF + backing + exposure + summaries + sort): ${fmt(stats(full))}`);
console.log(`    of which compile (bigint -> float arrays): ${fmt(stats(compile))}`);
console.log(`  incremental update after ${TOUCHED} touched positions: ${fmt(stats(incremental))}`);
console.log(`    health factors alone: ${fmt(stats(healthOnly))}`);
console.log(`  liquidatable positions: ${liquidatable}`);
console.log(
  `  stress grid (${grid.length} scenarios: 10 price shocks with cascade, 10 bridge failures): ${fmt(stats(gridRuns))}`,
);
console.log(
  `    deepest cascade: ${maxRounds} rounds; -50% all: ${deep.rounds} rounds, bad debt $${deep.badDebtUsd.toFixed(0)}`,
);
console.log(
  `  standard scenarios for metrics (${scenarios.length}): ${standardMs.toFixed(1)} ms; metrics update ${metricsMs.toFixed(1)} ms`,
);
console.log(
  JSON.stringify({
    positions: POSITIONS,
    entries,
    full_recompute_median_ms: Math.round(stats(full).median),
    full_recompute_p95_ms: Math.round(stats(full).p95),
    compile_median_ms: Math.round(stats(compile).median),
    incremental_100_touched_median_ms: Math.round(stats(incremental).median),
    incremental_100_touched_p95_ms: Math.round(stats(incremental).p95),
    stress_grid_median_ms: Math.round(stats(gridRuns).median),
    load_avg_1m: Number(loadavg()[0]!.toFixed(2)),
  }),
);
