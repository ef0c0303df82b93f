import { PRICED, type RiskBook } from "./book.js";
import { sellSeizedCollateral } from "./dexSale.js";
import { isLiquidatable } from "./health.js";
import { emptyTotals, type LiquidationTotals, liquidatePosition } from "./liquidation.js";

// Module-level copies of imported bindings used per position: under tsx's and vite-node's module
// transforms an imported name is a getter call on each use, which showed in the 1M-position profile.
const priced = PRICED;
const liquidatable = isLiquidatable;
const liquidate = liquidatePosition;

/**
 * Float headroom under the price floor: the floor only has to be at or below every round's price, and a
 * slightly lower one merely adds candidates.
 */
const FLOOR_MARGIN = 1 - 1e-9;
/** Floor tightening passes (each one pass over the book): the candidates stop shrinking in a few. */
const MAX_FLOOR_STEPS = 4;
/** Stop tightening when a pass keeps more than this share of the previous candidates. */
const MIN_FLOOR_SHRINK = 0.9;

/**
 * What a cascade computes once, before its rounds, and carries between them.
 *
 * - Each position's debt (at oracle prices, as every stress values debt).
 * - Which positions can be touched at all. Prices only fall over the rounds, and no round can sell more
 *   of a market than every position's collateral in it, so every round's price is at least
 *   `floor = start * priceRatio(all collateral of the market)`. A position that is neither liquidatable
 *   nor under water at the floor is neither at any round's price (its collateral values only grow with
 *   prices): its figures are its debt, every round, and rounds skip its entries.
 * - The candidates' collateral entries in one compact run (market, amount, LT, LB), so a round reads
 *   neither debt entries nor the reserve-to-market indirection.
 * - Each candidate's outcome at the last round, reused by the next round when none of its collateral
 *   markets' prices changed (a single-asset shock moves only that asset's markets).
 *
 * A plan belongs to one cascade: {@link cascadePass} updates it, and the next plan of the same book
 * reuses its buffers.
 */
export type CascadePlan = {
  debtUsd: Float64Array;
  /** The price below which no round of this cascade can go, per market. */
  floor: Float64Array;
  /** Candidate number + 1 of each position, 0 for positions a round never evaluates. */
  candidateOf: Int32Array;
  candidateCount: number;
  /** Collateral entries of candidate k: `entryStart[k] .. entryStart[k + 1] - 1`. */
  entryStart: Int32Array;
  entryMarket: Int32Array;
  entryAmount: Float64Array;
  entryLt: Float64Array;
  entryLb: Float64Array;
  /** Prices of the last pass (NaN before the first). */
  lastPrices: Float64Array;
  /** Outcome of candidate k at the last pass. */
  liquidated: Uint8Array;
  repaidUsd: Float64Array;
  seizedUsd: Float64Array;
  seizedFraction: Float64Array;
  finalDebtUsd: Float64Array;
  collateralAfterUsd: Float64Array;
};

/** Where a pass reads its positions' collateral entries: flat arrays, one slot per non-zero entry. */
export type CollateralEntries = {
  entryMarket: Int32Array;
  entryAmount: Float64Array;
  entryLt: Float64Array;
  entryLb: Float64Array;
};

/**
 * Copies position i's non-zero collateral entries (market, amount, LT, bonus) into `into` from slot `at`,
 * in the book's order; returns the next free slot. The candidate layout of a pass, shared with the
 * seizure curves' multi-collateral positions so both evaluate the same entries in the same order.
 */
export function copyCollateralEntries(
  book: RiskBook,
  i: number,
  into: CollateralEntries,
  at: number,
): number {
  const { positionStart, entryReserve, entryCollateral, reserveMarket, entryLt, entryLb } = book;
  for (let e = positionStart[i]!; e < positionStart[i + 1]!; e++) {
    const coll = entryCollateral[e]!;
    if (coll === 0) continue;
    into.entryMarket[at] = reserveMarket[entryReserve[e]!]!;
    into.entryAmount[at] = coll;
    into.entryLt[at] = entryLt[e]!;
    into.entryLb[at] = entryLb[e]!;
    at++;
  }
  return at;
}

/** Whether position i (debt d > 0) is liquidatable or under water at the floor prices. */
function reachable(book: RiskBook, i: number, d: number, floor: Float64Array): boolean {
  const { positionStart, entryReserve, entryCollateral, reserveMarket, entryLt } = book;
  let c = 0;
  let wc = 0;
  for (let e = positionStart[i]!; e < positionStart[i + 1]!; e++) {
    const coll = entryCollateral[e]!;
    if (coll !== 0) {
      const v = coll * floor[reserveMarket[entryReserve[e]!]!]!;
      c += v;
      wc += v * entryLt[e]!;
    }
  }
  return liquidatable(wc / d) || c < d;
}

/** The result of one cascade round at fixed prices: totals, per protocol, and tokens seized per market. */
export type CascadePass = LiquidationTotals & {
  seizedTokens: Float64Array;
  protocols: LiquidationTotals[];
};

/**
 * Per book, what no scenario changes (debt at oracle prices, all collateral per market) and the buffers
 * plans are laid out in. Allocating them per scenario (about 130 MB at 1M positions) made each cascade
 * start a collection over the book's million-object heap; shared, a book's plans reuse them, so one plan
 * per book is live at a time (cascades are synchronous, and a plan never outlives its cascade).
 */
type BookScratch = {
  debtUsd: Float64Array;
  allCollateral: Float64Array;
  candidateOf: Int32Array;
  entryStart: Int32Array;
  entryMarket: Int32Array;
  entryAmount: Float64Array;
  entryLt: Float64Array;
  entryLb: Float64Array;
  liquidated: Uint8Array;
  repaidUsd: Float64Array;
  seizedUsd: Float64Array;
  seizedFraction: Float64Array;
  finalDebtUsd: Float64Array;
  collateralAfterUsd: Float64Array;
};

const scratchByBook = new WeakMap<RiskBook, BookScratch>();

function scratchOf(book: RiskBook): BookScratch {
  const held = scratchByBook.get(book);
  if (held) return held;
  const scratch = newScratch(book);
  scratchByBook.set(book, scratch);
  return scratch;
}

function newScratch(book: RiskBook): BookScratch {
  const { positionStart, entryReserve, entryCollateral, entryDebt, reserveMarket } = book;
  const n = book.positionCount;
  const entries = positionStart[n]!;
  const debtPrices = book.marketPriceUsd;
  // Debt as computeHealth sums it (same terms, same order), without its other four arrays.
  const debtUsd = new Float64Array(n);
  const allCollateral = new Float64Array(book.marketCount);
  for (let i = 0; i < n; i++) {
    let d = 0;
    for (let e = positionStart[i]!; e < positionStart[i + 1]!; e++) {
      const debt = entryDebt[e]!;
      if (debt !== 0) d += debt * debtPrices[reserveMarket[entryReserve[e]!]!]!;
    }
    debtUsd[i] = d;
    if (book.positionStatus[i] !== priced) continue;
    for (let e = positionStart[i]!; e < positionStart[i + 1]!; e++) {
      const coll = entryCollateral[e]!;
      if (coll !== 0) {
        const m = reserveMarket[entryReserve[e]!]!;
        allCollateral[m] = allCollateral[m]! + coll;
      }
    }
  }
  const scratch: BookScratch = {
    debtUsd,
    allCollateral,
    candidateOf: new Int32Array(n),
    entryStart: new Int32Array(n + 1),
    entryMarket: new Int32Array(entries),
    entryAmount: new Float64Array(entries),
    entryLt: new Float64Array(entries),
    entryLb: new Float64Array(entries),
    liquidated: new Uint8Array(n),
    repaidUsd: new Float64Array(n),
    seizedUsd: new Float64Array(n),
    seizedFraction: new Float64Array(n),
    finalDebtUsd: new Float64Array(n),
    collateralAfterUsd: new Float64Array(n),
  };
  return scratch;
}

/**
 * The plan of a cascade starting at `start` (the shocked prices). It lives in the book's shared buffers:
 * planning again on the same book invalidates the previous plan. {@link priceShockCascade} no longer plans
 * per scenario (its rounds use seizure curves and its one exact pass {@link bookPlan}); the floor remains
 * the bound its round prices are property-tested against.
 *
 * @example
 * const plan = planCascade(book, shockedPrices(book, 0.3));
 */
export function planCascade(book: RiskBook, start: Float64Array): CascadePlan {
  const { positionStart, entryReserve, entryCollateral, reserveMarket } = book;
  const n = book.positionCount;
  const status = book.positionStatus;
  const scratch = scratchOf(book);
  const { debtUsd, allCollateral } = scratch;
  // The floor from selling all of each market's collateral, then tightened: only candidates can ever be
  // liquidated, so no round sells more than the candidates' collateral; a higher floor leaves fewer
  // candidates. Each step keeps every round's price at or above the floor (by induction), so it stops
  // whenever it likes: here when the candidates shrink by less than 10 %, or after a few passes.
  let sellable = allCollateral;
  let floor = new Float64Array(book.marketCount);
  let count = -1;
  for (let step = 0; step < MAX_FLOOR_STEPS; step++) {
    const next = new Float64Array(book.marketCount);
    for (let m = 0; m < book.marketCount; m++) {
      const sale = sellSeizedCollateral(book.marketDexPool[m]!, book.marketPoolDepth[m]!, sellable[m]!);
      next[m] = start[m]! * sale.priceRatio * FLOOR_MARGIN;
    }
    floor = next;
    const candidateCollateral = new Float64Array(book.marketCount);
    let candidates = 0;
    for (let i = 0; i < n; i++) {
      const d = debtUsd[i]!;
      if (status[i] !== priced || !(d > 0)) continue;
      if (!reachable(book, i, d, floor)) continue;
      candidates++;
      for (let e = positionStart[i]!; e < positionStart[i + 1]!; e++) {
        const coll = entryCollateral[e]!;
        if (coll !== 0) {
          const m = reserveMarket[entryReserve[e]!]!;
          candidateCollateral[m] = candidateCollateral[m]! + coll;
        }
      }
    }
    // Another pass pays only if the last one shrank the candidates: with pools a full sale exhausts the
    // floor stays low (every position reachable) and tightening only costs passes.
    if (count >= 0 && candidates > count * MIN_FLOOR_SHRINK) break;
    count = candidates;
    sellable = candidateCollateral;
  }
  return layoutPlan(book, floor, scratch);
}

/** Lays out, in `scratch`, the plan of the positions reachable at `floor` (see {@link CascadePlan}). */
function layoutPlan(book: RiskBook, floor: Float64Array, scratch: BookScratch): CascadePlan {
  const n = book.positionCount;
  const status = book.positionStatus;
  const { debtUsd, candidateOf } = scratch;
  candidateOf.fill(0);
  const { entryStart, finalDebtUsd, collateralAfterUsd, liquidated } = scratch;
  let k = 0;
  let at = 0;
  for (let i = 0; i < n; i++) {
    const d = debtUsd[i]!;
    if (status[i] !== priced || !(d > 0) || !reachable(book, i, d, floor)) continue;
    candidateOf[i] = k + 1;
    entryStart[k] = at;
    at = copyCollateralEntries(book, i, scratch, at);
    // The outcome before any round: what a candidate without collateral entries keeps (no price of it
    // ever changes, so it is never recomputed): nothing seized, all of its debt under water. The others
    // are recomputed at the first pass (every price differs from NaN).
    liquidated[k] = 0;
    finalDebtUsd[k] = d;
    collateralAfterUsd[k] = 0;
    k++;
  }
  entryStart[k] = at;
  return {
    debtUsd,
    floor,
    candidateOf,
    candidateCount: k,
    entryStart: entryStart.subarray(0, k + 1),
    entryMarket: scratch.entryMarket.subarray(0, at),
    entryAmount: scratch.entryAmount.subarray(0, at),
    entryLt: scratch.entryLt.subarray(0, at),
    entryLb: scratch.entryLb.subarray(0, at),
    lastPrices: new Float64Array(book.marketCount).fill(Number.NaN),
    liquidated: liquidated.subarray(0, k),
    repaidUsd: scratch.repaidUsd.subarray(0, k),
    seizedUsd: scratch.seizedUsd.subarray(0, k),
    seizedFraction: scratch.seizedFraction.subarray(0, k),
    finalDebtUsd: finalDebtUsd.subarray(0, k),
    collateralAfterUsd: collateralAfterUsd.subarray(0, k),
  };
}

const bookPlans = new WeakMap<RiskBook, CascadePlan>();

/**
 * A plan whose candidates are all the book's priced positions with debt (floor 0), in buffers of its own,
 * kept with the book. {@link priceShockCascade} runs one exact pass per cascade on it, at the cascade's
 * final prices: with rounds priced by seizure curves, planning a floor per cascade (several passes over
 * the book) would cost more than the one pass it narrows. Its outcomes carry over from one cascade to
 * the next (a candidate is recomputed only when one of its collateral prices differs from the last
 * pass's), so markets a scenario does not shock cost nothing.
 *
 * @example
 * const pass = cascadePass(book, prices, bookPlan(book));
 */
export function bookPlan(book: RiskBook): CascadePlan {
  const held = bookPlans.get(book);
  if (held) return held;
  const plan = layoutPlan(book, new Float64Array(book.marketCount), newScratch(book));
  bookPlans.set(book, plan);
  return plan;
}

/**
 * One cascade round: {@link liquidateBook}'s figures at `prices`, equal to them bit for bit (same
 * arithmetic on the same values, same summation order per protocol), without allocating per-position
 * arrays, without reading the entries of positions the plan rules out, and without recomputing a
 * candidate none of whose collateral prices changed since the plan's last pass.
 *
 * @example
 * const pass = cascadePass(book, prices, planCascade(book, prices));
 */
export function cascadePass(book: RiskBook, prices: Float64Array, plan: CascadePlan): CascadePass {
  const { debtUsd, candidateOf, entryStart, entryMarket, entryAmount, lastPrices } = plan;
  const { liquidated, repaidUsd, seizedUsd, seizedFraction, finalDebtUsd, collateralAfterUsd } = plan;
  const cLt = plan.entryLt;
  const cLb = plan.entryLb;
  const markets = book.marketCount;
  const changed = new Uint8Array(markets);
  for (let m = 0; m < markets; m++) changed[m] = prices[m] === lastPrices[m] ? 0 : 1;
  const seizedTokens = new Float64Array(markets);
  const protocolCount = book.protocols.length;
  const initial = new Float64Array(protocolCount);
  const repaid = new Float64Array(protocolCount);
  const seized = new Float64Array(protocolCount);
  const badDebt = new Float64Array(protocolCount);
  const remaining = new Float64Array(protocolCount);
  const liquidatedCount = new Int32Array(protocolCount);
  const skipped = new Int32Array(protocolCount);
  const status = book.positionStatus;
  const protocolOf = book.positionProtocol;
  const n = book.positionCount;
  for (let i = 0; i < n; i++) {
    const p = protocolOf[i]!;
    if (status[i] !== priced) {
      skipped[p]!++;
      continue;
    }
    const d = debtUsd[i]!;
    initial[p] = initial[p]! + d;
    const k1 = candidateOf[i]!;
    if (k1 === 0) {
      // Neither liquidated nor under water (see CascadePlan): bad debt 0, all of it remains.
      remaining[p] = remaining[p]! + d;
      continue;
    }
    const k = k1 - 1;
    const from = entryStart[k]!;
    const to = entryStart[k + 1]!;
    let stale = false;
    for (let e = from; e < to; e++) {
      if (changed[entryMarket[e]!] === 1) {
        stale = true;
        break;
      }
    }
    if (stale) {
      let c = 0;
      let wc = 0;
      let bc = 0;
      for (let e = from; e < to; e++) {
        const v = entryAmount[e]! * prices[entryMarket[e]!]!;
        c += v;
        wc += v * cLt[e]!;
        bc += v / cLb[e]!;
      }
      let finalDebt = d;
      let hit = 0;
      if (liquidatable(wc / d) && bc > 0) {
        const out = liquidate(c, wc, bc, d);
        finalDebt = out.debtUsd;
        repaidUsd[k] = out.repaidUsd;
        seizedUsd[k] = c - out.collateralUsd;
        seizedFraction[k] = out.seizedFraction;
        c = out.collateralUsd;
        hit = 1;
      }
      liquidated[k] = hit;
      finalDebtUsd[k] = finalDebt;
      collateralAfterUsd[k] = c;
    }
    const finalDebt = finalDebtUsd[k]!;
    const c = collateralAfterUsd[k]!;
    if (liquidated[k] === 1) {
      repaid[p] = repaid[p]! + repaidUsd[k]!;
      seized[p] = seized[p]! + seizedUsd[k]!;
      liquidatedCount[p]!++;
      const f = seizedFraction[k]!;
      for (let e = from; e < to; e++) {
        const m = entryMarket[e]!;
        seizedTokens[m] = seizedTokens[m]! + entryAmount[e]! * f;
      }
    }
    const bad = finalDebt > c ? finalDebt - c : 0;
    badDebt[p] = badDebt[p]! + bad;
    remaining[p] = remaining[p]! + (finalDebt - bad);
  }
  lastPrices.set(prices);
  const protocols: LiquidationTotals[] = [];
  const total = emptyTotals();
  for (let p = 0; p < protocolCount; p++) {
    const t: LiquidationTotals = {
      initialDebtUsd: initial[p]!,
      repaidUsd: repaid[p]!,
      seizedCollateralUsd: seized[p]!,
      badDebtUsd: badDebt[p]!,
      remainingDebtUsd: remaining[p]!,
      liquidatedPositions: liquidatedCount[p]!,
      positionsSkipped: skipped[p]!,
    };
    protocols.push(t);
    total.initialDebtUsd += t.initialDebtUsd;
    total.repaidUsd += t.repaidUsd;
    total.seizedCollateralUsd += t.seizedCollateralUsd;
    total.badDebtUsd += t.badDebtUsd;
    total.remainingDebtUsd += t.remainingDebtUsd;
    total.liquidatedPositions += t.liquidatedPositions;
    total.positionsSkipped += t.positionsSkipped;
  }
  return { ...total, seizedTokens, protocols };
}
