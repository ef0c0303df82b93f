import type { UserAccountData } from "./accountData.js";
import { compoundedInterest } from "./interest.js";
import type { OraclePrice } from "./oracle.js";
import {
  type AaveRules,
  aaveRules,
  accountFigures,
  aTokenBalance,
  collateralInBase,
  debtInBase,
  eModePriceSourceApplies,
  isEModeCollateral,
  variableDebtBalance,
} from "./revisions.js";
import { rayMul } from "./wadRayMath.js";

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
  /** The reserve's eMode category id (0 = none): the v3.0-v3.1 form. */
  eModeCategory: number;
  /** The reserve's id in the Pool's reserves list: needed from v3.2 (eMode collateral bitmaps). */
  id?: number;
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

/** The user's eMode category: ltv and LT, plus a price source (v3.0-v3.1) or a collateral bitmap (v3.2+). */
export type AccountEModeCategory = {
  id: number;
  ltv: bigint;
  liquidationThreshold: bigint;
  /** AaveOracle's answer for the category's price source; null when the category has none (v3.0-v3.1). */
  priceSource: OraclePrice | null;
  /** v3.2+: bit i set = reserve id i takes the category's LTV/LT. */
  collateralBitmap?: bigint;
};

export type GetUserAccountDataParameters = {
  reserves: readonly AccountReserve[];
  /** The user's category, or null for eMode 0. */
  eMode: AccountEModeCategory | null;
  /** Unix seconds the stable debt is compounded to (the block the account data is computed at). */
  timestamp: bigint;
  /** The Pool revision's rules (lib/aave/revisions.ts); default v3.0 (Pool revision 1). */
  rules?: AaveRules;
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
 * `IPool.getUserAccountData` (GenericLogic.calculateUserAccountData followed by
 * calculateAvailableBorrows), to the wei, from indexed state, under the Pool revision's `rules`
 * (default v3.0):
 * - a reserve counts as collateral only with the collateral bit set and a liquidation threshold != 0;
 *   its LTV/LT are the eMode category's when it is eMode collateral for the user (v3.0-v3.1: the
 *   reserve's category is the user's; v3.2+: its bit is set in the category's collateral bitmap). LTV 0
 *   stays 0 and sets `hasZeroLtvCollateral`;
 * - v3.0-v3.1: a reserve in the user's category is priced by the category's price source when it has
 *   one, otherwise by AaveOracle's answer for the asset (v3.2 removed the category price source);
 * - balances from scaled balances and indexes: half up before v3.5; from v3.5 aTokens floor and debt
 *   ceils; collateral is floored into base currency, debt floored before v3.5 and ceiled from v3.5;
 * - the average LTV and LT are floor divisions; `HF = percentMul(collateral, avgLT) wadDiv debt` before
 *   v3.5, `(sum value_i * LT_i) wadDiv debt / 10000` from v3.5; uint256 max without debt;
 * - debt is the variable debt plus the stable balance compounded to `timestamp`.
 * A price the figures depend on that is missing, non-positive or stale makes the result unpriced or
 * stale, with the reasons, and a null health factor.
 *
 * @example
 * const r = getUserAccountData({ reserves, eMode: null, timestamp: 1_700_000_000n, rules: aaveRules(9) });
 * if (r.status === "priced") r.healthFactor; // wad
 */
export function getUserAccountData(params: GetUserAccountDataParameters): AccountDataResult {
  const { eMode } = params;
  const rules = params.rules ?? aaveRules(1);
  let status = "priced" as PositionStatus;
  const reasons: string[] = [];
  const note = (price: OraclePrice) => {
    if (price.status === "priced") return;
    if (RANK[price.status] > RANK[status]) status = price.status;
    if (!reasons.includes(price.reason)) reasons.push(price.reason);
  };

  let totalCollateralBase = 0n;
  let totalDebtBase = 0n;
  let weightedLtvSum = 0n;
  let weightedThresholdSum = 0n;
  let hasZeroLtvCollateral = false;

  for (const reserve of params.reserves) {
    const isCollateral = reserve.usedAsCollateral && reserve.liquidationThreshold !== 0n;
    const inEMode =
      eMode !== null &&
      isCollateral &&
      isEModeCollateral(rules, {
        userCategory: eMode.id,
        reserveCategory: reserve.eModeCategory,
        collateralBitmap: eMode.collateralBitmap,
        reserveId: reserve.id,
      });
    const variableDebt =
      reserve.scaledVariableDebt === 0n
        ? 0n
        : variableDebtBalance(rules, reserve.scaledVariableDebt, reserve.normalizedDebt);
    const stableDebt = reserve.stableDebt ? stableDebtBalance(reserve.stableDebt, params.timestamp) : 0n;
    const debt = variableDebt + stableDebt;
    // Zero balances contribute zero whatever the price, so a missing price there changes nothing.
    const collateralMatters = isCollateral && reserve.scaledATokenBalance !== 0n;
    if (!collateralMatters && debt === 0n) {
      if (isCollateral && reserve.ltv === 0n) hasZeroLtvCollateral = true;
      continue;
    }
    // v3.0-v3.1 GenericLogic: a category with a price source prices every reserve of the category for
    // its users (collateral and debt alike). AaveOracle answers that source like any asset (a
    // non-positive answer goes to the fallback oracle, which reverts when there is none), so an unpriced
    // category source leaves them unpriced.
    const inCategory =
      eMode !== null &&
      eMode.id !== 0 &&
      eModePriceSourceApplies(rules) &&
      reserve.eModeCategory === eMode.id;
    const price = inCategory && eMode.priceSource !== null ? eMode.priceSource : reserve.price;
    note(price);
    const assetPrice = price.status === "unpriced" ? 0n : price.price;

    if (isCollateral) {
      const balance = aTokenBalance(rules, reserve.scaledATokenBalance, reserve.normalizedIncome);
      const value = collateralInBase(balance, assetPrice, reserve.decimals);
      totalCollateralBase += value;
      if (reserve.ltv !== 0n) weightedLtvSum += value * (inEMode ? eMode.ltv : reserve.ltv);
      else hasZeroLtvCollateral = true;
      weightedThresholdSum += value * (inEMode ? eMode.liquidationThreshold : reserve.liquidationThreshold);
    }
    if (debt !== 0n) totalDebtBase += debtInBase(rules, debt, assetPrice, reserve.decimals);
  }

  if (status === "unpriced") {
    return { status, reasons, data: null, healthFactor: null, hasZeroLtvCollateral };
  }
  const figures = accountFigures(rules, {
    totalCollateralBase,
    totalDebtBase,
    weightedLtvSum,
    weightedThresholdSum,
  });
  const data: UserAccountData = {
    totalCollateralBase,
    totalDebtBase,
    availableBorrowsBase: figures.availableBorrowsBase,
    currentLiquidationThreshold: figures.currentLiquidationThreshold,
    ltv: figures.ltv,
    healthFactor: figures.healthFactor,
  };
  return {
    status,
    reasons,
    data,
    healthFactor: status === "priced" ? figures.healthFactor : null,
    hasZeroLtvCollateral,
  };
}
