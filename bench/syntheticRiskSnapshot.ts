import type { RiskPosition, RiskReserve, RiskSnapshot } from "../lib/risk/index.js";

/**
 * The synthetic book the risk benchmarks share (bench/risk-engine.ts, bench/risk-graphql.ts): n positions
 * over 3 chains with 2 protocols each, two bridges, deterministic (seeded PRNG) so every run measures the
 * same book.
 */
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

export function syntheticSnapshot(n: number): RiskSnapshot {
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
