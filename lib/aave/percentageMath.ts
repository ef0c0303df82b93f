/** 100.00% in Aave's basis-point percentages (ltv, liquidation threshold, bonus, close factor). */
export const PERCENTAGE_FACTOR = 10_000n;
const HALF_PERCENTAGE_FACTOR = PERCENTAGE_FACTOR / 2n;

/**
 * Aave v3 PercentageMath.percentMul: `value * percentage / 10000`, rounded half up.
 *
 * @example
 * percentMul(1000n, 8250n) // 825n (82.5%)
 */
export function percentMul(value: bigint, percentage: bigint): bigint {
  return (value * percentage + HALF_PERCENTAGE_FACTOR) / PERCENTAGE_FACTOR;
}

/**
 * Aave v3 PercentageMath.percentDiv: `value * 10000 / percentage`, rounded half up.
 *
 * @example
 * percentDiv(825n, 8250n) // 1000n
 */
export function percentDiv(value: bigint, percentage: bigint): bigint {
  return (value * PERCENTAGE_FACTOR + percentage / 2n) / percentage;
}

/** Aave v3.5+ PercentageMath.percentMulFloor: `value * percentage / 10000`, rounded down (available borrows). */
export function percentMulFloor(value: bigint, percentage: bigint): bigint {
  return (value * percentage) / PERCENTAGE_FACTOR;
}

/** Aave v3.5+ PercentageMath.percentDivCeil: `value * 10000 / percentage`, rounded up (debt a seizure covers). */
export function percentDivCeil(value: bigint, percentage: bigint): bigint {
  const scaled = value * PERCENTAGE_FACTOR;
  return scaled % percentage === 0n ? scaled / percentage : scaled / percentage + 1n;
}
