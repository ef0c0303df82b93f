/**
 * Price-shock cascade benchmark with tick-level price impact. Prints figures; asserts nothing.
 *
 *   npx tsx bench/risk-cascade.ts [positions=1000000] [runs=5] [depthScale=1]
 *
 * The synthetic book of bench/syntheticRiskSnapshot.ts (3 chains x 2 lending deployments, 24 reserves,
 * 12 markets) with a synthetic Uniswap v3 pool per market (syntheticDexPools: liquidity in seven ranges
 * from -60 % to +70 % of the price, both swap directions), so every cascade sells seized collateral
 * through initialized ticks, and deep shocks run pools out. The grid is 20 scenarios: shocks of 5, 10,
 * 20, 30, 40, 50, 60, 70, 80 and 95 % on WETH everywhere and on every market. Each run times the whole
 * grid; the figures are the median and p95 over runs. Goal (issue 15): at most 2 s for the grid at 1M
 * positions on the 2-core machine. The last line is one JSON object.
 */
import { loadavg } from "node:os";
import { compileRiskBook, type PriceShockResult, priceShockCascade } from "../lib/risk/index.js";
import { syntheticDexPools, syntheticSnapshot } from "./syntheticRiskSnapshot.js";

const POSITIONS = Number(process.argv[2] ?? 1_000_000);
const RUNS = Number(process.argv[3] ?? 5);
const DEPTH_SCALE = Number(process.argv[4] ?? 1);
const SHOCKS = [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.95];
const TARGETS: (string | null)[] = ["WETH", null];

const log = (msg: string) => process.stderr.write(`${msg}\n`);
const load = () => loadavg()[0]!.toFixed(2);
const loadAtStart = load();

function stats(ms: number[]) {
  const s = [...ms].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]!;
  return { median: q(0.5), p95: q(0.95), min: s[0]!, max: s.at(-1)! };
}

log(`building ${POSITIONS} synthetic positions and their pools ...`);
const t0 = performance.now();
const base = syntheticSnapshot(POSITIONS);
const snapshot = { ...base, dexPools: syntheticDexPools(base, DEPTH_SCALE) };
const book = compileRiskBook(snapshot);
const ticks = snapshot.dexPools.reduce((s, p) => s + p.ticks.length, 0);
log(
  `  ${book.positionCount} positions, ${book.marketCount} markets, ${snapshot.dexPools.length} pools with ${ticks} initialized ticks (${(performance.now() - t0).toFixed(0)} ms)`,
);

const scenarios = TARGETS.flatMap((asset) => SHOCKS.map((shock) => ({ asset, shock })));
/** Returns the results, the wall time and the process CPU time (user + system) of one grid, in ms. */
const runGrid = (report: boolean): [PriceShockResult[], number, number] => {
  const results: PriceShockResult[] = [];
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (const s of scenarios) {
    const t = performance.now();
    const r = priceShockCascade(book, s);
    results.push(r);
    if (report) {
      const sales = r.sales.filter((x) => x.source === "uniswap-v3" && x.seizedTokens > 0);
      log(
        `  ${s.asset ?? "all"} -${Math.round(s.shock * 100)}%: ${(performance.now() - t).toFixed(0)} ms, ${r.rounds} rounds${r.converged ? "" : " (round limit)"}, ${r.liquidatedPositions} liquidated, bad debt ${r.badDebtUsd.toExponential(3)} USD, ${sales.length} pools sold into (${sales.filter((x) => x.exhausted).length} exhausted, ${sales.reduce((n, x) => n + x.initializedTicksCrossed, 0)} ticks crossed)`,
      );
    }
  }
  const wall = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return [results, wall, (used.user + used.system) / 1000];
};

log("warm-up grid (per scenario):");
const [results] = runGrid(true);
const grid: number[] = [];
const gridCpu: number[] = [];
for (let run = 1; run <= RUNS; run++) {
  const [, ms, cpuMs] = runGrid(false);
  grid.push(ms);
  gridCpu.push(cpuMs);
  log(`  grid ${run}/${RUNS}: ${ms.toFixed(0)} ms wall, ${cpuMs.toFixed(0)} ms CPU (load ${load()})`);
}
const g = stats(grid);
const c = stats(gridCpu);
const rounds = results.reduce((s, r) => s + r.rounds, 0);
const exhausted = results.reduce((s, r) => s + r.sales.filter((x) => x.exhausted).length, 0);
console.log(
  `cascade benchmark: ${POSITIONS} positions, ${book.marketCount} markets with Uniswap v3 pools (${ticks} initialized ticks), 20-scenario grid, node ${process.version}, load ${loadAtStart} -> ${load()}`,
);
console.log(
  `  grid: median ${g.median.toFixed(0)} ms, p95 ${g.p95.toFixed(0)} ms (min ${g.min.toFixed(0)}, max ${g.max.toFixed(0)}) over ${RUNS} runs; CPU median ${c.median.toFixed(0)} ms (the machine is shared: CPU time is the steadier figure); ${rounds} rounds in the grid, ${exhausted} market sales exhausted`,
);
console.log(
  JSON.stringify({
    positions: POSITIONS,
    markets: book.marketCount,
    pools: snapshot.dexPools.length,
    initialized_ticks: ticks,
    depth_scale: DEPTH_SCALE,
    runs: RUNS,
    cascade_grid_20_ms_median_1m_positions: POSITIONS === 1_000_000 ? Math.round(g.median) : null,
    cascade_grid_20_ms_median: Math.round(g.median),
    cascade_grid_20_ms_p95: Math.round(g.p95),
    cascade_grid_20_cpu_ms_median: Math.round(c.median),
    cascade_grid_20_rounds_total: rounds,
    cascade_grid_20_exhausted_sales: exhausted,
    load_avg_1m_start: Number(loadAtStart),
    load_avg_1m_end: Number(load()),
  }),
);
