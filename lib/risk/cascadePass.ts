import { PRICED, type RiskBook } from "./book.js";
import { sellSeizedCollateral } from "./dexSale.js";
import { computeHealth, isLiquidatable } from "./health.js";
import { type LiquidationTotals, liquidatePosition } from "./liquidation.js";

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

/**
 * What a cascade computes once, before its rounds: each position's debt (at oracle prices, as every
 * stress values debt) and which positions can be touched at all. Prices only fall over the rounds, and
 * no round can sell more of a market than every position's collateral in it, so every round's price is
 * at least `floor = start * priceRatio(all collateral of the market)`. A position that is neither
 * liquidatable nor under water at the floor is neither at any round's price (its collateral values only
 * grow with prices): its figures are its debt, every round, and the rounds skip its entries.
 */
export type CascadePlan = {
  debtUsd: Float64Array;
  /** 1 for a position a round must evaluate. */
  candidate: Uint8Array;
  candidateCount: number;
};

/** The result of one cascade round at fixed prices: totals, per protocol, and tokens seized per market. */
export type CascadePass = LiquidationTotals & {
  seizedTokens: Float64Array;
  protocols: LiquidationTotals[];
};

const emptyTotals = (): LiquidationTotals => ({
  initialDebtUsd: 0,
  repaidUsd: 0,
  seizedCollateralUsd: 0,
  badDebtUsd: 0,
  remainingDebtUsd: 0,
  liquidatedPositions: 0,
  positionsSkipped: 0,
});

/**
 * The plan of a cascade starting at `start` (the shocked prices).
 *
 * @example
 * const plan = planCascade(book, shockedPrices(book, 0.3));
 */
export function planCascade(book: RiskBook, start: Float64Array): CascadePlan {
  const { positionStart, entryReserve, entryCollateral, reserveMarket, entryLt } = book;
  const n = book.positionCount;
  const debtUsd = computeHealth(book, start).debtUsd;
  const allCollateral = new Float64Array(book.marketCount);
  for (let i = 0; i < n; i++) {
    if (book.positionStatus[i] !== priced) continue;
    for (let e = positionStart[i]!; e < positionStart[i + 1]!; e++) {
      const coll = entryCollateral[e]!;
      if (coll !== 0) {
        const m = reserveMarket[entryReserve[e]!]!;
        allCollateral[m] = allCollateral[m]! + coll;
      }
    }
  }
  const floor = new Float64Array(book.marketCount);
  for (let m = 0; m < book.marketCount; m++) {
    const sale = sellSeizedCollateral(book.marketDexPool[m]!, book.marketPoolDepth[m]!, allCollateral[m]!);
    floor[m] = start[m]! * sale.priceRatio * FLOOR_MARGIN;
  }
  const candidate = new Uint8Array(n);
  let candidateCount = 0;
  for (let i = 0; i < n; i++) {
    const d = debtUsd[i]!;
    if (book.positionStatus[i] !== priced || !(d > 0)) continue;
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
    if (liquidatable(wc / d) || c < d) {
      candidate[i] = 1;
      candidateCount++;
    }
  }
  return { debtUsd, candidate, candidateCount };
}

/**
 * One cascade round: {@link liquidateBook}'s figures at `prices`, equal to them bit for bit (same
 * arithmetic, same summation order), without allocating per-position arrays and without reading the
 * entries of positions the plan rules out.
 *
 * @example
 * const pass = cascadePass(book, prices, planCascade(book, prices));
 */
export function cascadePass(book: RiskBook, prices: Float64Array, plan: CascadePlan): CascadePass {
  const { positionStart, entryReserve, entryCollateral, reserveMarket, entryLt, entryLb } = book;
  const { debtUsd, candidate } = plan;
  const seizedTokens = new Float64Array(book.marketCount);
  const protocols = book.protocols.map(emptyTotals);
  for (let i = 0; i < book.positionCount; i++) {
    const p = protocols[book.positionProtocol[i]!]!;
    if (book.positionStatus[i] !== priced) {
      p.positionsSkipped++;
      continue;
    }
    const d = debtUsd[i]!;
    p.initialDebtUsd += d;
    if (candidate[i] === 0) {
      // Neither liquidated nor under water (see CascadePlan): bad debt 0, all of it remains.
      p.remainingDebtUsd += d;
      continue;
    }
    let c = 0;
    let wc = 0;
    let bc = 0;
    const end = positionStart[i + 1]!;
    for (let e = positionStart[i]!; e < end; e++) {
      const coll = entryCollateral[e]!;
      if (coll !== 0) {
        const v = coll * prices[reserveMarket[entryReserve[e]!]!]!;
        c += v;
        wc += v * entryLt[e]!;
        bc += v / entryLb[e]!;
      }
    }
    let finalDebt = d;
    if (d > 0 && liquidatable(wc / d) && bc > 0) {
      const out = liquidate(c, wc, bc, d);
      finalDebt = out.debtUsd;
      p.repaidUsd += out.repaidUsd;
      p.seizedCollateralUsd += c - out.collateralUsd;
      c = out.collateralUsd;
      p.liquidatedPositions++;
      for (let e = positionStart[i]!; e < end; e++) {
        const coll = entryCollateral[e]!;
        if (coll === 0) continue;
        const m = reserveMarket[entryReserve[e]!]!;
        seizedTokens[m] = seizedTokens[m]! + coll * out.seizedFraction;
      }
    }
    const bad = finalDebt > c ? finalDebt - c : 0;
    p.badDebtUsd += bad;
    p.remainingDebtUsd += finalDebt - bad;
  }
  const total = emptyTotals();
  for (const p of protocols) {
    total.initialDebtUsd += p.initialDebtUsd;
    total.repaidUsd += p.repaidUsd;
    total.seizedCollateralUsd += p.seizedCollateralUsd;
    total.badDebtUsd += p.badDebtUsd;
    total.remainingDebtUsd += p.remainingDebtUsd;
    total.liquidatedPositions += p.liquidatedPositions;
    total.positionsSkipped += p.positionsSkipped;
  }
  return { ...total, seizedTokens, protocols };
}
