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

/** Aave v3.5+ WadRayMath.rayMulFloor: `a * b / RAY`, rounded down (aToken balances). */
export function rayMulFloor(a: bigint, b: bigint): bigint {
  return (a * b) / RAY;
}

/** Aave v3.5+ WadRayMath.rayMulCeil: `a * b / RAY`, rounded up (variable debt balances). */
export function rayMulCeil(a: bigint, b: bigint): bigint {
  return ceilDiv(a * b, RAY);
}

/** Aave v3.5+ WadRayMath.rayDivFloor: `a * RAY / b`, rounded down (aToken mint, vToken burn). */
export function rayDivFloor(a: bigint, b: bigint): bigint {
  return (a * RAY) / b;
}

/** Aave v3.5+ WadRayMath.rayDivCeil: `a * RAY / b`, rounded up (aToken burn and transfer, vToken mint). */
export function rayDivCeil(a: bigint, b: bigint): bigint {
  return ceilDiv(a * RAY, b);
}

/**
 * Aave v3.5+ MathUtils.mulDivCeil: `a * b / c`, rounded up (debt valued in base currency).
 *
 * @example
 * mulDivCeil(1n, 1n, 10n) // 1n: any non-zero debt is worth at least one base unit
 */
export function mulDivCeil(a: bigint, b: bigint, c: bigint): bigint {
  return ceilDiv(a * b, c);
}

function ceilDiv(numerator: bigint, denominator: bigint): bigint {
  const quotient = numerator / denominator;
  return numerator % denominator === 0n ? quotient : quotient + 1n;
}
