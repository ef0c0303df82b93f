/**
 * Risk engine benchmark: full recompute over 100k synthetic positions (3 chains, 2 protocols deployed
 * on each) and a 20-scenario stress grid. Prints figures; asserts nothing.
 *
 *   npx tsx bench/risk-engine.ts [positions=100000] [runs=10]
 *
 * Goals on the 2-core CI machine: recompute <= 500 ms, stress grid <= 2 s.
 * A GraphQL load test (autocannon against createRiskHttpServer) is still to be written.
 */
import { Registry } from "prom-client";
import {
  analyzeRisk,
  bridgeFailure,
  compileRiskBook,
  computeHealth,
  priceShockCascade,
  type RiskPosition,
  type RiskReserve,
  type RiskSnapshot,
  runStandardScenarios,
} from "../lib/risk/index.js";
import { createRiskMetrics } from "../risk/metrics.js";

const POSITIONS = Number(process.argv[2] ?? 100_000);
const RUNS = Number(process.argv[3] ?? 10);
const RAY = 10n ** 27n;
const CHAINS = [1001, 1002, 1003]; // 1001 is home
const WETH = "0xweth";
const USDC = "0xusdc";
const BRIDGES = ["0xbridge-main", "0xbridge-fast"];

/** Deterministic PRNG so every run benchmarks the same book. */
function mulberry32(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function syntheticSnapshot(n: number): RiskSnapshot {
  const rnd = mulberry32(42);
  const deployments = CHAINS.flatMap((chainId) => ["lendA", "lendB"].map((name) => ({ chainId, name })));
  const perDeployment = Math.ceil(n / deployments.length);
  const protocols = deployments.map(({ chainId, name }, d) => {
    const home = chainId === CHAINS[0];
    const bridge = BRIDGES[d % 2]!;
    const r = (asset: string, extra: Partial<RiskReserve>): RiskReserve => ({
      asset,
      symbol: asset,
      underlyingAsset: null,
      bridge: null,
      priceUsd: 1,
      decimals: 18,
      ltv: 7500,
      liquidationThreshold: 8000,
      liquidationBonus: 10500,
      liquidityIndex: RAY + BigInt(Math.floor(rnd() * 1e8)) * 10n ** 18n,
      variableBorrowIndex: RAY + BigInt(Math.floor(rnd() * 1e8)) * 10n ** 18n,
      poolLiquidity: null,
      ...extra,
    });
    const reserves = [
      r(home ? WETH : `0x${chainId}-weth`, {
        symbol: "WETH",
        underlyingAsset: WETH,
        bridge: home ? null : bridge,
        priceUsd: 2000,
        liquidationThreshold: 8250,
        poolLiquidity: 20_000n * 10n ** 18n,
      }),
      r(home ? USDC : `0x${chainId}-usdc`, {
        symbol: "USDC",
        underlyingAsset: USDC,
        bridge: home ? null : bridge,
        decimals: 6,
        liquidationThreshold: 8800,
        liquidationBonus: 10400,
        poolLiquidity: 50_000_000n * 10n ** 6n,
      }),
      r(`0x${chainId}-btc`, {
        symbol: "BTC",
        decimals: 8,
        priceUsd: 60_000,
        liquidationThreshold: 7800,
        liquidationBonus: 10800,
        poolLiquidity: 500n * 10n ** 8n,
      }),
      r(`0x${chainId}-gov`, {
        symbol: "GOV",
        priceUsd: 5,
        liquidationThreshold: 6000,
        liquidationBonus: 11000,
        poolLiquidity: 2_000_000n * 10n ** 18n,
      }),
    ];
    const positions: RiskPosition[] = [];
    for (let u = 0; u < perDeployment && d * perDeployment + u < n; u++) {
      const collateral = reserves[Math.floor(rnd() * 4)]!;
      const second = rnd() < 0.5 ? reserves[Math.floor(rnd() * 4)]! : null;
      const debt = reserves[1]!;
      const collUsd = 1_000 + rnd() * 50_000;
      // HF spread mostly 1.0 .. 2.5, with a tail below 1
      const hf = 0.9 + rnd() * 1.6;
      const weighted = collUsd * (collateral.liquidationThreshold / 10_000);
      const toUnits = (usd: number, res: RiskReserve) =>
        BigInt(Math.floor((usd / res.priceUsd) * 1e6)) * 10n ** BigInt(res.decimals - 6);
      const entries = [
        {
          asset: collateral.asset,
          scaledCollateral: toUnits(collUsd, collateral),
          scaledDebt: 0n,
          usedAsCollateral: true,
        },
      ];
      if (second && second !== collateral && second !== debt) {
        entries.push({
          asset: second.asset,
          scaledCollateral: toUnits(collUsd / 4, second),
          scaledDebt: 0n,
          usedAsCollateral: true,
        });
      }
      if (collateral !== debt) {
        entries.push({
          asset: debt.asset,
          scaledCollateral: 0n,
          scaledDebt: toUnits(weighted / hf, debt),
          usedAsCollateral: false,
        });
      }
      positions.push({ user: `0x${d.toString(16)}${u.toString(16).padStart(8, "0")}`, reserves: entries });
    }
    return { id: `${name}@${chainId}`, name: `${name}-${chainId}`, chainId, reserves, positions };
  });
  return {
    asOf: { blockTimestamps: CHAINS.map((chainId) => ({ chainId, timestamp: 1_700_000_000 })), sources: [] },
    assets: [
      {
        id: WETH,
        symbol: "WETH",
        decimals: 18,
        chainId: CHAINS[0]!,
        priceUsd: 2000,
        priceUpdatedAt: 1_700_000_000,
      },
      {
        id: USDC,
        symbol: "USDC",
        decimals: 6,
        chainId: CHAINS[0]!,
        priceUsd: 1,
        priceUpdatedAt: 1_700_000_000,
      },
    ],
    bridges: BRIDGES.map((id, i) => ({
      id,
      name: i === 0 ? "main" : "fast",
      assets: [
        {
          asset: WETH,
          lockedOnHome: 10n ** 24n,
          remoteSupply: [{ chainId: CHAINS[1]!, wrappedToken: "w", supply: 10n ** 24n }],
          inFlight: 0n,
        },
      ],
    })),
    protocols,
  };
}

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
