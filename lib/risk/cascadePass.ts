import { PRICED, type RiskBook } from "./book.js";
import { sellSeizedCollateral } from "./dexSale.js";
import { isLiquidatable } from "./health.js";
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
 * A plan belongs to one cascade: {@link cascadePass} updates it.
 */
export type CascadePlan = {
  debtUsd: Float64Array;
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

/** The result of one cascade round at fixed prices: totals, per protocol, and tokens seized per market. */
export type CascadePass = LiquidationTotals & {
  seizedTokens: Float64Array;
  protocols: LiquidationTotals[];
};

/**
 * The plan of a cascade starting at `start` (the shocked prices).
 *
 * @example
 * const plan = planCascade(book, shockedPrices(book, 0.3));
 */
export function planCascade(book: RiskBook, start: Float64Array): CascadePlan {
  // `start` only sets the floor; debt is at oracle prices.
  const { positionStart, entryReserve, entryCollateral, reserveMarket, entryLt, entryLb } = book;
  const n = book.positionCount;
  const status = book.positionStatus;
  const { entryDebt } = book;
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
    if (status[i] !== priced) continue;
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
  const candidateOf = new Int32Array(n);
  let candidateCount = 0;
  let candidateEntries = 0;
  for (let i = 0; i < n; i++) {
    const d = debtUsd[i]!;
    if (status[i] !== priced || !(d > 0)) continue;
    let c = 0;
    let wc = 0;
    let entries = 0;
    for (let e = positionStart[i]!; e < positionStart[i + 1]!; e++) {
      const coll = entryCollateral[e]!;
      if (coll !== 0) {
        const v = coll * floor[reserveMarket[entryReserve[e]!]!]!;
        c += v;
        wc += v * entryLt[e]!;
        entries++;
      }
    }
    if (liquidatable(wc / d) || c < d) {
      candidateOf[i] = ++candidateCount;
      candidateEntries += entries;
    }
  }
  const entryStart = new Int32Array(candidateCount + 1);
  const cMarket = new Int32Array(candidateEntries);
  const cAmount = new Float64Array(candidateEntries);
  const cLt = new Float64Array(candidateEntries);
  const cLb = new Float64Array(candidateEntries);
  let k = 0;
  let at = 0;
  for (let i = 0; i < n; i++) {
    if (candidateOf[i] === 0) continue;
    entryStart[k++] = at;
    for (let e = positionStart[i]!; e < positionStart[i + 1]!; e++) {
      const coll = entryCollateral[e]!;
      if (coll === 0) continue;
      cMarket[at] = reserveMarket[entryReserve[e]!]!;
      cAmount[at] = coll;
      cLt[at] = entryLt[e]!;
      cLb[at] = entryLb[e]!;
      at++;
    }
  }
  entryStart[candidateCount] = at;
  // A candidate without collateral entries is never recomputed (no price of it changes): its outcome is
  // fixed from the start, nothing seized, all of its debt under water.
  const finalDebtUsd = new Float64Array(candidateCount);
  for (let i = 0; i < n; i++) if (candidateOf[i] !== 0) finalDebtUsd[candidateOf[i]! - 1] = debtUsd[i]!;
  return {
    debtUsd,
    candidateOf,
    candidateCount,
    entryStart,
    entryMarket: cMarket,
    entryAmount: cAmount,
    entryLt: cLt,
    entryLb: cLb,
    lastPrices: new Float64Array(book.marketCount).fill(Number.NaN),
    liquidated: new Uint8Array(candidateCount),
    repaidUsd: new Float64Array(candidateCount),
    seizedUsd: new Float64Array(candidateCount),
    seizedFraction: new Float64Array(candidateCount),
    finalDebtUsd,
    collateralAfterUsd: new Float64Array(candidateCount),
  };
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
  const total = {
    initialDebtUsd: 0,
    repaidUsd: 0,
    seizedCollateralUsd: 0,
    badDebtUsd: 0,
    remainingDebtUsd: 0,
    liquidatedPositions: 0,
    positionsSkipped: 0,
  };
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
