import { MAX_UINT256 } from "./fullMath.js";

/**
 * Uniswap v3's TickMath in bigint: the sqrt price (Q64.96) at a tick is sqrt(1.0001^tick), computed as
 * the pool does, from a product of precomputed factors 1/sqrt(1.0001^(2^i)) in Q128, so results equal the
 * pool's to the wei (test/contracts/uniswap.swap.property.test.ts checks both directions on chain).
 */

export const MIN_TICK = -887272;
export const MAX_TICK = 887272;
export const MIN_SQRT_RATIO = 4295128739n;
export const MAX_SQRT_RATIO = 1461446703485210103287273052203988822378723970342n;

/**
 * The factors round(2^128 / sqrt(1.0001^(2^i))), i = 0..19, derived here rather than written out: powers
 * of 1.0001 by repeated squaring in 600-bit fixed point (error far below the last Q128 bit), then a
 * rounded integer square root and division.
 */
const FACTORS: bigint[] = (() => {
  const precision = 600n;
  const one = 1n << precision;
  const factors: bigint[] = [];
  let power = (10001n * one) / 10000n; // 1.0001^(2^0)
  for (let i = 0; i < 20; i++) {
    const root = isqrt(power << precision); // sqrt(power) in the same fixed point
    const numerator = 1n << (128n + precision);
    factors.push((2n * numerator + root) / (2n * root)); // numerator / root, rounded to nearest
    power = (power * power) >> precision;
  }
  return factors;
})();

function isqrt(value: bigint): bigint {
  if (value < 2n) return value;
  let x = 1n << (BigInt(value.toString(2).length) / 2n + 1n);
  for (;;) {
    const y = (x + value / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

export class TickOutOfRangeError extends RangeError {}

/** sqrt(1.0001^tick) as Q64.96, rounded up as the pool rounds it. */
export function getSqrtRatioAtTick(tick: number): bigint {
  if (!Number.isInteger(tick) || tick < MIN_TICK || tick > MAX_TICK) {
    throw new TickOutOfRangeError(`tick ${tick} is outside [${MIN_TICK}, ${MAX_TICK}]`);
  }
  const absTick = Math.abs(tick);
  let ratio = absTick & 1 ? FACTORS[0]! : 1n << 128n;
  for (let i = 1; i < 20; i++) {
    if (absTick & (1 << i)) ratio = (ratio * FACTORS[i]!) >> 128n;
  }
  if (tick > 0) ratio = MAX_UINT256 / ratio;
  // Q128.128 to Q64.96, rounding up so that getTickAtSqrtRatio(getSqrtRatioAtTick(t)) = t.
  return (ratio >> 32n) + (ratio % (1n << 32n) === 0n ? 0n : 1n);
}

/** The greatest tick whose sqrt ratio is at most `sqrtPriceX96` (the pool's getTickAtSqrtRatio). */
export function getTickAtSqrtRatio(sqrtPriceX96: bigint): number {
  if (sqrtPriceX96 < MIN_SQRT_RATIO || sqrtPriceX96 >= MAX_SQRT_RATIO) {
    throw new TickOutOfRangeError(`sqrt price ${sqrtPriceX96} is outside [MIN_SQRT_RATIO, MAX_SQRT_RATIO)`);
  }
  let low = MIN_TICK;
  let high = MAX_TICK;
  while (low < high) {
    const mid = Math.floor((low + high + 1) / 2);
    if (getSqrtRatioAtTick(mid) <= sqrtPriceX96) low = mid;
    else high = mid - 1;
  }
  return low;
}
