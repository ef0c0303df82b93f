import { percentDiv, percentMul } from "./percentageMath.js";
import { WAD } from "./wadRayMath.js";

/** Below this health factor (0.95 in wad) the whole debt may be liquidated at once. */
export const CLOSE_FACTOR_HF_THRESHOLD = (95n * WAD) / 100n;
/** 50%: the share of a debt one liquidation may repay while HF is in [0.95, 1). */
export const DEFAULT_LIQUIDATION_CLOSE_FACTOR = 5_000n;
/** 100%: the share of a debt one liquidation may repay once HF < 0.95. */
export const MAX_LIQUIDATION_CLOSE_FACTOR = 10_000n;

export type LiquidationParameters = {
  /** The user's health factor before the liquidation (wad). */
  healthFactor: bigint;
  /** The user's debt in the debt asset, token units (scaled debt times normalized debt). */
  userDebt: bigint;
  /** The user's collateral in the collateral asset, token units (scaled times normalized income). */
  userCollateralBalance: bigint;
  /** What the liquidator asks to repay. */
  debtToCover: bigint;
  /** Feed answers, 8 decimals. */
  debtPrice: bigint;
  collateralPrice: bigint;
  debtDecimals: number;
  collateralDecimals: number;
  /** Aave form: 10500 = collateral worth 105% of the debt repaid. */
  liquidationBonus: bigint;
};

export type LiquidationAmounts = {
  closeFactor: bigint;
  /** The debt actually repaid (the `debtToCover` of the `LiquidationCall` event). */
  debtToLiquidate: bigint;
  /** The collateral moved to the liquidator (`liquidatedCollateralAmount`). */
  collateralToLiquidate: bigint;
};

/**
 * Aave v3.0.2 LiquidationLogic: close factor by health factor, then
 * `collateral = (debtPrice * debt * collUnit / (collPrice * debtUnit)) percentMul bonus`, capped by the user's
 * collateral with the repaid debt recomputed from the cap. No protocol fee (LendingPool omits it).
 *
 * @example
 * // 10 WETH at 1750 USD against 15,000 USDC (HF 0.9625): half the debt, 4.5 WETH seized.
 * calculateLiquidationAmounts({ healthFactor: 9625n * 10n ** 14n, userDebt: 15_000_000000n,
 *   userCollateralBalance: 10n * 10n ** 18n, debtToCover: 2n ** 256n - 1n, debtPrice: 1_00000000n,
 *   collateralPrice: 1750_00000000n, debtDecimals: 6, collateralDecimals: 18, liquidationBonus: 10500n });
 * // { closeFactor: 5000n, debtToLiquidate: 7_500_000000n, collateralToLiquidate: 4_500000000000000000n }
 */
export function calculateLiquidationAmounts(parameters: LiquidationParameters): LiquidationAmounts {
  const closeFactor =
    parameters.healthFactor > CLOSE_FACTOR_HF_THRESHOLD
      ? DEFAULT_LIQUIDATION_CLOSE_FACTOR
      : MAX_LIQUIDATION_CLOSE_FACTOR;
  const maxLiquidatableDebt = percentMul(parameters.userDebt, closeFactor);
  let debtToLiquidate =
    parameters.debtToCover > maxLiquidatableDebt ? maxLiquidatableDebt : parameters.debtToCover;
  const collateralUnit = 10n ** BigInt(parameters.collateralDecimals);
  const debtUnit = 10n ** BigInt(parameters.debtDecimals);
  const baseCollateral =
    (parameters.debtPrice * debtToLiquidate * collateralUnit) / (parameters.collateralPrice * debtUnit);
  let collateralToLiquidate = percentMul(baseCollateral, parameters.liquidationBonus);
  if (collateralToLiquidate > parameters.userCollateralBalance) {
    collateralToLiquidate = parameters.userCollateralBalance;
    const debtAmountNeeded = percentDiv(
      (parameters.collateralPrice * collateralToLiquidate * debtUnit) /
        (parameters.debtPrice * collateralUnit),
      parameters.liquidationBonus,
    );
    if (debtAmountNeeded < debtToLiquidate) debtToLiquidate = debtAmountNeeded;
  }
  return { closeFactor, debtToLiquidate, collateralToLiquidate };
}
