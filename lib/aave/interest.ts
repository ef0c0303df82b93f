import { RAY, rayMul } from "./wadRayMath.js";

/** Aave's MathUtils year: 365 days in seconds. */
export const SECONDS_PER_YEAR = 365n * 24n * 60n * 60n;

/**
 * Aave v3 MathUtils.calculateLinearInterest: `RAY + rate * dt / year`; the liquidity index grows by this.
 *
 * @example
 * linearInterest(5n * RAY / 100n, SECONDS_PER_YEAR) // 1.05 ray
 */
export function linearInterest(rate: bigint, elapsedSeconds: bigint): bigint {
  return RAY + (rate * elapsedSeconds) / SECONDS_PER_YEAR;
}

/**
 * Aave v3 MathUtils.calculateCompoundedInterest: the three-term binomial approximation of
 * `(1 + rate / year) ^ dt`; the variable borrow index grows by this.
 */
export function compoundedInterest(rate: bigint, elapsedSeconds: bigint): bigint {
  const exp = elapsedSeconds;
  if (exp === 0n) return RAY;
  const expMinusOne = exp - 1n;
  const expMinusTwo = exp > 2n ? exp - 2n : 0n;
  const basePowerTwo = rayMul(rate, rate) / (SECONDS_PER_YEAR * SECONDS_PER_YEAR);
  const basePowerThree = rayMul(basePowerTwo, rate) / SECONDS_PER_YEAR;
  const secondTerm = (exp * expMinusOne * basePowerTwo) / 2n;
  const thirdTerm = (exp * expMinusOne * expMinusTwo * basePowerThree) / 6n;
  return RAY + (rate * exp) / SECONDS_PER_YEAR + secondTerm + thirdTerm;
}

/** A reserve's stored indexes and rates, as `LendingPool.getReserveData` returns them. */
export type ReserveIndexState = {
  liquidityIndex: bigint;
  variableBorrowIndex: bigint;
  currentLiquidityRate: bigint;
  currentVariableBorrowRate: bigint;
  lastUpdateTimestamp: bigint;
};

/**
 * Aave v3 ReserveLogic.getNormalizedIncome: the liquidity index as of `timestamp`
 * (collateral in token units = `rayMul(scaledCollateral, normalizedIncome)`).
 */
export function normalizedIncome(reserve: ReserveIndexState, timestamp: bigint): bigint {
  if (timestamp === reserve.lastUpdateTimestamp) return reserve.liquidityIndex;
  return rayMul(
    linearInterest(reserve.currentLiquidityRate, timestamp - reserve.lastUpdateTimestamp),
    reserve.liquidityIndex,
  );
}

/**
 * Aave v3 ReserveLogic.getNormalizedDebt: the variable borrow index as of `timestamp`
 * (debt in token units = `rayMul(scaledDebt, normalizedDebt)`).
 */
export function normalizedDebt(reserve: ReserveIndexState, timestamp: bigint): bigint {
  if (timestamp === reserve.lastUpdateTimestamp) return reserve.variableBorrowIndex;
  return rayMul(
    compoundedInterest(reserve.currentVariableBorrowRate, timestamp - reserve.lastUpdateTimestamp),
    reserve.variableBorrowIndex,
  );
}
