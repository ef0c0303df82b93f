import { percentMul } from "./percentageMath.js";
import { rayMul, WAD, wadDiv } from "./wadRayMath.js";

/** Below this health factor (1.0 in wad) a position can be liquidated. */
export const HEALTH_FACTOR_LIQUIDATION_THRESHOLD = WAD;
/** The health factor of a position without debt. */
export const MAX_UINT256 = 2n ** 256n - 1n;

/** One reserve of one user, with the reserve's configuration and indexes as of the moment computed. */
export type UserReservePosition = {
  scaledCollateral: bigint;
  scaledDebt: bigint;
  usedAsCollateral: boolean;
  /** Liquidity index (ray) as of now: `getReserveNormalizedIncome`. */
  normalizedIncome: bigint;
  /** Variable borrow index (ray) as of now: `getReserveNormalizedVariableDebt`. */
  normalizedDebt: bigint;
  /** Feed answer, 8 decimals, USD. */
  price: bigint;
  decimals: number;
  /** Basis points. */
  ltv: bigint;
  /** Basis points. */
  liquidationThreshold: bigint;
};

/** The tuple of Aave v3 `IPool.getUserAccountData`, base currency USD with 8 decimals. */
export type UserAccountData = {
  totalCollateralBase: bigint;
  totalDebtBase: bigint;
  availableBorrowsBase: bigint;
  currentLiquidationThreshold: bigint;
  ltv: bigint;
  healthFactor: bigint;
};

/**
 * Aave v3 GenericLogic.calculateUserAccountData plus calculateAvailableBorrows (no eMode): value-weighted
 * ltv and liquidation threshold, and `HF = percentMul(collateral, avgLT) wadDiv debt` (max when no debt).
 * Integer rounding is the chain's, so results equal `LendingPool.getUserAccountData` exactly.
 *
 * @example
 * const data = calculateUserAccountData([{ scaledCollateral: 10n ** 18n, scaledDebt: 0n, usedAsCollateral: true,
 *   normalizedIncome: RAY, normalizedDebt: RAY, price: 2000_00000000n, decimals: 18, ltv: 8000n,
 *   liquidationThreshold: 8250n }]);
 * data.totalCollateralBase // 2000_00000000n
 */
export function calculateUserAccountData(positions: readonly UserReservePosition[]): UserAccountData {
  let totalCollateralBase = 0n;
  let totalDebtBase = 0n;
  let weightedLtv = 0n;
  let weightedThreshold = 0n;
  for (const position of positions) {
    const unit = 10n ** BigInt(position.decimals);
    const isCollateral = position.usedAsCollateral && position.scaledCollateral !== 0n;
    if (isCollateral && position.liquidationThreshold !== 0n) {
      const value = (rayMul(position.scaledCollateral, position.normalizedIncome) * position.price) / unit;
      totalCollateralBase += value;
      weightedLtv += value * position.ltv;
      weightedThreshold += value * position.liquidationThreshold;
    }
    if (position.scaledDebt !== 0n) {
      totalDebtBase += (rayMul(position.scaledDebt, position.normalizedDebt) * position.price) / unit;
    }
  }
  const ltv = totalCollateralBase === 0n ? 0n : weightedLtv / totalCollateralBase;
  const currentLiquidationThreshold =
    totalCollateralBase === 0n ? 0n : weightedThreshold / totalCollateralBase;
  const healthFactor =
    totalDebtBase === 0n
      ? MAX_UINT256
      : wadDiv(percentMul(totalCollateralBase, currentLiquidationThreshold), totalDebtBase);
  const borrowable = percentMul(totalCollateralBase, ltv);
  const availableBorrowsBase = borrowable > totalDebtBase ? borrowable - totalDebtBase : 0n;
  return {
    totalCollateralBase,
    totalDebtBase,
    availableBorrowsBase,
    currentLiquidationThreshold,
    ltv,
    healthFactor,
  };
}
