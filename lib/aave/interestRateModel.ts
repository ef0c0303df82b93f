import { RAY, rayDiv, rayMul } from "./wadRayMath.js";

/** LendingPool's two-slope model (Aave's DefaultReserveInterestRateStrategy), rays per year. */
export const LENDING_POOL_RATE_MODEL = {
  optimalUsageRatio: (80n * RAY) / 100n,
  baseVariableBorrowRate: (2n * RAY) / 100n,
  variableRateSlope1: (8n * RAY) / 100n,
  variableRateSlope2: RAY,
} as const;

export type RateModel = { [K in keyof typeof LENDING_POOL_RATE_MODEL]: bigint };

/**
 * Aave v3 DefaultReserveInterestRateStrategy.calculateInterestRates for variable debt only, reserve factor 0:
 * usage `U = debt / (liquidity + debt)`; the borrow rate rises by slope1 up to the optimal usage, by slope2
 * beyond; the liquidity rate is `borrowRate * U`.
 *
 * @example
 * interestRates({ availableLiquidity: 500n, totalDebt: 500n }).variableBorrowRate // 0.07 ray
 */
export function interestRates(
  state: { availableLiquidity: bigint; totalDebt: bigint },
  model: RateModel = LENDING_POOL_RATE_MODEL,
): { liquidityRate: bigint; variableBorrowRate: bigint } {
  const usage =
    state.totalDebt === 0n ? 0n : rayDiv(state.totalDebt, state.availableLiquidity + state.totalDebt);
  let variableBorrowRate = model.baseVariableBorrowRate;
  if (usage > model.optimalUsageRatio) {
    const excess = rayDiv(usage - model.optimalUsageRatio, RAY - model.optimalUsageRatio);
    variableBorrowRate += model.variableRateSlope1 + rayMul(model.variableRateSlope2, excess);
  } else {
    variableBorrowRate += rayDiv(rayMul(model.variableRateSlope1, usage), model.optimalUsageRatio);
  }
  const liquidityRate = state.totalDebt === 0n ? 0n : rayMul(variableBorrowRate, usage);
  return { liquidityRate, variableBorrowRate };
}
