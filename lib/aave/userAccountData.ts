import { MAX_UINT256, type UserAccountData } from "./accountData.js";
import { compoundedInterest } from "./interest.js";
import type { OraclePrice } from "./oracle.js";
import { percentMul } from "./percentageMath.js";
import { rayMul, wadDiv } from "./wadRayMath.js";

/** A user's stable-rate debt as StableDebtToken stores it. */
export type StableDebtState = {
  /** `super.balanceOf(user)`: principal including interest up to `lastUpdateTimestamp`. */
  principal: bigint;
  /** The user's stable rate (ray), `_userState[user].additionalData`. */
  rate: bigint;
  /** `_timestamps[user]`, unix seconds. */
  lastUpdateTimestamp: bigint;
};

/** One reserve a user supplies to or borrows from, with the reserve's state as of `timestamp`. */
export type AccountReserve = {
  /** For reasons and lookups only. */
  symbol: string;
  decimals: number;
  /** Basis points, the reserve's own (not the eMode category's). */
  ltv: bigint;
  liquidationThreshold: bigint;
  /** The reserve's eMode category id (0 = none). */
  eModeCategory: number;
  /** AaveOracle's answer for the asset. */
  price: OraclePrice;
  scaledATokenBalance: bigint;
  scaledVariableDebt: bigint;
  stableDebt: StableDebtState | null;
  /** The user configuration's collateral bit. */
  usedAsCollateral: boolean;
  /** `getReserveNormalizedIncome` at `timestamp` (ray). */
  normalizedIncome: bigint;
  /** `getReserveNormalizedVariableDebt` at `timestamp` (ray). */
  normalizedDebt: bigint;
};

/** The user's eMode category (v3.0 form: ltv, LT and an optional price source). */
export type AccountEModeCategory = {
  id: number;
  ltv: bigint;
  liquidationThreshold: bigint;
  /** AaveOracle's answer for the category's price source; null when the category has none. */
  priceSource: OraclePrice | null;
};

export type GetUserAccountDataParameters = {
  reserves: readonly AccountReserve[];
  /** The user's category, or null for eMode 0. */
  eMode: AccountEModeCategory | null;
  /** Unix seconds the stable debt is compounded to (the block the account data is computed at). */
  timestamp: bigint;
};

export type PositionStatus = "priced" | "stale" | "unpriced";

export type AccountDataResult = {
  /** The worst status of any price the figures depend on: unpriced > stale > priced. */
  status: PositionStatus;
  /** One line per price that is not `priced`; empty when priced. */
  reasons: string[];
  /**
   * The Pool's tuple. Null when unpriced. When stale, the figures are those the Pool would compute from
   * the last answers, with `healthFactor` kept for information only: see `healthFactor` below.
   */
  data: UserAccountData | null;
  /** `data.healthFactor` when priced; null otherwise: an unknown health is never reported as healthy. */
  healthFactor: bigint | null;
  /** GenericLogic's sixth return value: some collateral has LTV 0 (blocks withdrawals of others). */
  hasZeroLtvCollateral: boolean;
};

/**
 * Aave v3.0 (core-v3 1.19.x) `StableDebtToken.balanceOf` at `timestamp`: the principal compounded at the
 * user's stable rate since the user's last update.
 *
 * @example
 * stableDebtBalance({ principal: 1000n, rate: 0n, lastUpdateTimestamp: 0n }, 100n) // 1000n
 */
export function stableDebtBalance(debt: StableDebtState, timestamp: bigint): bigint {
  if (debt.principal === 0n) return 0n;
  return rayMul(debt.principal, compoundedInterest(debt.rate, timestamp - debt.lastUpdateTimestamp));
}

const RANK: Record<PositionStatus, number> = { priced: 0, stale: 1, unpriced: 2 };

/**
 * `IPool.getUserAccountData` of Aave v3.0 (GenericLogic.calculateUserAccountData followed by
 * calculateAvailableBorrows), to the wei, from indexed state:
 * - a reserve counts as collateral only with the collateral bit set and a liquidation threshold != 0;
 *   its LTV/LT are the eMode category's when the reserve is in the user's category (LTV 0 stays 0 and
 *   sets `hasZeroLtvCollateral`);
 * - a reserve in the user's category is priced by the category's price source when it has one,
 *   otherwise by AaveOracle's answer for the asset;
 * - each reserve's value is floored (`amount * price / 10^decimals`) before summing; the average LTV and
 *   LT are floor divisions; `HF = percentMul(collateral, avgLT) wadDiv debt`, uint256 max without debt;
 * - debt is the variable debt (`rayMul(scaled, normalizedDebt)`) plus the stable balance compounded to
 *   `timestamp`.
 * A price the figures depend on that is missing, non-positive or stale makes the result unpriced or
 * stale, with the reasons, and a null health factor.
 *
 * @example
 * const r = getUserAccountData({ reserves, eMode: null, timestamp: 1_700_000_000n });
 * if (r.status === "priced") r.healthFactor; // wad
 */
export function getUserAccountData(params: GetUserAccountDataParameters): AccountDataResult {
  const { eMode } = params;
  let status = "priced" as PositionStatus;
  const reasons: string[] = [];
  const note = (price: OraclePrice) => {
    if (price.status === "priced") return;
    if (RANK[price.status] > RANK[status]) status = price.status;
    if (!reasons.includes(price.reason)) reasons.push(price.reason);
  };

  let totalCollateralBase = 0n;
  let totalDebtBase = 0n;
  let avgLtv = 0n;
  let avgLiquidationThreshold = 0n;
  let hasZeroLtvCollateral = false;

  for (const reserve of params.reserves) {
    const inEMode = eMode !== null && eMode.id !== 0 && reserve.eModeCategory === eMode.id;
    const isCollateral = reserve.usedAsCollateral && reserve.liquidationThreshold !== 0n;
    const variableDebt =
      reserve.scaledVariableDebt === 0n ? 0n : rayMul(reserve.scaledVariableDebt, reserve.normalizedDebt);
    const stableDebt = reserve.stableDebt ? stableDebtBalance(reserve.stableDebt, params.timestamp) : 0n;
    const debt = variableDebt + stableDebt;
    // Zero balances contribute zero whatever the price, so a missing price there changes nothing.
    const collateralMatters = isCollateral && reserve.scaledATokenBalance !== 0n;
    if (!collateralMatters && debt === 0n) {
      if (isCollateral && reserve.ltv === 0n) hasZeroLtvCollateral = true;
      continue;
    }
    // GenericLogic: a category with a price source prices every reserve of the category for its
    // users. AaveOracle answers that source like any asset (a non-positive answer goes to the fallback
    // oracle, which reverts when there is none), so an unpriced category source leaves them unpriced.
    const price = inEMode && eMode.priceSource !== null ? eMode.priceSource : reserve.price;
    note(price);
    const assetPrice = price.status === "unpriced" ? 0n : price.price;
    const unit = 10n ** BigInt(reserve.decimals);

    if (isCollateral) {
      const balance = rayMul(reserve.scaledATokenBalance, reserve.normalizedIncome);
      const value = (balance * assetPrice) / unit;
      totalCollateralBase += value;
      if (reserve.ltv !== 0n) avgLtv += value * (inEMode ? eMode.ltv : reserve.ltv);
      else hasZeroLtvCollateral = true;
      avgLiquidationThreshold +=
        value * (inEMode ? eMode.liquidationThreshold : reserve.liquidationThreshold);
    }
    if (debt !== 0n) totalDebtBase += (debt * assetPrice) / unit;
  }

  if (status === "unpriced") {
    return { status, reasons, data: null, healthFactor: null, hasZeroLtvCollateral };
  }
  const ltv = totalCollateralBase === 0n ? 0n : avgLtv / totalCollateralBase;
  const currentLiquidationThreshold =
    totalCollateralBase === 0n ? 0n : avgLiquidationThreshold / totalCollateralBase;
  const healthFactor =
    totalDebtBase === 0n
      ? MAX_UINT256
      : wadDiv(percentMul(totalCollateralBase, currentLiquidationThreshold), totalDebtBase);
  const borrowable = percentMul(totalCollateralBase, ltv);
  const data: UserAccountData = {
    totalCollateralBase,
    totalDebtBase,
    availableBorrowsBase: borrowable < totalDebtBase ? 0n : borrowable - totalDebtBase,
    currentLiquidationThreshold,
    ltv,
    healthFactor,
  };
  return {
    status,
    reasons,
    data,
    healthFactor: status === "priced" ? healthFactor : null,
    hasZeroLtvCollateral,
  };
}
