import { PRICED, type RiskBook } from "./book.js";
import { CLOSE_FACTOR_HF_THRESHOLD, computeHealth, type HealthArrays, isLiquidatable } from "./health.js";

// Module-level copies of imported bindings used per position: under tsx's and vite-node's module
// transforms an imported name is a getter call on each use, which showed in the 1M-position profile.
const priced = PRICED;
const liquidatable = isLiquidatable;

/** A position is liquidated at most this many times at fixed prices (each step at least halves debt). */
const MAX_LIQUIDATION_STEPS = 64;
/** Debt below this fraction of the position's initial debt counts as repaid (stops endless halving). */
const DUST_FRACTION = 1e-12;

/** Result of liquidating one position to safety at fixed prices. */
export type PositionLiquidation = {
  repaidUsd: number;
  /** Fraction of every collateral reserve seized (pro-rata seizure keeps the mix). */
  seizedFraction: number;
  debtUsd: number;
  collateralUsd: number;
  steps: number;
};

/**
 * Liquidates one position repeatedly at fixed prices until it is healthy, debt-free or out of
 * collateral. Each step is an Aave v3 liquidation: close factor 50% (100% when HF < 0.95), and collateral
 * seized with its bonus, `seized = repaid * LB` in USD. A liquidator picks one collateral per call; we
 * seize pro-rata from every collateral reserve (as if the call were split), which keeps the mix and
 * makes the outcome independent of liquidator choice. `bonusCollateralUsd = sum C_i / LB_i` is the most
 * debt the collateral can repay.
 *
 * @example
 * // 1,000 USD collateral (LT 0.8, LB 1.05) vs 900 USD debt: HF 0.889 -> full close factor, all repaid
 * liquidatePosition(1000, 800, 1000 / 1.05, 900).debtUsd; // 0
 */
export function liquidatePosition(
  collateralUsd: number,
  weightedCollateralUsd: number,
  bonusCollateralUsd: number,
  debtUsd: number,
): PositionLiquidation {
  let d = debtUsd;
  let keep = 1;
  let repaid = 0;
  let steps = 0;
  const dust = debtUsd * DUST_FRACTION;
  while (steps < MAX_LIQUIDATION_STEPS && d > dust && keep > 0 && bonusCollateralUsd > 0) {
    const hf = (weightedCollateralUsd * keep) / d;
    if (!liquidatable(hf)) break;
    const available = bonusCollateralUsd * keep;
    let r = hf < CLOSE_FACTOR_HF_THRESHOLD ? d : d / 2;
    let f: number;
    if (r >= available) {
      r = available;
      f = 1;
    } else {
      f = r / available;
    }
    d = r === d ? 0 : d - r;
    repaid += r;
    keep = f === 1 ? 0 : keep * (1 - f);
    steps++;
  }
  return {
    repaidUsd: repaid,
    seizedFraction: 1 - keep,
    debtUsd: d,
    collateralUsd: collateralUsd * keep,
    steps,
  };
}

/** Totals of a liquidation pass, overall and per protocol. */
export type LiquidationTotals = {
  initialDebtUsd: number;
  repaidUsd: number;
  /** Collateral value seized, at the prices the liquidations ran at. */
  seizedCollateralUsd: number;
  /** At the final state: sum over positions of max(0, D - C). */
  badDebtUsd: number;
  /** Debt still owed and covered by collateral: total final debt minus bad debt. */
  remainingDebtUsd: number;
  liquidatedPositions: number;
  /** Stale or unpriced positions: left out of every figure above (their health is unknown). */
  positionsSkipped: number;
};

export type LiquidationPass = LiquidationTotals & {
  prices: Float64Array;
  health: HealthArrays;
  /** Whole tokens seized per market (what liquidators sell). */
  seizedTokens: Float64Array;
  protocols: LiquidationTotals[];
};

/** Totals of a pass that liquidated nothing yet (accumulators start here). */
export const emptyTotals = (): LiquidationTotals => ({
  initialDebtUsd: 0,
  repaidUsd: 0,
  seizedCollateralUsd: 0,
  badDebtUsd: 0,
  remainingDebtUsd: 0,
  liquidatedPositions: 0,
  positionsSkipped: 0,
});

/**
 * One-shot liquidation of the whole book at fixed collateral prices, without price feedback: every
 * liquidatable position is liquidated to safety ({@link liquidatePosition}).
 *
 * @example
 * const pass = liquidateBook(book, shockedPrices(book, 0.3));
 * pass.badDebtUsd;
 */
export function liquidateBook(book: RiskBook, prices: Float64Array): LiquidationPass {
  const health = computeHealth(book, prices);
  const seizedTokens = new Float64Array(book.marketCount);
  const total = emptyTotals();
  const protocols = book.protocols.map(emptyTotals);
  for (let i = 0; i < book.positionCount; i++) {
    const p = protocols[book.positionProtocol[i]!]!;
    if (book.positionStatus[i] !== priced) {
      p.positionsSkipped++;
      continue;
    }
    const d = health.debtUsd[i]!;
    let c = health.collateralUsd[i]!;
    let finalDebt = d;
    if (d > 0 && liquidatable(health.healthFactor[i]!) && health.bonusCollateralUsd[i]! > 0) {
      const out = liquidatePosition(c, health.weightedCollateralUsd[i]!, health.bonusCollateralUsd[i]!, d);
      finalDebt = out.debtUsd;
      const seizedUsd = c - out.collateralUsd;
      c = out.collateralUsd;
      p.repaidUsd += out.repaidUsd;
      p.seizedCollateralUsd += seizedUsd;
      p.liquidatedPositions++;
      for (let e = book.positionStart[i]!; e < book.positionStart[i + 1]!; e++) {
        const coll = book.entryCollateral[e]!;
        if (coll === 0) continue;
        const m = book.reserveMarket[book.entryReserve[e]!]!;
        seizedTokens[m] = seizedTokens[m]! + coll * out.seizedFraction;
      }
    }
    const bad = finalDebt > c ? finalDebt - c : 0;
    p.initialDebtUsd += d;
    p.badDebtUsd += bad;
    p.remainingDebtUsd += finalDebt - bad;
  }
  for (const p of protocols) {
    total.initialDebtUsd += p.initialDebtUsd;
    total.repaidUsd += p.repaidUsd;
    total.seizedCollateralUsd += p.seizedCollateralUsd;
    total.badDebtUsd += p.badDebtUsd;
    total.remainingDebtUsd += p.remainingDebtUsd;
    total.liquidatedPositions += p.liquidatedPositions;
    total.positionsSkipped += p.positionsSkipped;
  }
  return { ...total, prices, health, seizedTokens, protocols };
}
