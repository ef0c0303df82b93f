import { adaptiveCurveBorrowRate } from "./adaptiveCurve.js";
import {
  mulDivDown,
  ORACLE_PRICE_SCALE,
  toAssetsUp,
  toSharesDown,
  WAD,
  wDivDown,
  wMulDown,
  wTaylorCompounded,
} from "./math.js";

/** Morpho Blue's `market(id)`: totals, the last accrual's timestamp and the fee (WAD). */
export type MorphoMarketState = {
  totalSupplyAssets: bigint;
  totalSupplyShares: bigint;
  totalBorrowAssets: bigint;
  totalBorrowShares: bigint;
  lastUpdate: bigint;
  fee: bigint;
};

export type MorphoAccrual = {
  market: MorphoMarketState;
  /** The IRM's rate at target after the accrual. */
  rateAtTarget: bigint;
  interest: bigint;
  /** Supply shares minted to the fee recipient. */
  feeShares: bigint;
};

export function morphoUtilization(market: MorphoMarketState): bigint {
  return market.totalSupplyAssets > 0n ? wDivDown(market.totalBorrowAssets, market.totalSupplyAssets) : 0n;
}

/**
 * The market as Morpho's `_accrueInterest` leaves it at `timestamp`, for a market whose IRM is the
 * AdaptiveCurve model with `rateAtTarget` stored: what a transaction in a block at that timestamp sees.
 */
export function accrueMorphoInterest(
  market: MorphoMarketState,
  rateAtTarget: bigint,
  timestamp: bigint,
): MorphoAccrual {
  const elapsed = timestamp - market.lastUpdate;
  if (elapsed <= 0n) return { market, rateAtTarget, interest: 0n, feeShares: 0n };
  const rate = adaptiveCurveBorrowRate(morphoUtilization(market), rateAtTarget, elapsed);
  const interest = wMulDown(market.totalBorrowAssets, wTaylorCompounded(rate.avgBorrowRate, elapsed));
  const totalSupplyAssets = market.totalSupplyAssets + interest;
  let feeShares = 0n;
  if (market.fee !== 0n) {
    const feeAmount = wMulDown(interest, market.fee);
    // The total supply already includes the fee: it is taken out when pricing the new shares.
    feeShares = toSharesDown(feeAmount, totalSupplyAssets - feeAmount, market.totalSupplyShares);
  }
  return {
    market: {
      totalSupplyAssets,
      totalSupplyShares: market.totalSupplyShares + feeShares,
      totalBorrowAssets: market.totalBorrowAssets + interest,
      totalBorrowShares: market.totalBorrowShares,
      lastUpdate: timestamp,
      fee: market.fee,
    },
    rateAtTarget: rate.endRateAtTarget,
    interest,
    feeShares,
  };
}

export type MorphoPositionHealth = {
  /** Borrow shares in loan-token assets, rounded up as Morpho rounds debt. */
  borrowedAssets: bigint;
  /** Collateral value in loan-token assets times the LLTV, rounded down. */
  maxBorrowAssets: bigint;
  /** Morpho's own test: liquidatable exactly when this is false. */
  healthy: boolean;
  /** maxBorrow / borrowed (WAD), comparable with Aave's health factor; null without debt. */
  healthFactor: bigint | null;
};

/**
 * A position's health as Morpho's `_isHealthy` decides it, on an accrued market at an oracle price
 * (1e36-scaled). Morpho has no account-level health factor; the ratio here is the same threshold
 * expressed like Aave's (below 1 = liquidatable).
 */
export function morphoPositionHealth(
  position: { collateral: bigint; borrowShares: bigint },
  market: MorphoMarketState,
  price: bigint,
  lltv: bigint,
): MorphoPositionHealth {
  const borrowedAssets = toAssetsUp(
    position.borrowShares,
    market.totalBorrowAssets,
    market.totalBorrowShares,
  );
  const maxBorrowAssets = wMulDown(mulDivDown(position.collateral, price, ORACLE_PRICE_SCALE), lltv);
  return {
    borrowedAssets,
    maxBorrowAssets,
    healthy: position.borrowShares === 0n || maxBorrowAssets >= borrowedAssets,
    healthFactor: borrowedAssets === 0n ? null : (maxBorrowAssets * WAD) / borrowedAssets,
  };
}

/** Morpho's cap on the liquidation incentive (115%) and the cursor that shapes it (30%). */
const MAX_LIQUIDATION_INCENTIVE_FACTOR = 1_150_000_000_000_000_000n;
const LIQUIDATION_CURSOR = 300_000_000_000_000_000n;

/** Collateral a liquidator receives per unit of debt repaid (WAD): min(1.15, 1 / (1 - 0.3 * (1 - LLTV))). */
export function morphoLiquidationIncentiveFactor(lltv: bigint): bigint {
  const factor = wDivDown(WAD, WAD - wMulDown(LIQUIDATION_CURSOR, WAD - lltv));
  return factor < MAX_LIQUIDATION_INCENTIVE_FACTOR ? factor : MAX_LIQUIDATION_INCENTIVE_FACTOR;
}
