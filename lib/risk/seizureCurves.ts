import { PRICED, type RiskBook } from "./book.js";
import { type CollateralEntries, copyCollateralEntries } from "./cascadePass.js";
import { CLOSE_FACTOR_HF_THRESHOLD, HF_EPSILON, isLiquidatable } from "./health.js";
import { liquidatePosition } from "./liquidation.js";

// Module-level copies of imported bindings used per position: under tsx's and vite-node's module
// transforms an imported name is a getter call on each use, which showed in the 1M-position profile.
const priced = PRICED;
const liquidatable = isLiquidatable;
const liquidate = liquidatePosition;

/**
 * A single-collateral position whose `LT x LB` is at most this is liquidated in exactly one step at any
 * price (see {@link seizureCurves}): a half close from HF >= 0.95 leaves HF ~ 2 HF - LT LB >= 1.01, far
 * above float noise. Others are evaluated position by position.
 */
const MAX_ONE_STEP_LT_LB = 0.89;
/** Ulp steps allowed when locating a threshold from its closed-form estimate (a few suffice). */
const MAX_ULP_STEPS = 64;

/**
 * Per market, one sorted threshold with the suffix sums of a weight: `above(p)` is the index of the
 * first threshold above p, and `sum[k]` is the weight of the thresholds from k on.
 */
type Threshold = { at: Float64Array; sums: Float64Array[] };

/** The single-collateral positions of one market, described by three prices each (see below). */
type MarketCurve = {
  /** Liquidatable (HF < 1) iff price < liq; suffix sums of D x LB / 2. */
  liq: Threshold;
  /** HF < 0.95 (full close factor) iff price < full; suffix sums of D x LB / 2 and D x LB. */
  full: Threshold;
  /** All collateral seized (bonus collateral <= debt) iff price < all; suffix sums of tokens and D x LB. */
  all: Threshold;
};

/**
 * What a cascade round needs from the book (tokens seized per market, positions liquidated) at any
 * collateral prices, laid out once per book so a round costs a few binary searches per market plus a
 * pass over the positions that have no closed form.
 *
 * A priced position with debt D and one collateral entry (a tokens, LT, LB) at price p is, as
 * {@link liquidatePosition} runs it (HF = a p LT / D, bonus collateral a p / LB):
 * - healthy when p >= liq: nothing seized;
 * - half closed when full <= p < liq (0.95 <= HF < 1): D/2 repaid with a tokens x (D/2) / (a p / LB), that
 *   is D LB / (2 p) tokens, and one step leaves HF ~ 2 HF - LT LB >= 1.01 when LT LB <= 0.89;
 * - fully closed when all <= p < full: D repaid with D LB / p tokens;
 * - wiped out when p < all (a p / LB <= D): all a tokens.
 * The three prices are located exactly (to the ulp, with the same float expressions the pass uses, which
 * are monotone in p), so which regime a position is in, and so the number liquidated, equals the pass's.
 * The tokens are the closed forms summed per market through suffix sums, so they equal the pass's up to
 * float rounding (not bit for bit: the order of the sums differs).
 *
 * Positions outside that form (several collateral entries, LT x LB above 0.89, or a threshold that is
 * not ordered as above) are kept in a compact run and evaluated exactly as the pass does, each round.
 */
export type SeizureCurves = {
  markets: MarketCurve[];
  /** Positions evaluated one by one: debt, and collateral entries `entryStart[k] .. entryStart[k+1]-1`. */
  debtUsd: Float64Array;
  entryStart: Int32Array;
  entryMarket: Int32Array;
  entryAmount: Float64Array;
  entryLt: Float64Array;
  entryLb: Float64Array;
};

// Ulp steps through the double's bits as two 32-bit words (BigInt arithmetic allocates, and a million
// positions take several steps each).
const bits = new Float64Array(1);
const words = new Uint32Array(bits.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const LO = LITTLE_ENDIAN ? 0 : 1;
const HI = 1 - LO;

/** The next double above a non-negative finite x. */
function nextUp(x: number): number {
  if (x === 0) return Number.MIN_VALUE;
  bits[0] = x;
  if (words[LO] === 0xffffffff) {
    words[LO] = 0;
    words[HI] = words[HI]! + 1;
  } else {
    words[LO] = words[LO]! + 1;
  }
  return bits[0]!;
}

/** The next double below a positive finite x. */
function nextDown(x: number): number {
  bits[0] = x;
  if (words[LO] === 0) {
    words[LO] = 0xffffffff;
    words[HI] = words[HI]! - 1;
  } else {
    words[LO] = words[LO]! - 1;
  }
  return bits[0]!;
}

/** Which regime boundary {@link boundary} locates. */
const LIQUIDATABLE = 0;
const FULL_CLOSE = 1;
const ALL_SEIZED = 2;

/**
 * Whether a single-collateral position (a tokens, LT, LB, debt d) at price p is liquidatable, under the
 * full close factor, or has all its collateral seized, by the pass's own expressions: v = a p,
 * HF = v LT / d, bonus collateral v / LB. Each is true below some price and false above it (float
 * products and quotients are monotone).
 */
function holds(kind: number, a: number, lt: number, lb: number, d: number, p: number): boolean {
  if (kind === LIQUIDATABLE) return liquidatable((a * p * lt) / d);
  if (kind === FULL_CLOSE) return (a * p * lt) / d < CLOSE_FACTOR_HF_THRESHOLD;
  return (a * p) / lb <= d;
}

/**
 * The smallest double t >= 0 at which `holds` is false, from its closed-form estimate (a few ulps off).
 * NaN when the estimate is unusable or too far off.
 */
function boundary(kind: number, a: number, lt: number, lb: number, d: number): number {
  const estimate =
    kind === LIQUIDATABLE
      ? (d * (1 - HF_EPSILON)) / (a * lt)
      : kind === FULL_CLOSE
        ? (d * CLOSE_FACTOR_HF_THRESHOLD) / (a * lt)
        : (d * lb) / a;
  if (!(Number.isFinite(estimate) && estimate > 0)) return Number.NaN;
  let t = estimate;
  for (let s = 0; holds(kind, a, lt, lb, d, t); s++) {
    if (s >= MAX_ULP_STEPS) return Number.NaN;
    t = nextUp(t);
  }
  for (let s = 0; t > 0 && !holds(kind, a, lt, lb, d, nextDown(t)); s++) {
    if (s >= MAX_ULP_STEPS) return Number.NaN;
    t = nextDown(t);
  }
  return t;
}

/**
 * Sorts the thresholds of `members` (position slots) ascending and lays out the suffix sums of each
 * weight in that order. The permutation comes from the natively sorted copy and a binary search per
 * member (ties take consecutive places), which is several times faster than sorting indexes through a
 * comparator at a million positions.
 */
function threshold(members: Int32Array, at: Float64Array, weights: Float64Array[]): Threshold {
  const n = members.length;
  const sorted = new Float64Array(n);
  for (let j = 0; j < n; j++) sorted[j] = at[members[j]!]!;
  sorted.sort();
  const taken = new Int32Array(n);
  const order = new Int32Array(n);
  for (let j = 0; j < n; j++) {
    const i = members[j]!;
    const k = lowerBound(sorted, at[i]!);
    order[k + taken[k]!++] = i;
  }
  const sums = weights.map((w) => {
    const s = new Float64Array(n + 1);
    for (let k = n - 1; k >= 0; k--) s[k] = s[k + 1]! + w[order[k]!]!;
    return s;
  });
  return { at: sorted, sums };
}

/** Index of the first threshold at or above p (thresholds ascending). */
function lowerBound(at: Float64Array, p: number): number {
  let lo = 0;
  let hi = at.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (at[mid]! < p) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first threshold strictly above p (thresholds ascending). */
function above(at: Float64Array, p: number): number {
  let lo = 0;
  let hi = at.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (at[mid]! > p) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

const curvesByBook = new WeakMap<RiskBook, SeizureCurves>();

/**
 * The book's seizure curves, built on first use and kept with the book (no scenario changes them).
 *
 * @example
 * const seized = new Float64Array(book.marketCount);
 * seizeAt(seizureCurves(book), shockedPrices(book, 0.3), seized); // positions liquidated
 */
export function seizureCurves(book: RiskBook): SeizureCurves {
  const held = curvesByBook.get(book);
  if (held) return held;
  const { positionStart, entryReserve, entryCollateral, entryDebt, reserveMarket, entryLt, entryLb } = book;
  const n = book.positionCount;
  const debtPrices = book.marketPriceUsd;
  // Single-collateral positions by slot (their position index): market (-1 = not one), thresholds, weights.
  const market = new Int32Array(n).fill(-1);
  const liq = new Float64Array(n);
  const full = new Float64Array(n);
  const all = new Float64Array(n);
  const half = new Float64Array(n);
  const dlb = new Float64Array(n);
  const tokens = new Float64Array(n);
  const perMarket = new Int32Array(book.marketCount);
  // The others, laid out as cascadePass lays out its candidates.
  const debts = new Float64Array(n);
  const starts = new Int32Array(n + 1);
  const entries = positionStart[n]!;
  const others: CollateralEntries = {
    entryMarket: new Int32Array(entries),
    entryAmount: new Float64Array(entries),
    entryLt: new Float64Array(entries),
    entryLb: new Float64Array(entries),
  };
  let k = 0;
  let at = 0;
  for (let i = 0; i < n; i++) {
    if (book.positionStatus[i] !== priced) continue;
    // Debt as computeHealth sums it (same terms, same order).
    let d = 0;
    let collaterals = 0;
    let only = -1;
    for (let e = positionStart[i]!; e < positionStart[i + 1]!; e++) {
      const debt = entryDebt[e]!;
      if (debt !== 0) d += debt * debtPrices[reserveMarket[entryReserve[e]!]!]!;
      if (entryCollateral[e]! !== 0) {
        collaterals++;
        only = e;
      }
    }
    // No debt: never liquidated. No collateral: never liquidated (no bonus collateral to seize).
    if (!(d > 0) || collaterals === 0) continue;
    if (collaterals === 1) {
      const a = entryCollateral[only]!;
      const lt = entryLt[only]!;
      const lb = entryLb[only]!;
      const tLiq = boundary(LIQUIDATABLE, a, lt, lb, d);
      const tFull = boundary(FULL_CLOSE, a, lt, lb, d);
      const tAll = boundary(ALL_SEIZED, a, lt, lb, d);
      // (NaN thresholds fail these comparisons.)
      if (lt * lb <= MAX_ONE_STEP_LT_LB && tAll <= tFull && tFull <= tLiq) {
        const m = reserveMarket[entryReserve[only]!]!;
        market[i] = m;
        perMarket[m]!++;
        liq[i] = tLiq;
        full[i] = tFull;
        all[i] = tAll;
        half[i] = (d * lb) / 2;
        dlb[i] = d * lb;
        tokens[i] = a;
        continue;
      }
    }
    debts[k] = d;
    starts[k] = at;
    at = copyCollateralEntries(book, i, others, at);
    k++;
  }
  starts[k] = at;
  const members = Array.from(perMarket, (count) => new Int32Array(count));
  const filled = new Int32Array(book.marketCount);
  for (let i = 0; i < n; i++) {
    const m = market[i]!;
    if (m >= 0) members[m]![filled[m]!++] = i;
  }
  const curves: SeizureCurves = {
    markets: members.map((slots) => ({
      liq: threshold(slots, liq, [half]),
      full: threshold(slots, full, [half, dlb]),
      all: threshold(slots, all, [tokens, dlb]),
    })),
    debtUsd: debts.slice(0, k),
    entryStart: starts.slice(0, k + 1),
    entryMarket: others.entryMarket.slice(0, at),
    entryAmount: others.entryAmount.slice(0, at),
    entryLt: others.entryLt.slice(0, at),
    entryLb: others.entryLb.slice(0, at),
  };
  curvesByBook.set(book, curves);
  return curves;
}

/**
 * Adds to `seizedTokens` (per market) the whole tokens a liquidation pass at `prices` seizes, and returns
 * the number of positions it liquidates; equal to {@link liquidateBook}'s count, and its tokens up to
 * float rounding. Returns -1, adding nothing, when a price is not positive and finite (the closed forms
 * divide by it): the caller then runs the exact pass.
 *
 * @example
 * const seized = new Float64Array(book.marketCount);
 * const liquidated = seizeAt(seizureCurves(book), prices, seized);
 */
export function seizeAt(curves: SeizureCurves, prices: Float64Array, seizedTokens: Float64Array): number {
  for (let m = 0; m < curves.markets.length; m++) {
    const p = prices[m]!;
    if (!(Number.isFinite(p) && p > 0)) return -1;
  }
  let count = 0;
  for (let m = 0; m < curves.markets.length; m++) {
    const { liq, full, all } = curves.markets[m]!;
    const p = prices[m]!;
    const kLiq = above(liq.at, p);
    const kFull = above(full.at, p);
    const kAll = above(all.at, p);
    count += liq.at.length - kLiq;
    // Half closed: liquidatable minus fully closed; fully closed: HF < 0.95 minus wiped out.
    const halfWeight = liq.sums[0]![kLiq]! - full.sums[0]![kFull]!;
    const fullWeight = full.sums[1]![kFull]! - all.sums[1]![kAll]!;
    seizedTokens[m] = seizedTokens[m]! + all.sums[0]![kAll]! + (halfWeight + fullWeight) / p;
  }
  const { debtUsd, entryStart, entryMarket, entryAmount } = curves;
  const cLt = curves.entryLt;
  const cLb = curves.entryLb;
  for (let k = 0; k < debtUsd.length; k++) {
    const d = debtUsd[k]!;
    const from = entryStart[k]!;
    const to = entryStart[k + 1]!;
    let c = 0;
    let wc = 0;
    let bc = 0;
    for (let e = from; e < to; e++) {
      const v = entryAmount[e]! * prices[entryMarket[e]!]!;
      c += v;
      wc += v * cLt[e]!;
      bc += v / cLb[e]!;
    }
    if (!(liquidatable(wc / d) && bc > 0)) continue;
    const f = liquidate(c, wc, bc, d).seizedFraction;
    count++;
    for (let e = from; e < to; e++) {
      const m = entryMarket[e]!;
      seizedTokens[m] = seizedTokens[m]! + entryAmount[e]! * f;
    }
  }
  return count;
}
