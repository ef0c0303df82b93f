/** 1e18: the unit of wad numbers (health factors). */
export const WAD = 10n ** 18n;
/** 1e27: the unit of ray numbers (indexes and rates). */
export const RAY = 10n ** 27n;
const HALF_WAD = WAD / 2n;
const HALF_RAY = RAY / 2n;

/**
 * Aave v3 WadRayMath.rayMul: `a * b / RAY`, rounded half up.
 *
 * @example
 * rayMul(scaledBalance, liquidityIndex) // the balance in token units
 */
export function rayMul(a: bigint, b: bigint): bigint {
  return (a * b + HALF_RAY) / RAY;
}

/**
 * Aave v3 WadRayMath.rayDiv: `a * RAY / b`, rounded half up.
 *
 * @example
 * rayDiv(amount, liquidityIndex) // the scaled balance minted for `amount`
 */
export function rayDiv(a: bigint, b: bigint): bigint {
  return (a * RAY + b / 2n) / b;
}

/** Aave v3 WadRayMath.wadMul: `a * b / WAD`, rounded half up. */
export function wadMul(a: bigint, b: bigint): bigint {
  return (a * b + HALF_WAD) / WAD;
}

/**
 * Aave v3 WadRayMath.wadDiv: `a * WAD / b`, rounded half up (the health-factor division).
 *
 * @example
 * wadDiv(150n, 100n) // 1.5e18
 */
export function wadDiv(a: bigint, b: bigint): bigint {
  return (a * WAD + b / 2n) / b;
}
