import { WAD } from "./math.js";

/**
 * Morpho's AdaptiveCurve interest-rate model, the same model as contracts/src/morpho/AdaptiveCurveIrm.sol
 * (the risk engine needs the rate off chain to bring a market's debt forward to a block's timestamp).
 * Signed arithmetic truncates toward zero, as Solidity's int256 does. Checked against
 * @morpho-org/blue-sdk's AdaptiveCurveIrmLib in test/lib/morpho.test.ts.
 */

const SECONDS_PER_YEAR = 365n * 24n * 3600n;
export const CURVE_STEEPNESS = 4n * WAD;
export const ADJUSTMENT_SPEED = (50n * WAD) / SECONDS_PER_YEAR;
export const TARGET_UTILIZATION = (9n * WAD) / 10n;
export const INITIAL_RATE_AT_TARGET = (4n * WAD) / 100n / SECONDS_PER_YEAR;
export const MIN_RATE_AT_TARGET = WAD / 1000n / SECONDS_PER_YEAR;
export const MAX_RATE_AT_TARGET = (2n * WAD) / SECONDS_PER_YEAR;

const LN_2 = 693_147_180_559_945_309n;
const LN_WEI = -41_446_531_673_892_822_312n;
/** ln(type(int256).max / 1e36), WAD-scaled and floored: exponents are capped here. */
const EXP_UPPER_BOUND = 93_859_467_695_000_404_319n;

const wMulToZero = (x: bigint, y: bigint): bigint => (x * y) / WAD;
const wDivToZero = (x: bigint, y: bigint): bigint => (x * WAD) / y;

/** exp(x) for WAD-scaled x: x = q*ln2 + r, e^r by its second-order Taylor polynomial, shifted by q. */
export function wExp(x: bigint): bigint {
  if (x < LN_WEI) return 0n;
  const capped = x >= EXP_UPPER_BOUND ? EXP_UPPER_BOUND : x;
  const q = (capped + (capped < 0n ? -(LN_2 / 2n) : LN_2 / 2n)) / LN_2;
  const r = capped - q * LN_2;
  const expR = WAD + r + (r * r) / WAD / 2n;
  return q >= 0n ? expR << q : expR >> -q;
}

function newRateAtTarget(start: bigint, linearAdaptation: bigint): bigint {
  const rate = wMulToZero(start, wExp(linearAdaptation));
  if (rate < MIN_RATE_AT_TARGET) return MIN_RATE_AT_TARGET;
  if (rate > MAX_RATE_AT_TARGET) return MAX_RATE_AT_TARGET;
  return rate;
}

function curve(rateAtTarget: bigint, err: bigint): bigint {
  const coeff = err < 0n ? WAD - wDivToZero(WAD, CURVE_STEEPNESS) : CURVE_STEEPNESS - WAD;
  return wMulToZero(wMulToZero(coeff, err) + WAD, rateAtTarget);
}

export type AdaptiveCurveRate = {
  /** Average borrow rate per second over the elapsed time (what Morpho accrues with), WAD. */
  avgBorrowRate: bigint;
  /** The market's rate at target after the elapsed time (what the IRM stores), WAD. */
  endRateAtTarget: bigint;
};

/**
 * The rate Morpho receives for `elapsed` seconds at `utilization` (WAD) from a stored `startRateAtTarget`
 * (0 before the market's first interaction).
 */
export function adaptiveCurveBorrowRate(
  utilization: bigint,
  startRateAtTarget: bigint,
  elapsed: bigint,
): AdaptiveCurveRate {
  const errNormFactor = utilization > TARGET_UTILIZATION ? WAD - TARGET_UTILIZATION : TARGET_UTILIZATION;
  const err = wDivToZero(utilization - TARGET_UTILIZATION, errNormFactor);
  let avgRateAtTarget: bigint;
  let endRateAtTarget: bigint;
  if (startRateAtTarget === 0n) {
    avgRateAtTarget = INITIAL_RATE_AT_TARGET;
    endRateAtTarget = INITIAL_RATE_AT_TARGET;
  } else {
    const linearAdaptation = wMulToZero(ADJUSTMENT_SPEED, err) * elapsed;
    if (linearAdaptation === 0n) {
      avgRateAtTarget = startRateAtTarget;
      endRateAtTarget = startRateAtTarget;
    } else {
      endRateAtTarget = newRateAtTarget(startRateAtTarget, linearAdaptation);
      // Trapezoidal rule with two steps over the period: start, middle, end.
      const mid = newRateAtTarget(startRateAtTarget, linearAdaptation / 2n);
      avgRateAtTarget = (startRateAtTarget + endRateAtTarget + 2n * mid) / 4n;
    }
  }
  return { avgBorrowRate: curve(avgRateAtTarget, err), endRateAtTarget };
}
