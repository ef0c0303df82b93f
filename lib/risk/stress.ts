import { PRICED, type RiskBook, resolveAsset, resolveBridge, shockedPrices } from "./book.js";
import { bookPlan, cascadePass } from "./cascadePass.js";
import { type MarketSale, sellSeizedCollateral } from "./dexSale.js";
import { InvalidRiskParameterError } from "./errors.js";
import { computeHealth, type HealthArrays, isLiquidatable } from "./health.js";
import type { LiquidationTotals } from "./liquidation.js";
import { type SeizureCurves, seizeAt, seizureCurves } from "./seizureCurves.js";

// Module-level copies of imported bindings used per position: under tsx's and vite-node's module
// transforms an imported name is a getter call on each use, which showed in the 1M-position profile.
const priced = PRICED;
const liquidatable = isLiquidatable;

/** The cascade stops when no price moved by more than this (relative) in a round. */
const PRICE_TOLERANCE = 1e-12;

export const DEFAULT_MAX_ROUNDS = 25;
export const MAX_ROUNDS_LIMIT = 100;

export type PriceShockParameters = {
  /** Home asset id or symbol; omitted = every market. */
  asset?: string | null;
  /** Fraction in [0, 1): 0.3 = -30%. */
  shock: number;
  /** Round limit, 1..100; default 25. */
  maxRounds?: number;
};

export type PriceShockResult = LiquidationTotals & {
  asset: number | null;
  shock: number;
  rounds: number;
  /** False when the round limit stopped the cascade before prices settled. */
  converged: boolean;
  /** Oracle prices before the shock. */
  oraclePrices: Float64Array;
  /** Prices the reported liquidations executed at (after shock and pool impact). */
  finalPrices: Float64Array;
  /**
   * Per market (book index): the sale of what the reported liquidations seized through the market's
   * liquidity source. When the cascade converged its price ratio gives `finalPrices`; when the round
   * limit stopped it, this sale's prices are where the next round would have run.
   */
  sales: MarketSale[];
  protocols: LiquidationTotals[];
};

/**
 * Price-shock liquidation cascade. Collateral prices of the shocked markets drop to `(1 - s) P`; then,
 * round after round, every position that is liquidatable at the current prices is liquidated to safety,
 * the seized collateral is sold through each market's liquidity source ({@link sellSeizedCollateral}: a
 * Uniswap v3 pool's ticks, `P_i <- P0_i * poolPriceAfter / poolPriceBefore`; else a constant-product
 * pool, `P_i <- P0_i * (x_i / (x_i + Q_i))^2`; else no impact), and the next round runs at the new prices.
 *
 * Each round re-liquidates the initial book at the round's prices (a clearing formulation): `Q_i` is the
 * total seized up to that price level. Liquidations only grow as prices fall and prices only fall as
 * `Q` grows (every source's ratio is non-increasing in the amount sold), so prices decrease monotonically to the highest clearing point, the loop terminates, and
 * bad debt, measured at the final state, never falls as the shock deepens. A path formulation (liquidate
 * at each round's price and carry the state) does not have that property; README.md has the example.
 * Debt is valued at pre-shock oracle prices, so repaid + bad debt + remaining = initial debt exactly.
 *
 * @example
 * const r = priceShockCascade(book, { asset: "WETH", shock: 0.3 });
 * console.log(r.rounds, r.badDebtUsd, r.finalPrices);
 */
export function priceShockCascade(book: RiskBook, params: PriceShockParameters): PriceShockResult {
  const maxRounds = checkedMaxRounds(params.maxRounds);
  const asset = params.asset == null ? null : resolveAsset(book, params.asset);
  const start = shockedPrices(book, params.shock, asset ?? undefined);
  return { asset, shock: params.shock, ...cascadeFrom(book, start, maxRounds) };
}

/** What a cascade reports, whatever moved its starting prices. */
export type CascadeOutcome = Omit<PriceShockResult, "asset" | "shock">;

/** The round limit of a cascade: default {@link DEFAULT_MAX_ROUNDS}, else an integer in [1, 100]. */
export function checkedMaxRounds(maxRounds: number | null | undefined): number {
  const rounds = maxRounds ?? DEFAULT_MAX_ROUNDS;
  if (!(Number.isInteger(rounds) && rounds >= 1 && rounds <= MAX_ROUNDS_LIMIT)) {
    throw new InvalidRiskParameterError(
      "maxRounds",
      `maxRounds must be an integer in [1, ${MAX_ROUNDS_LIMIT}], got ${rounds}`,
    );
  }
  return rounds;
}

/**
 * The clearing cascade of {@link priceShockCascade} from collateral prices `start`, with debt valued at
 * `book.marketPriceUsd` (a price-move scenario passes a book whose prices moved, see priceMoves.ts).
 *
 * @example
 * const r = cascadeFrom(book, shockedPrices(book, 0.3), DEFAULT_MAX_ROUNDS);
 */
export function cascadeFrom(book: RiskBook, start: Float64Array, maxRounds: number): CascadeOutcome {
  let prices = start;
  // Rounds only need what the liquidations seize per market and how many there are: seizure curves give
  // both in a few binary searches per market plus the positions without a closed form (SeizureCurves).
  const curves = seizureCurves(book);
  let round = seizedAt(book, curves, prices);
  let rounds = 0;
  let converged = false;
  let sales = sellAll(book, round.seizedTokens);
  for (;;) {
    if (round.liquidated === 0) {
      converged = true;
      break;
    }
    rounds++;
    const next = new Float64Array(book.marketCount);
    let moved = 0;
    for (let m = 0; m < book.marketCount; m++) {
      next[m] = start[m]! * sales[m]!.priceRatio;
      const before = prices[m]!;
      if (before > 0) moved = Math.max(moved, Math.abs(next[m]! - before) / before);
    }
    if (moved <= PRICE_TOLERANCE) {
      converged = true;
      break;
    }
    if (rounds >= maxRounds) break;
    prices = next;
    round = seizedAt(book, curves, prices);
    sales = sellAll(book, round.seizedTokens);
  }
  // The reported figures: one exact pass at the final prices, equal to liquidateBook's bit for bit, and
  // the sale of what it seized.
  const pass = cascadePass(book, prices, bookPlan(book));
  sales = sellAll(book, pass.seizedTokens);
  return {
    rounds,
    converged,
    oraclePrices: book.marketPriceUsd,
    finalPrices: prices,
    sales,
    initialDebtUsd: pass.initialDebtUsd,
    repaidUsd: pass.repaidUsd,
    seizedCollateralUsd: pass.seizedCollateralUsd,
    badDebtUsd: pass.badDebtUsd,
    remainingDebtUsd: pass.remainingDebtUsd,
    liquidatedPositions: pass.liquidatedPositions,
    positionsSkipped: pass.positionsSkipped,
    protocols: pass.protocols,
  };
}

/** Tokens seized per market and positions liquidated by a round at `prices` (curves, else the exact pass). */
function seizedAt(
  book: RiskBook,
  curves: SeizureCurves,
  prices: Float64Array,
): { seizedTokens: Float64Array; liquidated: number } {
  const seizedTokens = new Float64Array(book.marketCount);
  const liquidated = seizeAt(curves, prices, seizedTokens);
  if (liquidated >= 0) return { seizedTokens, liquidated };
  const pass = cascadePass(book, prices, bookPlan(book));
  return { seizedTokens: pass.seizedTokens, liquidated: pass.liquidatedPositions };
}

/** Every market's sale of the tokens one liquidation pass seized. */
function sellAll(book: RiskBook, seizedTokens: Float64Array): MarketSale[] {
  const sales: MarketSale[] = [];
  for (let m = 0; m < book.marketCount; m++) {
    sales.push(sellSeizedCollateral(book.marketDexPool[m]!, book.marketPoolDepth[m]!, seizedTokens[m]!));
  }
  return sales;
}

/** Static losses of the book at some collateral prices (no liquidations). */
export type StaticLosses = {
  /** sum of max(0, D - C). */
  badDebtUsd: number;
  /** sum of D over positions with HF < 1. */
  liquidatableDebtUsd: number;
  positionsLiquidatable: number;
  /** Stale or unpriced positions, left out of the figures above (unknown, not healthy). */
  positionsSkipped: number;
};

/**
 * Bad debt and liquidatable debt of a health evaluation, total and per protocol.
 *
 * @example
 * staticLosses(book, computeHealth(book)).total.liquidatableDebtUsd;
 */
export function staticLosses(
  book: RiskBook,
  health: HealthArrays,
): { total: StaticLosses; protocols: StaticLosses[] } {
  const protocols = book.protocols.map(() => ({
    badDebtUsd: 0,
    liquidatableDebtUsd: 0,
    positionsLiquidatable: 0,
    positionsSkipped: 0,
  }));
  for (let i = 0; i < book.positionCount; i++) {
    const p = protocols[book.positionProtocol[i]!]!;
    if (book.positionStatus[i] !== priced) {
      p.positionsSkipped++;
      continue;
    }
    const d = health.debtUsd[i]!;
    const c = health.collateralUsd[i]!;
    if (d > c) p.badDebtUsd += d - c;
    if (liquidatable(health.healthFactor[i]!)) {
      p.liquidatableDebtUsd += d;
      p.positionsLiquidatable++;
    }
  }
  const total = { badDebtUsd: 0, liquidatableDebtUsd: 0, positionsLiquidatable: 0, positionsSkipped: 0 };
  for (const p of protocols) {
    total.badDebtUsd += p.badDebtUsd;
    total.liquidatableDebtUsd += p.liquidatableDebtUsd;
    total.positionsLiquidatable += p.positionsLiquidatable;
    total.positionsSkipped += p.positionsSkipped;
  }
  return { total, protocols };
}

export type BridgeFailureParameters = {
  /** Bridge id or name. */
  bridge: string;
  /** rho in [0, 1]: what one wrapped token is still worth, as a fraction of the asset's price. */
  recovery: number;
};

export type BridgeFailureTotals = StaticLosses & {
  baseline: StaticLosses;
  /** Bad debt added by the failure plus the haircut on wrapped tokens supplied by accounts without debt. */
  lendersLossUsd: number;
  /** (1 - rho) x value of every supplied wrapped token of the bridge (collateral or not). */
  wrappedSupplyHaircutUsd: number;
};

export type BridgeFailureResult = BridgeFailureTotals & {
  bridge: number;
  recovery: number;
  protocols: BridgeFailureTotals[];
};

/**
 * Bridge failure: collateral in bridge b's wrapped tokens is repriced to `rho * P` on every chain,
 * every HF is recomputed, and the report gives bad debt `sum max(0, D' - C')`, liquidatable debt
 * `sum_{HF' < 1} D'` and lenders' loss, next to the same figures before the failure. Debt is valued at
 * oracle prices (a borrower of the failed wrapped token still owes the tokens; marking that debt down
 * would show a deeper failure as *less* bad debt). With rho = 1 every figure equals its baseline.
 *
 * @example
 * const r = bridgeFailure(book, { bridge: "main", recovery: 0.4 });
 * r.badDebtUsd - r.baseline.badDebtUsd; // bad debt the failure creates
 */
export function bridgeFailure(
  book: RiskBook,
  params: BridgeFailureParameters,
  baselineHealth: HealthArrays = computeHealth(book),
): BridgeFailureResult {
  const { recovery } = params;
  if (!(Number.isFinite(recovery) && recovery >= 0 && recovery <= 1)) {
    throw new InvalidRiskParameterError(
      "recovery",
      `recovery must be a fraction in [0, 1] (1 = wrapped tokens keep full value), got ${recovery}`,
    );
  }
  const bridge = resolveBridge(book, params.bridge);
  const prices = Float64Array.from(book.marketPriceUsd);
  for (let m = 0; m < book.marketCount; m++) {
    if (book.marketBridge[m] === bridge) prices[m] = prices[m]! * recovery;
  }
  const stressed = computeHealth(book, prices);
  const after = staticLosses(book, stressed);
  const before = staticLosses(book, baselineHealth);

  const haircut = new Float64Array(book.protocols.length);
  const lenderHaircut = new Float64Array(book.protocols.length);
  for (let i = 0; i < book.positionCount; i++) {
    if (book.positionStatus[i] !== priced) continue;
    const p = book.positionProtocol[i]!;
    for (let e = book.positionStart[i]!; e < book.positionStart[i + 1]!; e++) {
      const supplied = book.entrySupplied[e]!;
      if (supplied === 0) continue;
      const m = book.reserveMarket[book.entryReserve[e]!]!;
      if (book.marketBridge[m] !== bridge) continue;
      const loss = supplied * (book.marketPriceUsd[m]! - prices[m]!);
      haircut[p] = haircut[p]! + loss;
      if (baselineHealth.debtUsd[i] === 0) lenderHaircut[p] = lenderHaircut[p]! + loss;
    }
  }
  const protocols = book.protocols.map((_, p) => {
    const a = after.protocols[p]!;
    const b = before.protocols[p]!;
    return {
      ...a,
      baseline: b,
      lendersLossUsd: Math.max(0, a.badDebtUsd - b.badDebtUsd) + lenderHaircut[p]!,
      wrappedSupplyHaircutUsd: haircut[p]!,
    };
  });
  return {
    bridge,
    recovery,
    ...after.total,
    baseline: before.total,
    lendersLossUsd: protocols.reduce((s, p) => s + p.lendersLossUsd, 0),
    wrappedSupplyHaircutUsd: protocols.reduce((s, p) => s + p.wrappedSupplyHaircutUsd, 0),
    protocols,
  };
}

export type LiquidationCurveParameters = {
  /** Home asset id or symbol; omitted = every market. */
  asset?: string | null;
  /** Number of 5% steps: 10 gives -5% ... -50%. 1..19. */
  steps?: number;
};

export type LiquidationCurvePoint = {
  shock: number;
  liquidatableDebtUsd: number;
  positionsLiquidatable: number;
  /** Stale or unpriced positions left out of the point (the same at every step). */
  positionsSkipped: number;
};

export const LIQUIDATION_CURVE_STEP = 0.05;

/**
 * Debt that becomes liquidatable (HF < 1) when the asset's collateral price falls by 5%, 10%, ...
 * (no cascade: the first-order curve operators watch).
 *
 * One pass over the book's entries, then a few flops per position and step: a collateral shock scales
 * only the shocked markets' weighted collateral, so `HF(s) = (W_fixed + W_shocked (1 - s)) / D` with D
 * at oracle prices (as computeHealth values debt). Equal to `staticLosses` of `computeHealth` at each
 * step's shocked prices up to float rounding (property test), without 19 evaluations of every entry,
 * which made this the risk API's slowest answer at 100,000 positions (docs/benchmarks.md, run 8).
 *
 * @example
 * liquidationCurve(book, { asset: "WETH", steps: 10 }).map((p) => p.liquidatableDebtUsd);
 */
export function liquidationCurve(
  book: RiskBook,
  params: LiquidationCurveParameters = {},
): LiquidationCurvePoint[] {
  const steps = params.steps ?? 10;
  if (!(Number.isInteger(steps) && steps >= 1 && steps <= 19)) {
    throw new InvalidRiskParameterError(
      "steps",
      `steps must be an integer in [1, 19] (5% each), got ${steps}`,
    );
  }
  const asset = params.asset == null ? undefined : resolveAsset(book, params.asset);
  const n = book.positionCount;
  const { positionStart, entryReserve, entryCollateral, entryDebt, reserveMarket, entryLt, marketAsset } =
    book;
  const prices = book.marketPriceUsd;
  const weightedFixed = new Float64Array(n);
  const weightedShocked = new Float64Array(n);
  const debtUsd = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let fixed = 0;
    let shocked = 0;
    let d = 0;
    const end = positionStart[i + 1]!;
    for (let e = positionStart[i]!; e < end; e++) {
      const m = reserveMarket[entryReserve[e]!]!;
      const coll = entryCollateral[e]!;
      if (coll !== 0) {
        const w = coll * prices[m]! * entryLt[e]!;
        if (asset === undefined || marketAsset[m] === asset) shocked += w;
        else fixed += w;
      }
      const debt = entryDebt[e]!;
      if (debt !== 0) d += debt * prices[m]!;
    }
    weightedFixed[i] = fixed;
    weightedShocked[i] = shocked;
    debtUsd[i] = d;
  }
  const protocolCount = book.protocols.length;
  const protocolDebt = new Float64Array(protocolCount);
  const protocolPositions = new Int32Array(protocolCount);
  let skipped = 0;
  for (let i = 0; i < n; i++) if (book.positionStatus[i] !== priced) skipped++;
  const points: LiquidationCurvePoint[] = [];
  for (let k = 1; k <= steps; k++) {
    const shock = Math.round(k * LIQUIDATION_CURVE_STEP * 100) / 100;
    const factor = 1 - shock;
    protocolDebt.fill(0);
    protocolPositions.fill(0);
    for (let i = 0; i < n; i++) {
      const d = debtUsd[i]!;
      if (!(d > 0) || book.positionStatus[i] !== priced) continue;
      if (liquidatable((weightedFixed[i]! + weightedShocked[i]! * factor) / d)) {
        const p = book.positionProtocol[i]!;
        protocolDebt[p] = protocolDebt[p]! + d;
        protocolPositions[p] = protocolPositions[p]! + 1;
      }
    }
    // Summed per protocol first, then over protocols, in staticLosses' order.
    let liquidatableDebtUsd = 0;
    let positionsLiquidatable = 0;
    for (let p = 0; p < protocolCount; p++) {
      liquidatableDebtUsd += protocolDebt[p]!;
      positionsLiquidatable += protocolPositions[p]!;
    }
    points.push({ shock, liquidatableDebtUsd, positionsLiquidatable, positionsSkipped: skipped });
  }
  return points;
}
