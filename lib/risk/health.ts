import { PRICED, type RiskBook } from "./book.js";

// Module-level copies of imported bindings used per position: under tsx's and vite-node's module
// transforms an imported name is a getter call on each use, which showed in the 1M-position profile.
const priced = PRICED;

/**
 * Relative tolerance of the "HF < 1" test. Float sums of a position's collateral carry ~1e-16 relative
 * error, so a position built to sit at HF = 1 can evaluate to 0.9999999999999998; without a tolerance
 * the boundary would be decided by rounding. Consequence: a price must be more than 1e-12 (relative)
 * below the liquidation price for the position to count as liquidatable.
 */
export const HF_EPSILON = 1e-12;

/** Aave v3: close factor 100% below this health factor, 50% at or above. */
export const CLOSE_FACTOR_HF_THRESHOLD = 0.95;

/** Per-position aggregates in USD. */
export type HealthArrays = {
  /** Sum of collateral value (usedAsCollateral, LT > 0) at the given collateral prices. */
  collateralUsd: Float64Array;
  /** Sum of collateral value x liquidation threshold. */
  weightedCollateralUsd: Float64Array;
  /** Sum of collateral value / liquidation bonus: the most debt the collateral can repay in liquidations. */
  bonusCollateralUsd: Float64Array;
  /** Debt at the book's oracle prices. */
  debtUsd: Float64Array;
  /**
   * weighted collateral / debt; Infinity when there is no debt (Aave returns uint256 max); NaN when the
   * position is stale or unpriced (unknown: never healthy, never liquidatable; the API shows null).
   */
  healthFactor: Float64Array;
};

/**
 * True when a health factor is below 1 beyond float noise (see {@link HF_EPSILON}).
 *
 * @example
 * isLiquidatable(0.99); // true
 * isLiquidatable(1); // false
 */
export function isLiquidatable(healthFactor: number): boolean {
  return healthFactor < 1 - HF_EPSILON;
}

/**
 * Aave v3 health factors for every position: `HF = sum(C_i * LT_i) / D`. Collateral is valued at
 * `collateralPrices` (defaults to the oracle prices); debt always at the oracle prices.
 *
 * @example
 * const h = computeHealth(book);
 * const liquidatable = h.healthFactor.filter(isLiquidatable).length;
 */
export function computeHealth(
  book: RiskBook,
  collateralPrices: Float64Array = book.marketPriceUsd,
): HealthArrays {
  const n = book.positionCount;
  const health: HealthArrays = {
    collateralUsd: new Float64Array(n),
    weightedCollateralUsd: new Float64Array(n),
    bonusCollateralUsd: new Float64Array(n),
    debtUsd: new Float64Array(n),
    healthFactor: new Float64Array(n),
  };
  for (let i = 0; i < n; i++) writePositionHealth(book, collateralPrices, health, i);
  return health;
}

/**
 * Position `i`'s figures into `health` (computeHealth's body, shared with the in-place update so both
 * compute the same floats).
 */
export function writePositionHealth(
  book: RiskBook,
  collateralPrices: Float64Array,
  health: HealthArrays,
  i: number,
): void {
  const { positionStart, entryReserve, entryCollateral, entryDebt, reserveMarket, entryLt, entryLb } = book;
  const debtPrices = book.marketPriceUsd;
  let c = 0;
  let wc = 0;
  let bc = 0;
  let d = 0;
  const end = positionStart[i + 1]!;
  for (let e = positionStart[i]!; e < end; e++) {
    const r = entryReserve[e]!;
    const m = reserveMarket[r]!;
    const coll = entryCollateral[e]!;
    if (coll !== 0) {
      const v = coll * collateralPrices[m]!;
      c += v;
      wc += v * entryLt[e]!;
      bc += v / entryLb[e]!;
    }
    const debt = entryDebt[e]!;
    if (debt !== 0) d += debt * debtPrices[m]!;
  }
  health.collateralUsd[i] = c;
  health.weightedCollateralUsd[i] = wc;
  health.bonusCollateralUsd[i] = bc;
  health.debtUsd[i] = d;
  health.healthFactor[i] =
    book.positionStatus[i] !== priced ? Number.NaN : d > 0 ? wc / d : Number.POSITIVE_INFINITY;
}

/**
 * Liquidation price of a position with exactly one collateral reserve: the collateral price at which
 * HF = 1, `P_liq = D / (q * LT)`. Returns null for positions without debt, with zero or several
 * collateral reserves (no single price defines their boundary), or not priced.
 *
 * @example
 * // 10 WETH at LT 0.825 backing 16,500 USD of debt: liquidation below 2,000 USD/WETH
 * liquidationPrice(book, health, positionIndex); // 2000
 */
export function liquidationPrice(book: RiskBook, health: HealthArrays, position: number): number | null {
  const d = health.debtUsd[position]!;
  if (!(d > 0) || book.positionStatus[position] !== priced) return null;
  let only = -1;
  for (let e = book.positionStart[position]!; e < book.positionStart[position + 1]!; e++) {
    if (book.entryCollateral[e]! > 0) {
      if (only !== -1) return null;
      only = e;
    }
  }
  if (only === -1) return null;
  return d / (book.entryCollateral[only]! * book.entryLt[only]!);
}

/** Bridged part of one position's collateral. */
export type PositionBridgeShare = { bridge: number; collateralUsd: number; share: number };

/**
 * Which bridges a position's collateral depends on, and for how much: collateral in a bridge's wrapped
 * token, and its share of the position's total collateral.
 *
 * @example
 * bridgedCollateral(book, health, 0); // [{ bridge: 0, collateralUsd: 2000, share: 0.4 }]
 */
export function bridgedCollateral(
  book: RiskBook,
  health: HealthArrays,
  position: number,
  collateralPrices: Float64Array = book.marketPriceUsd,
): PositionBridgeShare[] {
  const byBridge = new Map<number, number>();
  for (let e = book.positionStart[position]!; e < book.positionStart[position + 1]!; e++) {
    const coll = book.entryCollateral[e]!;
    if (coll === 0) continue;
    const m = book.reserveMarket[book.entryReserve[e]!]!;
    const b = book.marketBridge[m]!;
    if (b < 0) continue;
    byBridge.set(b, (byBridge.get(b) ?? 0) + coll * collateralPrices[m]!);
  }
  const total = health.collateralUsd[position]!;
  return [...byBridge.entries()].map(([bridge, collateralUsd]) => ({
    bridge,
    collateralUsd,
    share: total > 0 ? collateralUsd / total : 0,
  }));
}
