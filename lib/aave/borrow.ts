import type { UserAccountData } from "./accountData.js";
import { HEALTH_FACTOR_LIQUIDATION_THRESHOLD } from "./accountData.js";
import { percentDiv } from "./percentageMath.js";

/** Why ValidationLogic.validateBorrow would reject a borrow, or `undefined` when it passes. */
export type BorrowRejection =
  | "CollateralBalanceIsZero"
  | "LtvValidationFailed"
  | "HealthFactorLowerThanLiquidationThreshold"
  | "CollateralCannotCoverNewBorrow";

/**
 * Aave v3 ValidationLogic.validateBorrow's collateral checks, on the account data before the borrow:
 * `(debt + amount * price / unit) percentDiv ltv <= collateral`. The names match LendingPool's errors.
 *
 * @example
 * borrowRejection(accountData, { amount: 1_000_000n, price: 1_00000000n, decimals: 6 }) // undefined = allowed
 */
export function borrowRejection(
  account: UserAccountData,
  borrow: { amount: bigint; price: bigint; decimals: number },
): BorrowRejection | undefined {
  if (account.totalCollateralBase === 0n) return "CollateralBalanceIsZero";
  if (account.ltv === 0n) return "LtvValidationFailed";
  if (account.healthFactor <= HEALTH_FACTOR_LIQUIDATION_THRESHOLD)
    return "HealthFactorLowerThanLiquidationThreshold";
  const amountInBase = (borrow.price * borrow.amount) / 10n ** BigInt(borrow.decimals);
  const collateralNeeded = percentDiv(account.totalDebtBase + amountInBase, account.ltv);
  return collateralNeeded > account.totalCollateralBase ? "CollateralCannotCoverNewBorrow" : undefined;
}
