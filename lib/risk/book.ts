import { stableDebtBalance } from "../aave/userAccountData.js";
import { InvalidRiskParameterError, UnknownRiskEntityError } from "./errors.js";
import type { PriceStatus, RiskSnapshot } from "./snapshot.js";
import { reserveConfigurationProblems } from "./snapshotChecks.js";

const RAY = 1e27;

/** Status codes of `reserveStatus` / `positionStatus`, ordered by severity (the worst one wins). */
export const PRICED = 0;
export const STALE = 1;
export const UNPRICED = 2;
export const STATUS_NAMES: readonly PriceStatus[] = ["priced", "stale", "unpriced"];
const STATUS_CODE: Record<PriceStatus, number> = { priced: PRICED, stale: STALE, unpriced: UNPRICED };

/**
 * A snapshot compiled for the hot path: every balance converted once to a float64 count of whole
 * tokens, laid out in typed arrays (struct of arrays, positions as CSR ranges over entries).
 * A "market" is one token on one chain; several protocols on a chain listing the same token share it
 * (one oracle price, one liquidation pool).
 */
export type RiskBook = {
  snapshot: RiskSnapshot;
  protocols: { id: string; name: string; chainId: number }[];
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

  positionCount: number;
  positionProtocol: Int32Array;
  positionUser: string[];
  /** Entries of position i are `positionStart[i] .. positionStart[i + 1] - 1`. */
  positionStart: Int32Array;
  /**
   * The worst status of the prices the position's figures depend on (collateral counted or debt owed).
   * Anything but {@link PRICED} gives a null health factor and keeps the position out of exposure, stress
   * and liquidation figures: an unknown position is never counted as healthy.
   */
  positionStatus: Uint8Array;
  /** Why a position is not priced ("WETH/USD feed: last answer 90000 s old, ..."); null when priced. */
  positionReason: (string | null)[];

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
  /** Where each entry came from, for exact (bigint) display: [protocol, position, reserve-in-position]. */
  entrySource: Int32Array;
  /**
   * `Number(scaledCollateral)` and `Number(scaledDebt)` of each entry: the costly bigint conversions,
   * kept so the next compile can reuse them for positions that did not change.
   */
  entryScaledCollateral: Float64Array;
  entryScaledDebt: Float64Array;

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
 * same place (protocol index, position index) as in `previous.snapshot` reuses its reserve lookups and
 * scaled-balance conversions, as long as the protocols and their reserve lists are the same; everything
 * that depends on prices, indexes, time or configuration is computed again, so the book is identical to
 * `compileRiskBook(snapshot)`. A snapshot provider that keeps unchanged positions as the same objects
 * gets the incremental update for free.
 *
 * @example
 * const book = compileRiskBook(snapshot);
 * const health = computeHealth(book);
 * const next = compileRiskBook(nextSnapshot, book); // converts only the positions that changed
 */
export function compileRiskBook(snapshot: RiskSnapshot, previous?: RiskBook): RiskBook {
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
  const protocols = snapshot.protocols.map((p) => ({ id: p.id, name: p.name, chainId: p.chainId }));
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
  const rProblems: string[][] = [];
  const reserveLookup: Map<string, number>[] = [];

  const protocolFirstReserve: number[] = [];
  snapshot.protocols.forEach((p, pi) => {
    const lookup = new Map<string, number>();
    reserveLookup.push(lookup);
    protocolFirstReserve.push(rProtocol.length);
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
      } else if (depth > mDepth[m]!) {
        mDepth[m] = depth;
      }
      lookup.set(r.asset.toLowerCase(), rProtocol.length);
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
      rProblems.push([...new Set([...(r.problems ?? []), ...reserveConfigurationProblems(r)])]);
    }
  });

  let positionCount = 0;
  let entryCount = 0;
  for (const p of snapshot.protocols) {
    positionCount += p.positions.length;
    for (const pos of p.positions) entryCount += pos.reserves.length;
  }
  const positionProtocol = new Int32Array(positionCount);
  const positionUser: string[] = new Array(positionCount);
  const positionStart = new Int32Array(positionCount + 1);
  const entryReserve = new Int32Array(entryCount);
  const entryCollateral = new Float64Array(entryCount);
  const entrySupplied = new Float64Array(entryCount);
  const entryDebt = new Float64Array(entryCount);
  const entryLt = new Float64Array(entryCount);
  const entryLb = new Float64Array(entryCount);
  const entrySource = new Int32Array(entryCount * 3);
  const positionStatus = new Uint8Array(positionCount);
  const positionReason: (string | null)[] = new Array(positionCount).fill(null);

  const entryScaledCollateral = new Float64Array(entryCount);
  const entryScaledDebt = new Float64Array(entryCount);
  const reuse = previous && sameReserveLayout(previous.snapshot, snapshot) ? previous : undefined;
  let previousFirst = 0;

  let i = 0;
  let e = 0;
  snapshot.protocols.forEach((p, pi) => {
    const lookup = reserveLookup[pi]!;
    const before = reuse?.snapshot.protocols[pi]!.positions;
    const beforeFirst = previousFirst;
    previousFirst += before?.length ?? 0;
    const baseUnit = Number(p.baseCurrencyUnit ?? 100_000_000n);
    const categories = new Map((p.eModeCategories ?? []).map((c) => [c.id, c]));
    // Stable debt compounds to the moment the indexes were brought forward to.
    const at = BigInt(
      p.timestamp ?? snapshot.asOf.blockTimestamps.find((b) => b.chainId === p.chainId)?.timestamp ?? 0,
    );
    p.positions.forEach((pos, posIdx) => {
      positionProtocol[i] = pi;
      positionUser[i] = pos.user;
      positionStart[i] = e;
      const category = pos.eModeCategory ? categories.get(pos.eModeCategory) : undefined;
      let status = PRICED;
      const reasons: string[] = [];
      // The same object as before: its lookups and conversions are still right (see the doc comment).
      const from = before && before[posIdx] === pos ? reuse!.positionStart[beforeFirst + posIdx]! : -1;
      pos.reserves.forEach((pr, k) => {
        let r: number;
        let scaledCollateral: number;
        let scaledDebt: number;
        if (from >= 0) {
          r = reuse!.entryReserve[from + k]!;
          scaledCollateral = reuse!.entryScaledCollateral[from + k]!;
          scaledDebt = reuse!.entryScaledDebt[from + k]!;
        } else {
          const found = lookup.get(pr.asset.toLowerCase());
          if (found === undefined) {
            throw new UnknownRiskEntityError("asset", `${pr.asset} (position ${pos.user} in ${p.name})`, []);
          }
          r = found;
          scaledCollateral = pr.scaledCollateral === 0n ? 0 : Number(pr.scaledCollateral);
          scaledDebt = pr.scaledDebt === 0n ? 0 : Number(pr.scaledDebt);
        }
        entryScaledCollateral[e] = scaledCollateral;
        entryScaledDebt[e] = scaledDebt;
        const reserve = p.reserves[r - protocolFirstReserve[pi]!]!;
        const inEMode = category !== undefined && (reserve.eModeCategory ?? 0) === category.id;
        let supplied = scaledCollateral === 0 ? 0 : scaledCollateral * rCollFactor[r]!;
        const stable = pr.stableDebt ? stableDebtBalance(pr.stableDebt, at) : 0n;
        let debt =
          (scaledDebt === 0 ? 0 : scaledDebt * rDebtFactor[r]!) +
          (stable === 0n ? 0 : Number(stable) / 10 ** reserve.decimals);
        let priceStatus = rStatus[r]!;
        let reason: string | null = rReason[r] ?? null;
        if (inEMode && category.hasPriceSource) {
          // The category's source prices this reserve for this user (GenericLogic). The book keeps one
          // price per market, so the amounts are rescaled to carry the category price instead; a shock
          // on the market then moves this entry proportionally.
          priceStatus = STATUS_CODE[category.priceStatus];
          reason = category.priceReason;
          const categoryUsd = category.oracleAnswer === null ? 0 : Number(category.oracleAnswer) / baseUnit;
          const marketUsd = mPrice[rMarket[r]!]!;
          if (priceStatus !== UNPRICED && marketUsd > 0) {
            supplied *= categoryUsd / marketUsd;
            debt *= categoryUsd / marketUsd;
          } else if (priceStatus !== UNPRICED) {
            priceStatus = UNPRICED;
            reason = `${reserve.symbol}: eMode price set but the asset's own price is unusable here`;
          }
        }
        const lt = inEMode ? category.liquidationThreshold / 10_000 : rLt[r]!;
        const lb = inEMode ? category.liquidationBonus / 10_000 : rLb[r]!;
        const collateral = pr.usedAsCollateral && rLt[r]! > 0 ? supplied : 0;
        if ((collateral > 0 || debt > 0) && priceStatus !== PRICED) {
          if (priceStatus > status) status = priceStatus;
          const why = reason ?? `${reserve.symbol}: ${STATUS_NAMES[priceStatus]}`;
          if (!reasons.includes(why)) reasons.push(why);
        }
        entryReserve[e] = r;
        entrySupplied[e] = supplied;
        entryCollateral[e] = collateral;
        entryDebt[e] = debt;
        entryLt[e] = lt;
        // A bonus at or below 100% with a non-zero LT is a recorded configuration problem; counting
        // no bonus keeps the liquidation arithmetic finite instead of dividing by zero.
        entryLb[e] = lb > 1 ? lb : 1;
        entrySource[3 * e] = pi;
        entrySource[3 * e + 1] = posIdx;
        entrySource[3 * e + 2] = k;
        e++;
      });
      positionStatus[i] = status;
      positionReason[i] = reasons.length > 0 ? reasons.join("; ") : null;
      i++;
    });
  });
  positionStart[positionCount] = e;

  return {
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
    positionCount,
    positionProtocol,
    positionUser,
    positionStart,
    positionStatus,
    positionReason,
    entryReserve,
    entryCollateral,
    entrySupplied,
    entryDebt,
    entryLt,
    entryLb,
    entrySource,
    entryScaledCollateral,
    entryScaledDebt,
    assetIndex,
    bridgeIndex,
    protocolIndex,
  };
}

/** Same protocols in the same order, each with the same reserve assets in the same order. */
function sameReserveLayout(a: RiskSnapshot, b: RiskSnapshot): boolean {
  if (a.protocols.length !== b.protocols.length) return false;
  return a.protocols.every((p, pi) => {
    const q = b.protocols[pi]!;
    return (
      p.id === q.id &&
      p.reserves.length === q.reserves.length &&
      p.reserves.every((r, ri) => r.asset.toLowerCase() === q.reserves[ri]!.asset.toLowerCase())
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
