/**
 * Uniswap v3's 256-bit integer helpers (FullMath, UnsafeMath) in bigint. bigint never overflows, so a
 * full-precision `mulDiv` is plain multiplication and division; callers that depend on the contracts'
 * uint256 overflow branches check `MAX_UINT256` themselves.
 */

export const Q96 = 2n ** 96n;
export const Q128 = 2n ** 128n;
export const MAX_UINT256 = 2n ** 256n - 1n;
export const MAX_UINT160 = 2n ** 160n - 1n;

export const mulDiv = (a: bigint, b: bigint, denominator: bigint): bigint => (a * b) / denominator;

export function mulDivRoundingUp(a: bigint, b: bigint, denominator: bigint): bigint {
  const product = a * b;
  const result = product / denominator;
  return product % denominator === 0n ? result : result + 1n;
}

export const divRoundingUp = (x: bigint, y: bigint): bigint => (x % y === 0n ? x / y : x / y + 1n);
