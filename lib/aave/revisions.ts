/*
 * The Aave v3 rules that change numbers, per Pool revision (`POOL_REVISION`, what `getRevision` of the
 * Pool implementation returns). Read from aave-dao/aave-v3-origin's tags (PoolInstance.sol,
 * GenericLogic.sol, LiquidationLogic.sol, TokenMath.sol, WadRayMath.sol and docs/3.x), and for revision 1
 * from @aave/core-v3 1.19.3 (Pool.sol). This module is this project's own statement of those rules; the
 * numbers in test/lib/aaveRevisions.test.ts are computed by hand from them.
 *
 * Revision -> release: 1 = v3.0 (core-v3 1.19.x); 4 = v3.1.0; 5 = v3.2.0; 6 = v3.2.1; 7 = v3.3.0;
 * 8 = v3.4.0; 9 = v3.5.0. Revisions 2 and 3 (the v3.0.1 / v3.0.2 upgrades, outside aave-v3-origin) and
 * 10 (v3.6.0), 11 (v3.7) and later are answered "unsupported": their rules were not read here.
 *
 * The number-changing rules by release: v3.2 eMode bitmaps; v3.3 close factor by position size, dust and
 * deficit; v3.4 compounded interest computed multiply-first; v3.5 rounding in the protocol's favour.
 */

import { compoundedInterest, type ReserveIndexState, SECONDS_PER_YEAR } from "./interest.js";
import {
  CLOSE_FACTOR_HF_THRESHOLD,
  DEFAULT_LIQUIDATION_CLOSE_FACTOR,
  MAX_LIQUIDATION_CLOSE_FACTOR,
} from "./liquidation.js";
import {
  PERCENTAGE_FACTOR,
  percentDiv,
  percentDivCeil,
  percentMul,
  percentMulFloor,
} from "./percentageMath.js";
import {
  mulDivCeil,
  RAY,
  rayDiv,
  rayDivCeil,
  rayDivFloor,
  rayMul,
  rayMulCeil,
  rayMulFloor,
  wadDiv,
} from "./wadRayMath.js";

export type AaveRulesName = "v3.0" | "v3.1" | "v3.2" | "v3.3" | "v3.4" | "v3.5";

/** The number-changing rules of one Aave v3 release. */
export type AaveRules = {
  name: AaveRulesName;
  /** Where the rules were read (package or aave-v3-origin tag). */
  source: string;
  /**
   * "reserve-category" (v3.0-v3.1): each reserve belongs to at most one eMode category (reserve
   * configuration), and a category may carry a price source that prices its reserves for its users.
   * "bitmaps" (v3.2+, GenericLogic/EModeConfiguration): a category lists its collateral and borrowable
   * reserves in bitmaps (bit = reserve id); eMode LTV/LT/LB apply only to reserves in the collateral
   * bitmap, other collateral keeps its own; the eMode price source is gone.
   */
  eModeForm: "reserve-category" | "bitmaps";
  /**
   * "reserve-debt" (v3.0-v3.2): a liquidation repays at most 50% of the borrower's debt in that reserve,
   * 100% once HF <= 0.95. "position-size" (v3.3+, LiquidationLogic): 100% of the reserve's debt, except
   * that when HF > 0.95 and both the reserve's debt and the collateral's value are at least
   * MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD, the repayment is capped at 50% of the position's total debt.
   */
  closeFactor: "reserve-debt" | "position-size";
  /**
   * v3.3+: a liquidation that leaves the borrower's collateral (in base currency) at zero burns every
   * remaining debt and books it as the reserves' deficit; a partial liquidation may not leave less than
   * MIN_LEFTOVER_BASE of debt or collateral (MUST_NOT_LEAVE_DUST).
   */
  deficitAndDust: boolean;
  /**
   * "half-up" (v3.0-v3.4): every ray conversion of scaled balances rounds half up, debt is floored into
   * base currency, `HF = percentMul(collateral, avgLT) wadDiv debt`. "directional" (v3.5+, TokenMath):
   * in the protocol's favour: aToken balance and mint floor, aToken burn and transfer ceil, vToken
   * balance and mint ceil, vToken burn floor; debt is valued in base currency rounding up;
   * `HF = (sum value_i * LT_i) wadDiv debt / 10000`; available borrows use percentMulFloor.
   */
  rounding: "half-up" | "directional";
  /**
   * MathUtils.calculateCompoundedInterest, the variable borrow index's growth (the same three-term
   * approximation of e^x in every revision): "divide-first" (v3.0-v3.3) divides the rate powers by the
   * year before multiplying by the elapsed seconds; "multiply-first" (v3.4+) takes
   * `x = rate * dt / year` and returns `RAY + x + x rayMul (x / 2 + x rayMul (x / 6))`.
   */
  interestRounding: "divide-first" | "multiply-first";
};

/** v3.3+ LiquidationLogic: 2000 in base-currency units (8 decimals): below it a 100% close factor applies. */
export const MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD = 2000n * 10n ** 8n;
/** v3.3+ LiquidationLogic: half the threshold: what a partial liquidation must leave of debt and collateral. */
export const MIN_LEFTOVER_BASE = MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD / 2n;

const V3_0: AaveRules = {
  name: "v3.0",
  source: "@aave/core-v3 1.19.3 (Pool.sol POOL_REVISION 0x1)",
  eModeForm: "reserve-category",
  closeFactor: "reserve-debt",
  deficitAndDust: false,
  rounding: "half-up",
  interestRounding: "divide-first",
};
const V3_1: AaveRules = {
  ...V3_0,
  name: "v3.1",
  source: "aave-v3-origin v3.1.0 (PoolInstance POOL_REVISION 4)",
};
const V3_2: AaveRules = {
  ...V3_1,
  name: "v3.2",
  source: "aave-v3-origin v3.2.0 / v3.2.1 (PoolInstance POOL_REVISION 5 / 6)",
  eModeForm: "bitmaps",
};
const V3_3: AaveRules = {
  ...V3_2,
  name: "v3.3",
  source: "aave-v3-origin v3.3.0 (PoolInstance POOL_REVISION 7)",
  closeFactor: "position-size",
  deficitAndDust: true,
};
const V3_4: AaveRules = {
  ...V3_3,
  name: "v3.4",
  source: "aave-v3-origin v3.4.0 (PoolInstance POOL_REVISION 8)",
  interestRounding: "multiply-first",
};
const V3_5: AaveRules = {
  ...V3_4,
  name: "v3.5",
  source: "aave-v3-origin v3.5.0 (PoolInstance POOL_REVISION 9)",
  rounding: "directional",
};

const RULES_BY_POOL_REVISION = new Map<number, AaveRules>([
  [1, V3_0],
  [4, V3_1],
  [5, V3_2],
  [6, V3_2],
  [7, V3_3],
  [8, V3_4],
  [9, V3_5],
]);

/** The Pool revisions {@link aaveRevision} answers with a rule set, ascending. */
export const SUPPORTED_AAVE_POOL_REVISIONS: readonly number[] = [...RULES_BY_POOL_REVISION.keys()];

/**
 * The rules of a supported revision, or why a revision is not supported (never a silent v3.0). An
 * unsupported answer names `closest`: the rules of the nearest supported revision below it (v3.0 when
 * the revision is unread), which a caller that must produce figures applies and reports as such.
 */
export type AaveRevision =
  | { supported: true; poolRevision: number; rules: AaveRules }
  | { supported: false; poolRevision: number | null; reason: string; closest: AaveRules };

/**
 * The rule set of a Pool revision. An unknown or unread revision is an explicit "unsupported" answer.
 *
 * @example
 * aaveRevision(7) // { supported: true, poolRevision: 7, rules: { name: "v3.3", ... } }
 * aaveRevision(10) // { supported: false, reason: "Pool revision 10 is not ...", closest: { name: "v3.5", ... } }
 */
export function aaveRevision(poolRevision: number | null): AaveRevision {
  if (poolRevision === null)
    return { supported: false, poolRevision, reason: "the Pool revision has not been read", closest: V3_0 };
  const rules = RULES_BY_POOL_REVISION.get(poolRevision);
  if (rules) return { supported: true, poolRevision, rules };
  const below = SUPPORTED_AAVE_POOL_REVISIONS.filter((r) => r < poolRevision);
  return {
    supported: false,
    poolRevision,
    reason: `Pool revision ${poolRevision} is not one this engine implements (${SUPPORTED_AAVE_POOL_REVISIONS.join(", ")}: Aave v3.0-v3.5)`,
    closest: below.length === 0 ? V3_0 : RULES_BY_POOL_REVISION.get(below[below.length - 1]!)!,
  };
}

/** The rule set named `name` (what a snapshot records). */
export function aaveRulesByName(name: AaveRulesName): AaveRules {
  return [...RULES_BY_POOL_REVISION.values()].find((r) => r.name === name)!;
}

/** The rules of a supported revision; throws for any other (use {@link aaveRevision} to branch). */
export function aaveRules(poolRevision: number): AaveRules {
  const revision = aaveRevision(poolRevision);
  if (!revision.supported) throw new Error(revision.reason);
  return revision.rules;
}

// --- Scaled balances (ScaledBalanceTokenBase, v3.5+ TokenMath) ---

/** aToken `balanceOf` from the scaled balance: half up before v3.5, floored from v3.5. */
export function aTokenBalance(rules: AaveRules, scaled: bigint, liquidityIndex: bigint): bigint {
  return rules.rounding === "directional"
    ? rayMulFloor(scaled, liquidityIndex)
    : rayMul(scaled, liquidityIndex);
}

/** Variable debt `balanceOf` from the scaled balance: half up before v3.5, ceiled from v3.5. */
export function variableDebtBalance(rules: AaveRules, scaled: bigint, borrowIndex: bigint): bigint {
  return rules.rounding === "directional" ? rayMulCeil(scaled, borrowIndex) : rayMul(scaled, borrowIndex);
}

/** Scaled aTokens minted by `supply(amount)`: half up before v3.5, floored from v3.5. */
export function aTokenMintScaled(rules: AaveRules, amount: bigint, liquidityIndex: bigint): bigint {
  return rules.rounding === "directional"
    ? rayDivFloor(amount, liquidityIndex)
    : rayDiv(amount, liquidityIndex);
}

/** Scaled aTokens burned by `withdraw(amount)` or moved by a transfer: half up before v3.5, ceiled from v3.5. */
export function aTokenBurnScaled(rules: AaveRules, amount: bigint, liquidityIndex: bigint): bigint {
  return rules.rounding === "directional"
    ? rayDivCeil(amount, liquidityIndex)
    : rayDiv(amount, liquidityIndex);
}

/** Scaled variable debt minted by `borrow(amount)`: half up before v3.5, ceiled from v3.5. */
export function variableDebtMintScaled(rules: AaveRules, amount: bigint, borrowIndex: bigint): bigint {
  return rules.rounding === "directional" ? rayDivCeil(amount, borrowIndex) : rayDiv(amount, borrowIndex);
}

/** Scaled variable debt burned by `repay(amount)` or a liquidation: half up before v3.5, floored from v3.5. */
export function variableDebtBurnScaled(rules: AaveRules, amount: bigint, borrowIndex: bigint): bigint {
  return rules.rounding === "directional" ? rayDivFloor(amount, borrowIndex) : rayDiv(amount, borrowIndex);
}

// --- Interest (MathUtils, ReserveLogic) ---

/**
 * The compounded interest factor (ray) over `elapsedSeconds` at `rate` (ray per year), as the
 * revision's MathUtils computes it.
 *
 * @example
 * compoundedInterestFor(aaveRules(8), RAY / 10n, SECONDS_PER_YEAR) // 1.105166666666666666666666667e27
 */
export function compoundedInterestFor(rules: AaveRules, rate: bigint, elapsedSeconds: bigint): bigint {
  if (rules.interestRounding === "divide-first") return compoundedInterest(rate, elapsedSeconds);
  if (elapsedSeconds === 0n) return RAY;
  const x = (rate * elapsedSeconds) / SECONDS_PER_YEAR;
  return RAY + x + rayMul(x, x / 2n + rayMul(x, x / 6n));
}

/** ReserveLogic.getNormalizedDebt at `timestamp` under the revision's compounding. */
export function normalizedDebtFor(rules: AaveRules, reserve: ReserveIndexState, timestamp: bigint): bigint {
  if (timestamp === reserve.lastUpdateTimestamp) return reserve.variableBorrowIndex;
  return rayMul(
    compoundedInterestFor(rules, reserve.currentVariableBorrowRate, timestamp - reserve.lastUpdateTimestamp),
    reserve.variableBorrowIndex,
  );
}

// --- Account data (GenericLogic) ---

/** Collateral in base currency: `amount * price / 10^decimals`, floored in every revision. */
export function collateralInBase(amount: bigint, price: bigint, decimals: number): bigint {
  return (amount * price) / 10n ** BigInt(decimals);
}

/** Debt in base currency: floored before v3.5; from v3.5 rounded up (a non-zero debt is worth >= 1 unit). */
export function debtInBase(rules: AaveRules, amount: bigint, price: bigint, decimals: number): bigint {
  const unit = 10n ** BigInt(decimals);
  return rules.rounding === "directional" ? mulDivCeil(amount, price, unit) : (amount * price) / unit;
}

/** The sums GenericLogic accumulates over a user's reserves (base currency). */
export type AccountSums = {
  totalCollateralBase: bigint;
  /** `sum value_i * LT_i` (base currency times basis points). */
  weightedThresholdSum: bigint;
  /** `sum value_i * LTV_i` over collateral with LTV != 0. */
  weightedLtvSum: bigint;
  totalDebtBase: bigint;
};

/** The uint256 maximum: the health factor of a position without debt. */
const MAX_UINT256 = 2n ** 256n - 1n;

/**
 * Health factor, average LTV/LT and available borrows from the sums. Before v3.5 the average LT is
 * floored first and `HF = percentMul(collateral, avgLT) wadDiv debt`; from v3.5 `HF = (sum value_i *
 * LT_i) wadDiv debt / 10000` (no intermediate rounding) and available borrows use percentMulFloor.
 *
 * @example
 * accountFigures(aaveRules(9), { totalCollateralBase: 3n, weightedThresholdSum: 3n * 8333n,
 *   weightedLtvSum: 0n, totalDebtBase: 2n }).healthFactor // 1.24995e18
 */
export function accountFigures(rules: AaveRules, sums: AccountSums) {
  const { totalCollateralBase, totalDebtBase } = sums;
  const ltv = totalCollateralBase === 0n ? 0n : sums.weightedLtvSum / totalCollateralBase;
  const currentLiquidationThreshold =
    totalCollateralBase === 0n ? 0n : sums.weightedThresholdSum / totalCollateralBase;
  let healthFactor = MAX_UINT256;
  if (totalDebtBase !== 0n) {
    healthFactor =
      rules.rounding === "directional"
        ? wadDiv(sums.weightedThresholdSum, totalDebtBase) / PERCENTAGE_FACTOR
        : wadDiv(percentMul(totalCollateralBase, currentLiquidationThreshold), totalDebtBase);
  }
  const borrowable =
    rules.rounding === "directional"
      ? percentMulFloor(totalCollateralBase, ltv)
      : percentMul(totalCollateralBase, ltv);
  return {
    ltv,
    currentLiquidationThreshold,
    healthFactor,
    availableBorrowsBase: borrowable > totalDebtBase ? borrowable - totalDebtBase : 0n,
  };
}

// --- eMode ---

export type EModeMembership = {
  /** The user's eMode category (0 = none). */
  userCategory: number;
  /** v3.0-v3.1: the reserve's own category from its configuration. */
  reserveCategory?: number;
  /** v3.2+: the user's category's collateral bitmap (bit i = reserve id i). */
  collateralBitmap?: bigint;
  /** v3.2+: the reserve's id (its index in the Pool's reserves list). */
  reserveId?: number;
};

/**
 * Whether the eMode LTV/LT/LB apply to this collateral reserve for this user. v3.0-v3.1: the reserve's
 * category is the user's; v3.2+: the reserve's bit is set in the category's collateral bitmap.
 *
 * @example
 * isEModeCollateral(aaveRules(5), { userCategory: 1, collateralBitmap: 0b101n, reserveId: 2 }) // true
 */
export function isEModeCollateral(rules: AaveRules, m: EModeMembership): boolean {
  if (m.userCategory === 0) return false;
  if (rules.eModeForm === "reserve-category") return m.reserveCategory === m.userCategory;
  if (m.collateralBitmap === undefined || m.reserveId === undefined)
    throw new Error(`Aave ${rules.name} eMode needs the category's collateral bitmap and the reserve id`);
  return ((m.collateralBitmap >> BigInt(m.reserveId)) & 1n) === 1n;
}

/** Whether a category's price source prices its reserves (v3.0-v3.1 only; removed in v3.2). */
export const eModePriceSourceApplies = (rules: AaveRules): boolean => rules.eModeForm === "reserve-category";

// --- Liquidation (LiquidationLogic) ---

export type CloseFactorParameters = {
  /** The borrower's health factor before the liquidation (wad). */
  healthFactor: bigint;
  /** The borrower's debt in the debt reserve, token units. */
  borrowerReserveDebt: bigint;
  /** The borrower's balance of the collateral being seized, token units. */
  borrowerCollateralBalance: bigint;
  /** AaveOracle answers (base-currency units). */
  debtPrice: bigint;
  collateralPrice: bigint;
  debtDecimals: number;
  collateralDecimals: number;
  /** The borrower's whole debt in base currency (GenericLogic's `totalDebtInBaseCurrency`). */
  totalDebtBase: bigint;
};

/**
 * The most debt one liquidation may repay in the debt reserve (before the collateral cap).
 * v3.0-v3.2: `reserveDebt percentMul (HF > 0.95 ? 50% : 100%)`. v3.3+: the whole reserve debt, unless
 * HF > 0.95 and both the reserve debt and the collateral are worth at least
 * MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD, when a reserve debt above 50% of the total debt is capped at
 * `(totalDebtBase percentMul 50%) * debtUnit / debtPrice` (floored).
 *
 * @example
 * // HF 0.96, 900 USDC of debt against 1200 USD of collateral: v3.0 allows 450, v3.3 all 900.
 */
export function maxLiquidatableDebt(rules: AaveRules, p: CloseFactorParameters): bigint {
  if (rules.closeFactor === "reserve-debt") {
    const closeFactor =
      p.healthFactor > CLOSE_FACTOR_HF_THRESHOLD
        ? DEFAULT_LIQUIDATION_CLOSE_FACTOR
        : MAX_LIQUIDATION_CLOSE_FACTOR;
    return percentMul(p.borrowerReserveDebt, closeFactor);
  }
  const debtBase = debtInBase(rules, p.borrowerReserveDebt, p.debtPrice, p.debtDecimals);
  const collateralBase = collateralInBase(
    p.borrowerCollateralBalance,
    p.collateralPrice,
    p.collateralDecimals,
  );
  if (
    collateralBase >= MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD &&
    debtBase >= MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD &&
    p.healthFactor > CLOSE_FACTOR_HF_THRESHOLD
  ) {
    const halfOfTotal = percentMul(p.totalDebtBase, DEFAULT_LIQUIDATION_CLOSE_FACTOR);
    if (debtBase > halfOfTotal) return (halfOfTotal * 10n ** BigInt(p.debtDecimals)) / p.debtPrice;
  }
  return p.borrowerReserveDebt;
}

export type LeftoverParameters = {
  borrowerReserveDebt: bigint;
  debtToLiquidate: bigint;
  borrowerCollateralBalance: bigint;
  /** Collateral leaving the borrower: to the liquidator plus the protocol fee. */
  collateralToLiquidate: bigint;
  debtPrice: bigint;
  collateralPrice: bigint;
  debtDecimals: number;
  collateralDecimals: number;
};

/**
 * v3.3+ "forced position cleanup": true when the Pool reverts with MUST_NOT_LEAVE_DUST, i.e. the
 * liquidation repays only part of the reserve debt, seizes only part of the collateral, and leaves less
 * than MIN_LEFTOVER_BASE of either (debt valued as {@link debtInBase}, collateral floored).
 * Always false before v3.3.
 */
export function leavesDust(rules: AaveRules, p: LeftoverParameters): boolean {
  if (!rules.deficitAndDust) return false;
  if (p.debtToLiquidate >= p.borrowerReserveDebt || p.collateralToLiquidate >= p.borrowerCollateralBalance)
    return false;
  const debtLeft = debtInBase(rules, p.borrowerReserveDebt - p.debtToLiquidate, p.debtPrice, p.debtDecimals);
  const collateralLeft = collateralInBase(
    p.borrowerCollateralBalance - p.collateralToLiquidate,
    p.collateralPrice,
    p.collateralDecimals,
  );
  return debtLeft < MIN_LEFTOVER_BASE || collateralLeft < MIN_LEFTOVER_BASE;
}

export type DeficitParameters = {
  /** GenericLogic's `totalCollateralInBaseCurrency` before the liquidation. */
  totalCollateralBase: bigint;
  /** `collateralAmount * price / unit` of the seized collateral including the protocol fee, floored. */
  collateralLiquidatedBase: bigint;
  /** Every debt of the borrower (token units) before the liquidation. */
  debts: readonly { asset: string; debt: bigint }[];
  /** The reserve being repaid and what the liquidation repays of it. */
  debtAsset: string;
  debtToLiquidate: bigint;
};

/**
 * v3.3+ bad-debt cleanup: when the seized collateral is all the borrower's collateral in base currency
 * (`totalCollateralBase == collateralLiquidatedBase`), every debt left (the repaid reserve's rest and
 * every other reserve's whole balance) is burned and added to that reserve's `deficit`. Before v3.3, and
 * when collateral remains, nothing becomes deficit: the debt stays on the account.
 *
 * @example
 * liquidationDeficit(aaveRules(7), { totalCollateralBase: 100n, collateralLiquidatedBase: 100n,
 *   debts: [{ asset: "usdc", debt: 500n }], debtAsset: "usdc", debtToLiquidate: 200n })
 * // { hasNoCollateralLeft: true, deficits: [{ asset: "usdc", deficit: 300n }] }
 */
export function liquidationDeficit(rules: AaveRules, p: DeficitParameters) {
  const hasNoCollateralLeft = p.totalCollateralBase === p.collateralLiquidatedBase;
  if (!rules.deficitAndDust || !hasNoCollateralLeft) return { hasNoCollateralLeft, deficits: [] };
  const deficits = p.debts
    .map((d) => ({ asset: d.asset, deficit: d.asset === p.debtAsset ? d.debt - p.debtToLiquidate : d.debt }))
    .filter((d) => d.deficit > 0n);
  return { hasNoCollateralLeft, deficits };
}

export type LiquidationCallParameters = CloseFactorParameters & {
  /** What the liquidator asks to repay (uint256 max for "as much as allowed"). */
  debtToCover: bigint;
  /** Basis points, already the eMode category's when {@link isEModeCollateral} says so. */
  liquidationBonus: bigint;
  /** The collateral reserve's liquidation protocol fee, basis points of the bonus. */
  liquidationProtocolFee: bigint;
  /** GenericLogic's `totalCollateralInBaseCurrency` before the liquidation. */
  totalCollateralBase: bigint;
  /** Every debt of the borrower (token units), the repaid reserve's among them as `debtAsset`. */
  debts: readonly { asset: string; debt: bigint }[];
  debtAsset: string;
};

/** What `liquidationCall` does, or the revert it hits. */
export type LiquidationOutcome =
  | { reverted: "MUST_NOT_LEAVE_DUST" }
  | {
      reverted: null;
      /** Debt repaid (the LiquidationCall event's `debtToCover`). */
      debtToLiquidate: bigint;
      /** Collateral to the liquidator (`liquidatedCollateralAmount`), the protocol fee excluded. */
      collateralToLiquidator: bigint;
      /** Collateral to the treasury. */
      protocolFee: bigint;
      /** The seized collateral (fee included) in base currency, floored. */
      collateralLiquidatedBase: bigint;
      hasNoCollateralLeft: boolean;
      /** v3.3+: debt burned and booked as reserve deficit. */
      deficits: { asset: string; deficit: bigint }[];
    };

/**
 * One `liquidationCall` under a revision's rules: the close factor ({@link maxLiquidatableDebt}), the
 * collateral seized with its bonus (capped by the borrower's balance, the debt then recomputed from it:
 * percentDiv before v3.5, percentDivCeil from v3.5), the protocol fee taken from the bonus, then the
 * v3.3+ dust check ({@link leavesDust}) and deficit ({@link liquidationDeficit}).
 *
 * @example
 * // 0.6 WETH (1200 USD) against 900 USDC at HF 0.96, repaying 450: v3.0 does; v3.3 reverts (450 USD left).
 * liquidationCall(aaveRules(7), { ...position, debtToCover: 450_000000n }) // { reverted: "MUST_NOT_LEAVE_DUST" }
 */
export function liquidationCall(rules: AaveRules, p: LiquidationCallParameters): LiquidationOutcome {
  const collateralUnit = 10n ** BigInt(p.collateralDecimals);
  const debtUnit = 10n ** BigInt(p.debtDecimals);
  const max = maxLiquidatableDebt(rules, p);
  const debtToCover = p.debtToCover > max ? max : p.debtToCover;
  const baseCollateral = (p.debtPrice * debtToCover * collateralUnit) / (p.collateralPrice * debtUnit);
  let collateralAmount = percentMul(baseCollateral, p.liquidationBonus);
  let debtToLiquidate = debtToCover;
  if (collateralAmount > p.borrowerCollateralBalance) {
    collateralAmount = p.borrowerCollateralBalance;
    const covered = (p.collateralPrice * collateralAmount * debtUnit) / (p.debtPrice * collateralUnit);
    debtToLiquidate =
      rules.rounding === "directional"
        ? percentDivCeil(covered, p.liquidationBonus)
        : percentDiv(covered, p.liquidationBonus);
  }
  const collateralLiquidatedBase = collateralInBase(
    collateralAmount,
    p.collateralPrice,
    p.collateralDecimals,
  );
  const protocolFee =
    p.liquidationProtocolFee === 0n
      ? 0n
      : percentMul(
          collateralAmount - percentDiv(collateralAmount, p.liquidationBonus),
          p.liquidationProtocolFee,
        );
  if (
    leavesDust(rules, {
      ...p,
      debtToLiquidate,
      collateralToLiquidate: collateralAmount,
    })
  )
    return { reverted: "MUST_NOT_LEAVE_DUST" };
  const { hasNoCollateralLeft, deficits } = liquidationDeficit(rules, {
    totalCollateralBase: p.totalCollateralBase,
    collateralLiquidatedBase,
    debts: p.debts,
    debtAsset: p.debtAsset,
    debtToLiquidate,
  });
  return {
    reverted: null,
    debtToLiquidate,
    collateralToLiquidator: collateralAmount - protocolFee,
    protocolFee,
    collateralLiquidatedBase,
    hasNoCollateralLeft,
    deficits,
  };
}
