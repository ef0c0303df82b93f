import type { RiskBook } from "./book.js";
import { InvalidRiskParameterError, UnknownRiskEntityError } from "./errors.js";
import { computeHealth, type HealthArrays } from "./health.js";
import type { LiquidationTotals } from "./liquidation.js";
import {
  type CascadeOutcome,
  cascadeFrom,
  checkedMaxRounds,
  type StaticLosses,
  staticLosses,
} from "./stress.js";

/** A price move multiplies prices by a factor in (0, this]: down to almost nothing, up to +1000%. */
export const PRICE_MOVE_FACTOR_MAX = 11;
/** The largest rise of a debt shock: +1000% (factor 11). */
export const DEBT_SHOCK_RISE_MAX = PRICE_MOVE_FACTOR_MAX - 1;
/** Moves one scenario may list. */
export const MAX_PRICE_MOVES = 50;

/**
 * The markets one name moves: a home asset (id or symbol) moves every market whose `underlyingAsset` it
 * is (the home token and every wrapped copy, as a price shock does); a token native to its chain (no
 * home asset) is named by its symbol or address, and every chain's market of that name moves.
 */
export type PriceTarget = {
  name: string;
  /** Home asset index, or null for chain-native tokens. */
  asset: number | null;
  markets: number[];
};

/**
 * Resolves a price-move target by home asset id or symbol, else by a chain-native token's symbol or
 * address (case-insensitive). Throws {@link UnknownRiskEntityError} listing both kinds of names.
 *
 * @example
 * resolvePriceTarget(book, "WETH").markets; // WETH on the home chain and its wrapped copies
 */
export function resolvePriceTarget(book: RiskBook, name: string): PriceTarget {
  const key = name.toLowerCase();
  const asset = book.assetIndex.get(key);
  if (asset !== undefined) {
    const markets: number[] = [];
    for (let m = 0; m < book.marketCount; m++) if (book.marketAsset[m] === asset) markets.push(m);
    return { name: book.assets[asset]!.symbol, asset, markets };
  }
  const markets: number[] = [];
  for (let m = 0; m < book.marketCount; m++) {
    if (book.marketAsset[m] !== -1) continue;
    if (book.marketSymbol[m]!.toLowerCase() === key || book.marketToken[m]!.toLowerCase() === key) {
      markets.push(m);
    }
  }
  if (markets.length > 0) return { name: book.marketSymbol[markets[0]!]!, asset: null, markets };
  throw new UnknownRiskEntityError("asset", name, [
    ...book.assets.map((a) => `${a.symbol} (${a.id})`),
    ...chainNativeSymbols(book).map((s) => `${s} (chain-native)`),
  ]);
}

/** Symbols of the markets that represent no home asset, each once, in market order. */
function chainNativeSymbols(book: RiskBook): string[] {
  const seen = new Map<string, string>();
  for (let m = 0; m < book.marketCount; m++) {
    const symbol = book.marketSymbol[m]!;
    if (book.marketAsset[m] === -1 && !seen.has(symbol.toLowerCase())) seen.set(symbol.toLowerCase(), symbol);
  }
  return [...seen.values()];
}

/** A default group of correlated assets, recognised by symbol. */
export type AssetGroupRule = { name: string; description: string; matches: (symbol: string) => boolean };

/**
 * Default correlated groups. Home assets are matched by their symbol (their wrapped copies follow them),
 * chain-native tokens by theirs. A symbol list is a heuristic: an explicit `assets` list overrides it.
 */
export const DEFAULT_ASSET_GROUPS: readonly AssetGroupRule[] = [
  {
    name: "eth",
    description: "ETH and its wrapped or staked forms (WETH, stETH, wstETH, cbETH, rETH, weETH, ...)",
    matches: (s) => /^(w|st|wst|cb|r|we|ez|rs|os|m)?eth$/i.test(s),
  },
  {
    name: "btc",
    description: "wrapped bitcoin (WBTC, cbBTC, tBTC, LBTC)",
    matches: (s) => /^(w|cb|t|lb)btc$/i.test(s),
  },
  {
    name: "stablecoins",
    description:
      "USD stablecoins: a symbol containing USD (USDC, USDT, USDe, crvUSD, ...), DAI, GHO, FRAX, LUSD",
    matches: (s) => /usd/i.test(s) || /^(s?dai|gho|frax|lusd)$/i.test(s),
  },
];

/** A group resolved against a book: its members, each a distinct set of markets. */
export type AssetGroup = { name: string; members: PriceTarget[] };

/**
 * The default groups with their members in this book (a group may be empty).
 *
 * @example
 * assetGroups(book).map((g) => `${g.name}: ${g.members.map((m) => m.name).join(", ")}`);
 */
export function assetGroups(book: RiskBook): AssetGroup[] {
  return DEFAULT_ASSET_GROUPS.map((rule) => {
    const members: PriceTarget[] = [];
    for (const a of book.assets) if (rule.matches(a.symbol)) members.push(resolvePriceTarget(book, a.id));
    for (const symbol of chainNativeSymbols(book)) {
      if (!rule.matches(symbol)) continue;
      const markets: number[] = [];
      for (let m = 0; m < book.marketCount; m++) {
        if (book.marketAsset[m] === -1 && book.marketSymbol[m]!.toLowerCase() === symbol.toLowerCase()) {
          markets.push(m);
        }
      }
      members.push({ name: symbol, asset: null, markets });
    }
    return { name: rule.name, members };
  });
}

/**
 * A group by name: with `assets`, exactly those targets (the name is only a label, "custom" by default);
 * without, one of {@link DEFAULT_ASSET_GROUPS}, which must have a member in the book. A target listed
 * twice counts once, so every market of the group moves exactly once.
 *
 * @example
 * resolveAssetGroup(book, { group: "eth" }).members.map((m) => m.name); // ["WETH"]
 */
export function resolveAssetGroup(
  book: RiskBook,
  params: { group?: string | null; assets?: readonly string[] | null },
): AssetGroup {
  const groups = assetGroups(book);
  const listing = groups.map(
    (g) => `${g.name} (${g.members.map((m) => m.name).join(", ") || "no member here"})`,
  );
  if (params.assets != null) {
    if (params.assets.length === 0 || params.assets.length > MAX_PRICE_MOVES) {
      throw new InvalidRiskParameterError(
        "assets",
        `assets must list 1 to ${MAX_PRICE_MOVES} assets, got ${params.assets.length}`,
      );
    }
    const members: PriceTarget[] = [];
    const seenAssets = new Set<number>();
    const seenMarkets = new Set<number>();
    for (const name of params.assets) {
      const target = resolvePriceTarget(book, name);
      if (target.asset !== null) {
        if (seenAssets.has(target.asset)) continue;
        seenAssets.add(target.asset);
      }
      // A chain-native token named by address and again by symbol: its markets move once.
      const markets = target.markets.filter((m) => !seenMarkets.has(m));
      if (target.asset === null && markets.length === 0) continue;
      for (const m of markets) seenMarkets.add(m);
      members.push({ ...target, markets });
    }
    return { name: params.group ?? "custom", members };
  }
  if (params.group == null) {
    throw new InvalidRiskParameterError(
      "group",
      `a group shock needs group (one of ${DEFAULT_ASSET_GROUPS.map((g) => g.name).join(", ")}) or an assets list`,
    );
  }
  const group = groups.find((g) => g.name === params.group!.toLowerCase());
  if (!group) throw new UnknownRiskEntityError("group", params.group, listing);
  if (group.members.length === 0) {
    throw new InvalidRiskParameterError(
      "group",
      `group "${group.name}" has no asset in this snapshot; give an assets list. Groups here: ${listing.join(", ")}`,
    );
  }
  return group;
}

/** Throws unless `factor` is a price multiplier in (0, {@link PRICE_MOVE_FACTOR_MAX}]. */
export function checkPriceMoveFactor(factor: number, of: string, parameter = "factor"): void {
  if (!(Number.isFinite(factor) && factor > 0 && factor <= PRICE_MOVE_FACTOR_MAX)) {
    throw new InvalidRiskParameterError(
      parameter,
      `${parameter} must be a price multiplier in (0, ${PRICE_MOVE_FACTOR_MAX}] (1 = unchanged, 1.2 = +20%, 0.9 = -10%), got ${factor} for ${of}`,
    );
  }
}

/** One move of a scenario, resolved. */
export type AppliedPriceMove = { target: PriceTarget; factor: number };

/**
 * Oracle prices with the moves applied one after another: each multiplies its target's markets by its
 * factor (so a target listed twice moves by the product). A price is a price: the result values both the
 * collateral and the debt of the moved markets.
 *
 * @example
 * movedPrices(book, [{ target: resolvePriceTarget(book, "USDC"), factor: 1.2 }]);
 */
export function movedPrices(book: RiskBook, moves: readonly AppliedPriceMove[]): Float64Array {
  const prices = Float64Array.from(book.marketPriceUsd);
  for (const { target, factor } of moves) {
    checkPriceMoveFactor(factor, target.name);
    for (const m of target.markets) prices[m] = prices[m]! * factor;
  }
  return prices;
}

export type PriceMoveParameters = {
  /** Targets by name ({@link resolvePriceTarget}) or resolved, with their multipliers. */
  moves: readonly { asset: string | PriceTarget; factor: number }[];
  /** Cascade round limit, 1..100; default 25. */
  maxRounds?: number | null;
};

/** Per protocol: static losses at the moved prices, their baseline, and the cascade's totals. */
export type ProtocolPriceMove = StaticLosses & { baseline: StaticLosses; cascade: LiquidationTotals };

export type PriceMoveResult = StaticLosses & {
  moves: AppliedPriceMove[];
  oraclePrices: Float64Array;
  /** Prices after the moves, before any liquidation: the cascade's starting point, and its debt prices. */
  movedPrices: Float64Array;
  /** Static losses at oracle prices. */
  baseline: StaticLosses;
  /** The liquidation cascade from the moved prices (debt valued at them), as a price shock's. */
  cascade: CascadeOutcome;
  protocols: ProtocolPriceMove[];
};

/**
 * Moves the prices of some assets (a borrowed asset rising, a stablecoin depegging either way, a group
 * of correlated assets together) and values **both collateral and debt** at the moved prices: Aave
 * values both sides with one oracle price, so a rising borrowed asset raises debt, and a depeg down
 * lowers the collateral and the debt in that token. Reports static losses at the moved prices (bad debt
 * `sum max(0, D' - C')`, liquidatable debt `sum_{HF' < 1} D'`) beside the baseline, and the clearing
 * cascade of {@link priceShockCascade} from the moved prices: liquidations seize collateral at them and
 * the seized collateral is sold through each market's liquidity source as in a price shock. Debt is
 * conserved at the moved prices: repaid + bad debt + remaining = initial (moved) debt.
 *
 * The collateral-only `priceShock` keeps debt at oracle prices (conservative; lib/risk/README.md); a move
 * of an asset nobody borrows by `1 - s` equals that shock exactly, and every factor 1 changes nothing.
 *
 * @example
 * const r = priceMoveStress(book, { moves: [{ asset: "USDC", factor: 1.2 }] });
 * r.liquidatableDebtUsd - r.baseline.liquidatableDebtUsd; // debt a 20% rise of USDC makes liquidatable
 */
export function priceMoveStress(
  book: RiskBook,
  params: PriceMoveParameters,
  baselineHealth: HealthArrays = computeHealth(book),
): PriceMoveResult {
  const maxRounds = checkedMaxRounds(params.maxRounds);
  if (params.moves.length === 0 || params.moves.length > MAX_PRICE_MOVES) {
    throw new InvalidRiskParameterError(
      "moves",
      `moves must list 1 to ${MAX_PRICE_MOVES} price moves, got ${params.moves.length}`,
    );
  }
  const moves = params.moves.map(({ asset, factor }) => {
    const target = typeof asset === "string" ? resolvePriceTarget(book, asset) : asset;
    checkPriceMoveFactor(factor, target.name);
    return { target, factor };
  });
  const prices = movedPrices(book, moves);
  // Debt only changes where a moved market carries debt; otherwise the book itself (and the seizure
  // curves and plan cached with it) serves, with the moves as collateral prices.
  const debtMarkets = marketsWithDebt(book);
  let movesDebt = false;
  for (let m = 0; m < book.marketCount; m++) {
    if (prices[m] !== book.marketPriceUsd[m] && debtMarkets[m] === 1) movesDebt = true;
  }
  const valued = movesDebt ? withMarketPrices(book, prices) : book;
  const after = staticLosses(book, computeHealth(valued, prices));
  const before = staticLosses(book, baselineHealth);
  const cascade = { ...cascadeFrom(valued, prices, maxRounds), oraclePrices: book.marketPriceUsd };
  return {
    moves,
    oraclePrices: book.marketPriceUsd,
    movedPrices: prices,
    ...after.total,
    baseline: before.total,
    cascade,
    protocols: after.protocols.map((p, i) => ({
      ...p,
      baseline: before.protocols[i]!,
      cascade: cascade.protocols[i]!,
    })),
  };
}

export type DebtShockParameters = {
  /** Target ({@link resolvePriceTarget}). */
  asset: string;
  /** Rise in (0, 10]: 0.2 = +20%. */
  rise: number;
  maxRounds?: number | null;
};

/**
 * A borrowed asset's price rising by `rise` (factor `1 + rise`), both sides valued at the new price.
 *
 * @example
 * debtShock(book, { asset: "USDC", rise: 0.2 }).liquidatableDebtUsd;
 */
export function debtShock(
  book: RiskBook,
  params: DebtShockParameters,
  baselineHealth?: HealthArrays,
): PriceMoveResult {
  const { rise } = params;
  if (!(Number.isFinite(rise) && rise > 0 && rise <= DEBT_SHOCK_RISE_MAX)) {
    throw new InvalidRiskParameterError(
      "rise",
      `rise must be a fraction in (0, ${DEBT_SHOCK_RISE_MAX}] (0.2 = +20%), got ${rise}`,
    );
  }
  return priceMoveStress(
    book,
    { moves: [{ asset: params.asset, factor: 1 + rise }], maxRounds: params.maxRounds },
    baselineHealth,
  );
}

export type DepegParameters = {
  /** Target ({@link resolvePriceTarget}), typically a stablecoin. */
  asset: string;
  /** The price the asset moves to, USD per whole token, above 0 and at most 11 x its reference price. */
  priceUsd: number;
  maxRounds?: number | null;
};

/**
 * A depeg: the asset's price moves to `priceUsd`, down or up. Its reference price is the home asset's
 * price (or, for a chain-native token, its first market's oracle price); every market of the asset is
 * multiplied by `priceUsd / reference`, so wrapped copies keep their spread to the home price.
 *
 * @example
 * depeg(book, { asset: "USDC", priceUsd: 0.87 }).badDebtUsd;
 */
export function depeg(
  book: RiskBook,
  params: DepegParameters,
  baselineHealth?: HealthArrays,
): PriceMoveResult {
  const target = resolvePriceTarget(book, params.asset);
  const reference =
    target.asset !== null ? book.assets[target.asset]!.priceUsd : book.marketPriceUsd[target.markets[0]!]!;
  if (!(reference > 0)) {
    throw new InvalidRiskParameterError("asset", `${target.name} has no usable price to depeg from`);
  }
  const max = PRICE_MOVE_FACTOR_MAX * reference;
  const { priceUsd } = params;
  if (!(Number.isFinite(priceUsd) && priceUsd > 0 && priceUsd <= max)) {
    throw new InvalidRiskParameterError(
      "priceUsd",
      `priceUsd must be in (0, ${max}] for ${target.name} (${PRICE_MOVE_FACTOR_MAX} x its price ${reference} USD), got ${priceUsd}`,
    );
  }
  // Clamped: the quotient of a price at the limit can land one ulp above it.
  const factor = Math.min(priceUsd / reference, PRICE_MOVE_FACTOR_MAX);
  return priceMoveStress(
    book,
    { moves: [{ asset: target, factor }], maxRounds: params.maxRounds },
    baselineHealth,
  );
}

export type GroupShockParameters = {
  /** A default group's name, or the label of `assets`. */
  group?: string | null;
  /** Explicit members ({@link resolvePriceTarget} names); overrides the default group. */
  assets?: readonly string[] | null;
  /** Multiplier in (0, 11] applied to every member. */
  factor: number;
  maxRounds?: number | null;
};

/**
 * Moves every member of a correlated group by the same factor ({@link resolveAssetGroup}): equal to
 * {@link priceMoveStress} with one move per member.
 *
 * @example
 * groupShock(book, { group: "eth", factor: 0.7 }).cascade.badDebtUsd;
 */
export function groupShock(
  book: RiskBook,
  params: GroupShockParameters,
  baselineHealth?: HealthArrays,
): PriceMoveResult & { group: AssetGroup } {
  checkPriceMoveFactor(params.factor, `group ${params.group ?? "custom"}`);
  const group = resolveAssetGroup(book, params);
  const moves = group.members.map((asset) => ({ asset, factor: params.factor }));
  return { ...priceMoveStress(book, { moves, maxRounds: params.maxRounds }, baselineHealth), group };
}

/**
 * The book with other market prices, everything else shared (books never write their arrays). Its own
 * caches (seizure curves, plan) are built on its first cascade.
 */
function withMarketPrices(book: RiskBook, prices: Float64Array): RiskBook {
  return { ...book, marketPriceUsd: prices };
}

const debtMarketsByBook = new WeakMap<RiskBook, Uint8Array>();

/** 1 for each market some entry borrows, else 0 (kept with the book). */
function marketsWithDebt(book: RiskBook): Uint8Array {
  const held = debtMarketsByBook.get(book);
  if (held) return held;
  const marks = new Uint8Array(book.marketCount);
  const entries = book.positionStart[book.positionCount]!;
  for (let e = 0; e < entries; e++) {
    if (book.entryDebt[e] !== 0) marks[book.reserveMarket[book.entryReserve[e]!]!] = 1;
  }
  debtMarketsByBook.set(book, marks);
  return marks;
}
