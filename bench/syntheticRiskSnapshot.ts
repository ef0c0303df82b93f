import type { Deployment } from "../lib/deployments.js";
import type { IndexerRows } from "../lib/risk/api/provider/indexerRows.js";
import type { RiskDexPool, RiskPosition, RiskReserve, RiskSnapshot } from "../lib/risk/index.js";
import { getSqrtRatioAtTick } from "../lib/uniswap/tickMath.js";

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

/*
 * The indexer's side of the same idea: rows as the risk API's provider reads them from the indexer's
 * tables (two Aave markets on two chains, six reserves each), so a bench can run the provider's
 * per-block work (IndexedPositions.apply, assembleSnapshot, analyzeRisk from the previous analysis)
 * without PostgreSQL. Deterministic.
 */
type Rows = IndexerRows;
type PositionRow = Rows["positions"][number];
type UserRow = Rows["marketUsers"][number];
type Hex = `0x${string}`;

const HOME_CHAIN = 1001;
const REMOTE_CHAIN = 1002;
const addr = (tag: number) => `0x${tag.toString(16).padStart(40, "0")}` as Hex;

/** Ponder's checkpoint string for a block (timestamp, chain id, block number, then zeros). */
export function syntheticCheckpoint(chainId: number, blockNumber: bigint, timestamp: number): string {
  return `${String(timestamp).padStart(10, "0")}${String(chainId).padStart(16, "0")}${String(blockNumber).padStart(16, "0")}`.padEnd(
    75,
    "0",
  );
}

export type SyntheticIndexerWorld = {
  deployment: Deployment;
  rows: Rows;
  /** Rows of one position entry: `positionRow(user, reserve, scaledDebtBump, block)`. */
  positionRow: (user: number, reserve: number, bump: bigint, block: bigint) => PositionRow;
  userRow: (user: number, block: bigint) => UserRow;
  users: number;
};

export function syntheticIndexerWorld(n: number): SyntheticIndexerWorld {
  const rnd = mulberry32(7);
  const markets = [
    { id: "aave-home", chainId: HOME_CHAIN },
    { id: "aave-remote", chainId: REMOTE_CHAIN },
  ];
  const symbols = ["WETH", "USDC", "WBTC", "DAI", "LINK", "GOV"];
  const decimals = [18, 6, 8, 18, 18, 18];
  const prices = [2000, 1, 60_000, 1, 15, 5];
  const thresholds = [8250, 8800, 7800, 8500, 7000, 6000];
  // Token addresses: tag = 100 * chain index + reserve. WETH and USDC are the bridged assets: native at
  // home, wrapped on the remote chain.
  const asset = (m: number, r: number) => addr(1000 + 100 * m + r);
  const tokens = (m: number) =>
    [0, 1].map((r) => ({
      symbol: symbols[r]!,
      decimals: decimals[r]!,
      address: asset(m, r),
      homeToken: asset(0, r),
      kind: m === 0 ? ("native" as const) : ("wrapped" as const),
    }));
  const contract = (tag: number) => ({ address: addr(tag), startBlock: 0 });
  const deployment: Deployment = {
    name: "synthetic",
    bridgeId: "canonical",
    createdAt: "2026-01-01T00:00:00Z",
    homeChainId: HOME_CHAIN,
    validators: { epoch: 1, addresses: [addr(1)], threshold: 1 },
    externalBridges: [],
    chains: markets.map((m, i) => ({
      network: `chain-${m.chainId}`,
      chainId: m.chainId,
      role: i === 0 ? ("home" as const) : ("remote" as const),
      validatorSet: contract(10 + i),
      bridge: contract(20 + i),
      tokens: tokens(i),
      aaveMarkets: [],
      watchedAaveMarkets: [],
    })),
  };
  const timestamp = 1_700_000_000;
  const ray = 10n ** 27n;
  const reserves: Rows["reserves"] = markets.flatMap((m, mi) =>
    symbols.map((symbol, r) => ({
      id: `${m.id}:${asset(mi, r)}`,
      protocol: m.id,
      chainId: m.chainId,
      pool: addr(30 + mi),
      asset: asset(mi, r),
      homeAsset: r < 2 ? asset(0, r) : null,
      symbol,
      decimals: decimals[r]!,
      aToken: addr(2000 + 100 * mi + r),
      stableDebtToken: addr(3000 + 100 * mi + r),
      variableDebtToken: addr(4000 + 100 * mi + r),
      interestRateStrategy: addr(5000),
      ltv: thresholds[r]! - 500,
      liquidationThreshold: thresholds[r]!,
      liquidationBonus: 10500,
      reserveFactor: 1000,
      liquidationProtocolFee: 1000,
      supplyCap: 0n,
      borrowCap: 0n,
      debtCeiling: 0n,
      eModeCategory: 0,
      active: true,
      frozen: false,
      paused: false,
      borrowingEnabled: true,
      stableBorrowingEnabled: false,
      liquidityIndex: ray + BigInt(Math.floor(rnd() * 1e8)) * 10n ** 18n,
      variableBorrowIndex: ray + BigInt(Math.floor(rnd() * 1e8)) * 10n ** 18n,
      // About 2% and 4% a year, in ray per second terms as the Pool stores rates (ray per year).
      liquidityRate: (ray * 2n) / 100n,
      variableBorrowRate: (ray * 4n) / 100n,
      stableBorrowRate: 0n,
      lastUpdateTimestamp: BigInt(timestamp - 3600),
      totalScaledSupply: 0n,
      totalScaledVariableDebt: 0n,
      mintedToTreasury: 0n,
      priceSource: addr(6000 + 100 * mi + r),
      problems: [],
      updatedAtBlock: 1n,
    })),
  ) as Rows["reserves"];
  const priceSources = reserves.map((r, k) => ({
    id: `${r.chainId}:${r.priceSource}`,
    chainId: r.chainId,
    proxy: r.priceSource!,
    aggregator: addr(7000 + k),
    decimals: 8,
    description: `${r.symbol} / USD`,
    asset: r.asset,
    symbol: r.symbol,
    heartbeatSeconds: 86_400,
    answer: BigInt(prices[k % symbols.length]! * 1e8),
    roundId: 1n,
    updatedAt: BigInt(timestamp - 60),
    answerFrom: "config",
    checkedAtBlock: 1n,
    checkedBy: "config",
    switches: 0,
  })) as Rows["priceSources"];
  const marketRows = markets.map((m, mi) => ({
    id: m.id,
    chainId: m.chainId,
    name: m.id,
    pool: addr(30 + mi),
    poolConfigurator: addr(40 + mi),
    addressesProvider: addr(50 + mi),
    oracle: addr(60 + mi),
    baseCurrencyUnit: 10n ** 8n,
    fallbackOracle: addr(0),
    poolRevision: 1,
    updatedAtBlock: 1n,
  })) as Rows["markets"];

  // Users 0..n-1, alternating markets; each supplies one or two reserves and borrows USDC.
  const plans: { m: number; entries: { r: number; supply: bigint; debt: bigint }[] }[] = [];
  for (let u = 0; u < n; u++) {
    const m = u % 2;
    const c = Math.floor(rnd() * symbols.length);
    const second = rnd() < 0.5 ? Math.floor(rnd() * symbols.length) : c;
    const collUsd = 1_000 + rnd() * 50_000;
    const hf = 0.9 + rnd() * 1.6;
    const units = (usd: number, r: number) =>
      BigInt(Math.floor((usd / prices[r]!) * 1e6)) * 10n ** BigInt(decimals[r]! - 6);
    const entries = [{ r: c, supply: units(collUsd, c), debt: 0n }];
    if (second !== c) entries.push({ r: second, supply: units(collUsd / 4, second), debt: 0n });
    const debtUsd = (collUsd * (thresholds[c]! / 10_000)) / hf;
    const existing = entries.find((e) => e.r === 1);
    if (existing) existing.debt = units(debtUsd / 2, 1);
    else entries.push({ r: 1, supply: 0n, debt: units(debtUsd, 1) });
    plans.push({ m, entries });
  }
  const user = (u: number) => addr(0x1_0000_0000 + u * 7919);
  const positionRow = (u: number, r: number, bump: bigint, block: bigint): PositionRow => {
    const plan = plans[u]!;
    const m = markets[plan.m]!;
    const entry = plan.entries.find((e) => e.r === r) ?? { r, supply: 0n, debt: 0n };
    return {
      id: `${m.id}:${user(u)}:${asset(plan.m, r)}`,
      protocol: m.id,
      chainId: m.chainId,
      user: user(u),
      reserveId: `${m.id}:${asset(plan.m, r)}`,
      asset: asset(plan.m, r),
      scaledATokenBalance: entry.supply,
      scaledVariableDebt: entry.debt + bump,
      stableDebtPrincipal: 0n,
      stableBorrowRate: 0n,
      stableDebtTimestamp: 0n,
      usedAsCollateral: entry.supply > 0n,
      updatedAtBlock: block,
    };
  };
  const userRow = (u: number, block: bigint): UserRow => {
    const m = markets[plans[u]!.m]!;
    return {
      id: `${m.id}:${user(u)}`,
      protocol: m.id,
      chainId: m.chainId,
      user: user(u),
      eModeCategory: 0,
      lastActivityBlock: block,
      updatedAtBlock: block,
    };
  };
  const positions: PositionRow[] = [];
  const marketUsers: UserRow[] = [];
  plans.forEach((plan, u) => {
    for (const e of plan.entries) positions.push(positionRow(u, e.r, 0n, 1n));
    marketUsers.push(userRow(u, 1n));
  });
  const rows: Rows = {
    checkpoints: markets.map((m) => ({
      chainId: m.chainId,
      latestCheckpoint: syntheticCheckpoint(m.chainId, 1n, timestamp),
      finalizedCheckpoint: syntheticCheckpoint(m.chainId, 1n, timestamp),
    })),
    markets: marketRows,
    reserves,
    emodeCategories: [],
    marketUsers,
    positions,
    priceSources,
    assetSources: [],
    routeTotals: [],
    assetSupplies: [],
    tokenSupplies: [],
    externalCustodies: [],
    morphoMarkets: [],
    morphoPositions: [],
    uniswapPools: [],
    uniswapTicks: [],
  };
  return { deployment, rows, positionRow, userRow, users: n };
}

/**
 * Synthetic Uniswap v3 pools for the book of {@link syntheticSnapshot}: one pool per market (token on a
 * chain) against a 6-decimal stablecoin, at the market's oracle price, with liquidity in five ranges
 * whose depths are given in USD of the sold token between the range's two prices: +-2 % around the
 * price, then down to -10 %, -30 % and -60 % (and the mirror above), so a deep sale crosses several
 * initialized ticks and a sale of more than the -60 % range holds runs the pool out (exhausted). Markets
 * alternate between the sold token being token0 and token1, so both swap directions are exercised.
 * `depthScale` multiplies every range's depth.
 */
export function syntheticDexPools(snapshot: RiskSnapshot, depthScale = 1): RiskDexPool[] {
  const seen = new Set<string>();
  const pools: RiskDexPool[] = [];
  for (const p of snapshot.protocols) {
    for (const r of p.reserves) {
      const key = `${p.chainId}:${r.asset}`;
      if (seen.has(key) || !(r.priceUsd > 0)) continue;
      seen.add(key);
      const soldIsToken0 = pools.length % 2 === 0;
      const quoteDecimals = 6;
      const quote = `0x${p.chainId}-stable`;
      // Rough USD value of the market's collateral in the book sets the depth: 1 % of it within +-2 %.
      const usd = (f: number) => 2e8 * f * depthScale;
      // [lower, upper] as fractions of the token's price, and the USD depth of the sold token inside.
      const ranges: [number, number, number][] = [
        [0.98, 1.02, usd(1)],
        [0.9, 0.98, usd(2)],
        [0.7, 0.9, usd(3)],
        [0.4, 0.7, usd(2)],
        [1.02, 1.1, usd(2)],
        [1.1, 1.3, usd(3)],
        [1.3, 1.7, usd(2)],
      ];
      const raw = (tokenPriceFraction: number) => {
        // Pool price (token1 per token0, base units) at a fraction of the token's USD price.
        const p0 = r.priceUsd * tokenPriceFraction * 10 ** (quoteDecimals - r.decimals);
        return soldIsToken0 ? p0 : 1 / p0;
      };
      const tickOf = (price: number) => Math.floor(Math.log(price) / Math.log(1.0001) / SPACING) * SPACING;
      const tick = Math.floor(Math.log(raw(1)) / Math.log(1.0001));
      const net = new Map<number, bigint>();
      let inRange = 0n;
      for (const [a, b, depthUsd] of ranges) {
        let lower = tickOf(raw(a));
        let upper = tickOf(raw(b));
        if (lower > upper) [lower, upper] = [upper, lower];
        // Sold-token amount (base units) across the range: L (1/sqrt(pl) - 1/sqrt(pu)) for token0,
        // L (sqrt(pu) - sqrt(pl)) for token1; solved for L.
        const amount = (depthUsd / r.priceUsd) * 10 ** r.decimals;
        const sl = 1.0001 ** (lower / 2);
        const su = 1.0001 ** (upper / 2);
        const liquidity = BigInt(Math.floor(amount / (soldIsToken0 ? 1 / sl - 1 / su : su - sl)));
        net.set(lower, (net.get(lower) ?? 0n) + liquidity);
        net.set(upper, (net.get(upper) ?? 0n) - liquidity);
        if (lower <= tick && tick < upper) inRange += liquidity;
      }
      pools.push({
        chainId: p.chainId,
        address: `0x${p.chainId}-pool-${r.symbol.toLowerCase()}`,
        token0: soldIsToken0 ? r.asset : quote,
        token1: soldIsToken0 ? quote : r.asset,
        token: r.asset,
        tokenDecimals: r.decimals,
        quoteDecimals,
        sqrtPriceX96: getSqrtRatioAtTick(tick),
        tick,
        liquidity: inRange,
        fee: 3000,
        tickSpacing: SPACING,
        ticks: [...net].map(([t, liquidityNet]) => ({ tick: t, liquidityNet })),
      });
    }
  }
  return pools;
}

const SPACING = 60;
