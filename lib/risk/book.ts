import {
  compilePositionStructure,
  compilePositionValues,
  type HAS_STABLE_DEBT,
  type PositionStructure,
  type PositionValues,
  type ProtocolValueInputs,
  protocolValueInputs,
  type ReserveValueInputs,
  reserveKey,
  STATUS_CODE,
  sameProtocolValueInputs,
  type USED_AS_COLLATERAL,
} from "./bookPositions.js";
import { compileDexPool, type DexMarketPool } from "./dexSale.js";
import { InvalidRiskParameterError, UnknownRiskEntityError } from "./errors.js";
import type { ProtocolKind, RiskPosition, RiskSnapshot } from "./snapshot.js";
import { reserveConfigurationProblems } from "./snapshotChecks.js";

const RAY = 1e27;

export {
  HAS_STABLE_DEBT,
  PRICED,
  positionKey,
  reserveKey,
  STALE,
  STATUS_NAMES,
  UNPRICED,
  USED_AS_COLLATERAL,
} from "./bookPositions.js";

/**
 * A snapshot compiled for the hot path: every balance converted once to a float64 count of whole
 * tokens, laid out in typed arrays (struct of arrays, positions as CSR ranges over entries).
 * A "market" is one token on one chain; several protocols on a chain listing the same token share it
 * (one oracle price, one liquidation pool).
 */
export type RiskBook = {
  snapshot: RiskSnapshot;
  protocols: { id: string; name: string; chainId: number; kind: ProtocolKind }[];
  bridges: { id: string; name: string }[];
  assets: { id: string; symbol: string; decimals: number; priceUsd: number }[];

  marketCount: number;
  marketChainId: Int32Array;
  marketToken: string[];
  marketSymbol: string[];
  /** Index into `assets`, or -1 for a chain-native token. */
  marketAsset: Int32Array;
  /** Index into `bridges`, or -1 when the token is not a bridge's wrapped token. */
  marketBridge: Int32Array;
  /** Oracle price, USD per whole token. Debt is always valued at these prices (see README). */
  marketPriceUsd: Float64Array;
  /** Token-side pool reserve in whole tokens; Infinity when unknown (no price impact). */
  marketPoolDepth: Float64Array;
  /**
   * The Uniswap v3 pool the cascade sells the market's token into, or null (then `marketPoolDepth`
   * applies). Of several pools for one market, the one with the most in-range liquidity.
   */
  marketDexPool: (DexMarketPool | null)[];

  reserveCount: number;
  reserveProtocol: Int32Array;
  reserveMarket: Int32Array;
  reserveDecimals: Int32Array;
  /** Fractions (0.825), not basis points. */
  reserveLtv: Float64Array;
  reserveLt: Float64Array;
  /** Multiplier including principal (1.05). */
  reserveLb: Float64Array;
  /** {@link PRICED}, {@link STALE} or {@link UNPRICED}: can the reserve's oracle price be used. */
  reserveStatus: Uint8Array;
  reservePriceReason: (string | null)[];
  /** Configuration problems (from the snapshot and {@link reserveConfigurationProblems}). */
  reserveProblems: string[][];

  /** Positions of protocol p are `protocolFirstPosition[p] .. protocolFirstPosition[p + 1] - 1`. */
  protocolFirstPosition: Int32Array;
  positionCount: number;
  positionProtocol: Int32Array;
  positionUser: string[];
  /** The position's eMode category (0: none). */
  positionEMode: Int32Array;
  /**
   * Position indexes by (protocol, user, index): the tie-break order of the risk ordering. It depends
   * only on who holds which place, so a compile from `previous` merges instead of sorting strings.
   */
  baseOrder: Int32Array;
  /** Entries of position i are `positionStart[i] .. positionStart[i + 1] - 1`. */
  positionStart: Int32Array;
  /**
   * The worst status of the prices the position's figures depend on (collateral counted or debt owed).
   * Anything but {@link PRICED} gives a null health factor and keeps the position out of exposure, stress
   * and liquidation figures: an unknown position is never counted as healthy.
   */
  positionStatus: Uint8Array;
  /**
   * Why a position is not priced ("WETH/USD feed: last answer 90000 s old, ..."), at the indexes of the
   * positions that are not; a sparse array (no entry, read as undefined, for priced positions), so a
   * book of a million priced positions does not carry a million nulls.
   */
  positionReason: (string | null | undefined)[];

  entryReserve: Int32Array;
  /** Whole tokens counted as collateral: supplied, usedAsCollateral and the reserve's LT > 0. */
  entryCollateral: Float64Array;
  /** Whole tokens supplied, collateral or not. */
  entrySupplied: Float64Array;
  /** Whole tokens of variable plus stable debt. */
  entryDebt: Float64Array;
  /** Liquidation threshold (fraction) applying to the entry: the eMode category's when in it. */
  entryLt: Float64Array;
  /** Liquidation bonus multiplier applying to the entry (eMode-aware); 1 when the reserve's is unusable. */
  entryLb: Float64Array;
  /**
   * `Number(scaledCollateral)` and `Number(scaledDebt)` of each entry: the costly bigint conversions,
   * kept so the next compile can reuse them for positions that did not change.
   */
  entryScaledCollateral: Float64Array;
  entryScaledDebt: Float64Array;
  /** {@link USED_AS_COLLATERAL} | {@link HAS_STABLE_DEBT}. */
  entryFlags: Uint8Array;

  /** Lower-cased id/symbol -> index. */
  assetIndex: Map<string, number>;
  bridgeIndex: Map<string, number>;
  protocolIndex: Map<string, number>;
};

/**
 * Compiles a snapshot into a {@link RiskBook}. Cost is linear in the number of position entries; this
 * is where every bigint is converted to a float, once.
 *
 * With `previous` (the book of an earlier snapshot), a position object that is the same object at the
 * same place (protocol index, position index) as in `previous.snapshot` reuses its structure (reserve
 * lookups, scaled-balance conversions, flags; copied in blocks, or shared when no position changed) and
 * the (protocol, user) order is merged rather than sorted, as long as the protocols and their reserve
 * lists are the same; everything that depends on prices, indexes, time or configuration is computed
 * again, so the book is identical to `compileRiskBook(snapshot)`. A snapshot provider that keeps
 * unchanged positions as the same objects gets the incremental update for free. Books never write their
 * arrays, and may share them with the previous book.
 *
 * @example
 * const book = compileRiskBook(snapshot);
 * const health = computeHealth(book);
 * const next = compileRiskBook(nextSnapshot, book); // converts only the positions that changed
 */
export function compileRiskBook(snapshot: RiskSnapshot, previous?: RiskBook): RiskBook {
  return compileRiskBookWith(snapshot, compileBookFrame(snapshot), previous);
}

/** {@link compileRiskBook} with the snapshot's frame compiled already. */
export function compileRiskBookWith(snapshot: RiskSnapshot, frame: BookFrame, previous?: RiskBook): RiskBook {
  const reuse = previous && sameReserveLayout(previous.snapshot, snapshot) ? previous : undefined;
  const structure = compilePositionStructure(snapshot, frame.reserveLookup, reuse);
  const values = compilePositionValues(snapshot, structure, frame.valueInputs, frame.protocolInputs);
  return { ...frame.header, ...structure, ...values };
}

/** The book without its positions: everything per protocol, market and reserve. */
export type BookHeader = Omit<RiskBook, keyof PositionStructure | keyof PositionValues>;

/** What the per-position passes need besides the snapshot: compiled once per snapshot (small). */
export type BookFrame = {
  header: BookHeader;
  /** Per protocol: reserve key -> global reserve index. */
  reserveLookup: Map<string, number>[];
  valueInputs: ReserveValueInputs;
  protocolInputs: ProtocolValueInputs[];
};

/**
 * Compiles everything of a snapshot but its positions (protocols, markets, reserves, value inputs).
 * Cost is in the number of reserves, not positions.
 */
export function compileBookFrame(snapshot: RiskSnapshot): BookFrame {
  const assets = snapshot.assets.map((a) => ({
    id: a.id,
    symbol: a.symbol,
    decimals: a.decimals,
    priceUsd: a.priceUsd,
  }));
  const assetIndex = new Map<string, number>();
  assets.forEach((a, i) => {
    assetIndex.set(a.id.toLowerCase(), i);
    assetIndex.set(a.symbol.toLowerCase(), i);
  });
  const bridges = snapshot.bridges.map((b) => ({ id: b.id, name: b.name }));
  const bridgeIndex = new Map<string, number>();
  bridges.forEach((b, i) => {
    bridgeIndex.set(b.id.toLowerCase(), i);
    bridgeIndex.set(b.name.toLowerCase(), i);
  });
  const protocols = snapshot.protocols.map((p) => ({
    id: p.id,
    name: p.name,
    chainId: p.chainId,
    kind: p.kind ?? ("aave-v3" as const),
  }));
  const protocolIndex = new Map<string, number>();
  protocols.forEach((p, i) => {
    protocolIndex.set(p.id.toLowerCase(), i);
    protocolIndex.set(p.name.toLowerCase(), i);
  });

  const marketByKey = new Map<string, number>();
  const mChain: number[] = [];
  const mToken: string[] = [];
  const mSymbol: string[] = [];
  const mAsset: number[] = [];
  const mBridge: number[] = [];
  const mPrice: number[] = [];
  const mDepth: number[] = [];

  const rProtocol: number[] = [];
  const rMarket: number[] = [];
  const rDecimals: number[] = [];
  const rLtv: number[] = [];
  const rLt: number[] = [];
  const rLb: number[] = [];
  const rCollFactor: number[] = [];
  const rDebtFactor: number[] = [];
  const rStatus: number[] = [];
  const rReason: (string | null)[] = [];
  const rSymbol: string[] = [];
  const rEMode: number[] = [];
  const rProblems: string[][] = [];
  /** Morpho reserves' own (oracle-implied) USD price; 0 for the others. */
  const rOwnPrice: number[] = [];
  const reserveLookup: Map<string, number>[] = [];

  snapshot.protocols.forEach((p, pi) => {
    const lookup = new Map<string, number>();
    reserveLookup.push(lookup);
    for (const r of p.reserves) {
      const key = `${p.chainId}:${r.asset.toLowerCase()}`;
      const unit = 10 ** r.decimals;
      // One pool per market: if several protocols describe it, the deepest description wins.
      const depth = r.poolLiquidity === null ? Number.POSITIVE_INFINITY : Number(r.poolLiquidity) / unit;
      let m = marketByKey.get(key);
      if (m === undefined) {
        m = mChain.length;
        marketByKey.set(key, m);
        mChain.push(p.chainId);
        mToken.push(r.asset);
        mSymbol.push(r.symbol);
        mAsset.push(
          r.underlyingAsset === null ? -1 : (assetIndex.get(r.underlyingAsset.toLowerCase()) ?? -1),
        );
        mBridge.push(r.bridge === null ? -1 : (bridgeIndex.get(r.bridge.toLowerCase()) ?? -1));
        mPrice.push(r.priceUsd);
        mDepth.push(depth);
      } else {
        if (depth > mDepth[m]!) mDepth[m] = depth;
        // A market whose first listing has no usable price takes the next one's.
        if (!(mPrice[m]! > 0) && r.priceUsd > 0) mPrice[m] = r.priceUsd;
      }
      lookup.set(reserveKey(r.asset, r.market), rProtocol.length);
      rProtocol.push(pi);
      rMarket.push(m);
      rDecimals.push(r.decimals);
      rLtv.push(r.ltv / 10_000);
      rLt.push(r.liquidationThreshold / 10_000);
      rLb.push(r.liquidationBonus / 10_000);
      rCollFactor.push(Number(r.liquidityIndex) / RAY / unit);
      rDebtFactor.push(Number(r.variableBorrowIndex) / RAY / unit);
      // A reserve with an unusable price is still listed (with its problems); its price is never used.
      rStatus.push(STATUS_CODE[r.priceStatus ?? "priced"]);
      rReason.push(r.priceReason ?? null);
      rSymbol.push(r.symbol);
      rEMode.push(r.eModeCategory ?? 0);
      rProblems.push([...new Set([...(r.problems ?? []), ...reserveConfigurationProblems(r)])]);
      rOwnPrice.push(r.market !== undefined && r.priceUsd > 0 ? r.priceUsd : 0);
    }
  });
  // A Morpho market's reserves are valued at the price its own oracle implies (README: "Morpho Blue"),
  // which can differ from the price the token's market carries (the first listing's): the entry's
  // amounts carry the ratio, as eMode category prices do, so shocks still move them with the market.
  const rPriceScale = Float64Array.from(rMarket, (m, r) =>
    rOwnPrice[r]! > 0 && mPrice[m]! > 0 ? rOwnPrice[r]! / mPrice[m]! : 1,
  );

  const marketDexPool: (DexMarketPool | null)[] = mChain.map(() => null);
  for (const pool of snapshot.dexPools ?? []) {
    const m = marketByKey.get(`${pool.chainId}:${pool.token.toLowerCase()}`);
    if (m === undefined) continue;
    const held = marketDexPool[m];
    if (!held || pool.liquidity > held.pool.liquidity) marketDexPool[m] = compileDexPool(pool);
  }

  const valueInputs: ReserveValueInputs = {
    collFactor: Float64Array.from(rCollFactor),
    debtFactor: Float64Array.from(rDebtFactor),
    lt: Float64Array.from(rLt),
    // A bonus at or below 100% with a non-zero LT is a recorded configuration problem; counting no
    // bonus keeps the liquidation arithmetic finite instead of dividing by zero.
    lbUsable: Float64Array.from(rLb, (lb) => (lb > 1 ? lb : 1)),
    status: Uint8Array.from(rStatus),
    reason: rReason,
    symbol: rSymbol,
    eMode: Int32Array.from(rEMode),
    decimals: Int32Array.from(rDecimals),
    market: Int32Array.from(rMarket),
    marketPrice: Float64Array.from(mPrice),
    priceScale: rPriceScale,
  };
  const header: BookHeader = {
    snapshot,
    protocols,
    bridges,
    assets,
    marketCount: mChain.length,
    marketChainId: Int32Array.from(mChain),
    marketToken: mToken,
    marketSymbol: mSymbol,
    marketAsset: Int32Array.from(mAsset),
    marketBridge: Int32Array.from(mBridge),
    marketPriceUsd: Float64Array.from(mPrice),
    marketPoolDepth: Float64Array.from(mDepth),
    marketDexPool,
    reserveCount: rProtocol.length,
    reserveProtocol: Int32Array.from(rProtocol),
    reserveMarket: Int32Array.from(rMarket),
    reserveDecimals: Int32Array.from(rDecimals),
    reserveLtv: Float64Array.from(rLtv),
    reserveLt: Float64Array.from(rLt),
    reserveLb: Float64Array.from(rLb),
    reserveStatus: Uint8Array.from(rStatus),
    reservePriceReason: rReason,
    reserveProblems: rProblems,
    assetIndex,
    bridgeIndex,
    protocolIndex,
  };
  return { header, reserveLookup, valueInputs, protocolInputs: protocolValueInputs(snapshot) };
}

/**
 * True when two frames give every position entry the same values (same reserves, prices, indexes,
 * configuration, statuses, eMode categories and stable-debt time): then only the positions whose
 * objects changed need their values computed again.
 */
export function sameValueInputs(a: BookFrame, b: BookFrame): boolean {
  const x = a.valueInputs;
  const y = b.valueInputs;
  const sameArray = (u: ArrayLike<unknown>, v: ArrayLike<unknown>) => {
    if (u.length !== v.length) return false;
    for (let k = 0; k < u.length; k++) if (!Object.is(u[k], v[k])) return false;
    return true;
  };
  return (
    sameArray(x.collFactor, y.collFactor) &&
    sameArray(x.debtFactor, y.debtFactor) &&
    sameArray(x.lt, y.lt) &&
    sameArray(x.lbUsable, y.lbUsable) &&
    sameArray(x.status, y.status) &&
    sameArray(x.reason, y.reason) &&
    sameArray(x.symbol, y.symbol) &&
    sameArray(x.eMode, y.eMode) &&
    sameArray(x.decimals, y.decimals) &&
    sameArray(x.market, y.market) &&
    sameArray(x.marketPrice, y.marketPrice) &&
    sameArray(x.priceScale, y.priceScale) &&
    sameArray(a.header.marketPriceUsd, b.header.marketPriceUsd) &&
    sameArray(a.header.reserveMarket, b.header.reserveMarket) &&
    a.protocolInputs.length === b.protocolInputs.length &&
    a.protocolInputs.every((p, k) => sameProtocolValueInputs(p, b.protocolInputs[k]!))
  );
}

/**
 * The snapshot's position object behind book position `i` (positions keep their place: the k-th
 * position of protocol p is book position `protocolFirstPosition[p] + k`, and its entries are its
 * reserves in order).
 *
 * @example
 * const pos = positionOf(book, i); // pos.reserves[e - book.positionStart[i]] is entry e
 */
export function positionOf(book: RiskBook, i: number): RiskPosition {
  const p = book.positionProtocol[i]!;
  return book.snapshot.protocols[p]!.positions[i - book.protocolFirstPosition[p]!]!;
}

/** Same protocols in the same order, each with the same reserve assets in the same order. */
export function sameReserveLayout(a: RiskSnapshot, b: RiskSnapshot): boolean {
  if (a.protocols.length !== b.protocols.length) return false;
  return a.protocols.every((p, pi) => {
    const q = b.protocols[pi]!;
    return (
      p.id === q.id &&
      p.reserves.length === q.reserves.length &&
      p.reserves.every(
        (r, ri) =>
          reserveKey(r.asset, r.market) === reserveKey(q.reserves[ri]!.asset, q.reserves[ri]!.market),
      )
    );
  });
}

/**
 * Index of an asset by home address or symbol (case-insensitive).
 *
 * @example
 * const weth = resolveAsset(book, "WETH");
 */
export function resolveAsset(book: RiskBook, idOrSymbol: string): number {
  const i = book.assetIndex.get(idOrSymbol.toLowerCase());
  if (i === undefined) {
    throw new UnknownRiskEntityError(
      "asset",
      idOrSymbol,
      book.assets.map((a) => `${a.symbol} (${a.id})`),
    );
  }
  return i;
}

/**
 * Index of a bridge by id or name (case-insensitive).
 *
 * @example
 * const b = resolveBridge(book, "main");
 */
export function resolveBridge(book: RiskBook, idOrName: string): number {
  const i = book.bridgeIndex.get(idOrName.toLowerCase());
  if (i === undefined) {
    throw new UnknownRiskEntityError(
      "bridge",
      idOrName,
      book.bridges.map((b) => `${b.name} (${b.id})`),
    );
  }
  return i;
}

/**
 * Index of a protocol by id or name (case-insensitive).
 *
 * @example
 * const p = resolveProtocol(book, "lending-b");
 */
export function resolveProtocol(book: RiskBook, idOrName: string): number {
  const i = book.protocolIndex.get(idOrName.toLowerCase());
  if (i === undefined) {
    throw new UnknownRiskEntityError(
      "protocol",
      idOrName,
      book.protocols.map((p) => `${p.name} (${p.id})`),
    );
  }
  return i;
}

/**
 * Collateral prices with a shock `s` applied to one home asset's markets (every chain's token that
 * represents it) or, with `asset` undefined, to every market. Throws on `s` outside [0, 1).
 *
 * @example
 * const prices = shockedPrices(book, 0.2, resolveAsset(book, "WETH")); // WETH everywhere -20%
 */
export function shockedPrices(book: RiskBook, shock: number, asset?: number): Float64Array {
  if (!(Number.isFinite(shock) && shock >= 0 && shock < 1)) {
    throw new InvalidRiskParameterError(
      "shock",
      `shock must be a fraction in [0, 1) (0.3 = -30%), got ${shock}`,
    );
  }
  const prices = Float64Array.from(book.marketPriceUsd);
  for (let m = 0; m < book.marketCount; m++) {
    if (asset === undefined || book.marketAsset[m] === asset) prices[m] = prices[m]! * (1 - shock);
  }
  return prices;
}
