import { AdaptiveCurveIrmLib, MarketUtils, SharesMath } from "@morpho-org/blue-sdk";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  adaptiveCurveBorrowRate,
  MAX_RATE_AT_TARGET,
  MIN_RATE_AT_TARGET,
} from "../../lib/morpho/adaptiveCurve.js";
import {
  accrueMorphoInterest,
  type MorphoMarketState,
  morphoLiquidationIncentiveFactor,
  morphoPositionHealth,
  morphoUtilization,
} from "../../lib/morpho/market.js";
import { toAssetsDown, toAssetsUp, toSharesDown, toSharesUp, WAD } from "../../lib/morpho/math.js";

/**
 * The engine's Morpho arithmetic against the SDK Morpho publishes (@morpho-org/blue-sdk), an
 * implementation written independently of ours: equal to the wei for any input.
 */

const YEAR = 365n * 24n * 3600n;
const amount = fc.bigInt(0n, 10n ** 32n);

const market = fc
  .record({
    totalSupplyAssets: fc.bigInt(0n, 10n ** 32n),
    utilization: fc.bigInt(0n, WAD),
    sharesPerAsset: fc.bigInt(1n, 10n ** 9n),
    lastUpdate: fc.bigInt(1_600_000_000n, 1_900_000_000n),
    fee: fc.oneof(fc.constant(0n), fc.bigInt(0n, WAD / 4n)),
  })
  .map(({ totalSupplyAssets, utilization, sharesPerAsset, lastUpdate, fee }): MorphoMarketState => {
    const totalBorrowAssets = (totalSupplyAssets * utilization) / WAD;
    return {
      totalSupplyAssets,
      totalSupplyShares: totalSupplyAssets * sharesPerAsset,
      totalBorrowAssets,
      totalBorrowShares: totalBorrowAssets * sharesPerAsset,
      lastUpdate,
      fee,
    };
  });
const rateAtTarget = fc.oneof(fc.constant(0n), fc.bigInt(MIN_RATE_AT_TARGET, MAX_RATE_AT_TARGET));
const elapsed = fc.oneof(fc.constantFrom(0n, 1n), fc.bigInt(0n, 3n * YEAR));

describe("Morpho Blue arithmetic equals @morpho-org/blue-sdk", () => {
  it("AdaptiveCurve: average rate and end rate at target", () => {
    fc.assert(
      fc.property(fc.bigInt(0n, WAD), rateAtTarget, elapsed, (utilization, start, seconds) => {
        const ours = adaptiveCurveBorrowRate(utilization, start, seconds);
        const sdk = AdaptiveCurveIrmLib.getBorrowRate(utilization, start, seconds);
        expect(ours).toEqual({ avgBorrowRate: sdk.avgBorrowRate, endRateAtTarget: sdk.endRateAtTarget });
      }),
      { numRuns: 2000 },
    );
  });

  it("shares and assets in both rounding directions", () => {
    fc.assert(
      fc.property(amount, amount, amount, (x, totalAssets, totalShares) => {
        expect(toAssetsUp(x, totalAssets, totalShares)).toBe(
          SharesMath.toAssets(x, totalAssets, totalShares, "Up"),
        );
        expect(toAssetsDown(x, totalAssets, totalShares)).toBe(
          SharesMath.toAssets(x, totalAssets, totalShares, "Down"),
        );
        expect(toSharesUp(x, totalAssets, totalShares)).toBe(
          SharesMath.toShares(x, totalAssets, totalShares, "Up"),
        );
        expect(toSharesDown(x, totalAssets, totalShares)).toBe(
          SharesMath.toShares(x, totalAssets, totalShares, "Down"),
        );
      }),
      { numRuns: 2000 },
    );
  });

  it("interest accrual: interest and the fee recipient's shares", () => {
    fc.assert(
      fc.property(market, rateAtTarget, elapsed, (state, start, seconds) => {
        const accrued = accrueMorphoInterest(state, start, state.lastUpdate + seconds);
        if (seconds === 0n) {
          expect(accrued.market).toEqual(state);
          return;
        }
        const rate = AdaptiveCurveIrmLib.getBorrowRate(morphoUtilization(state), start, seconds);
        const sdk = MarketUtils.getAccruedInterest(rate.avgBorrowRate, state, seconds);
        expect(accrued.interest).toBe(sdk.interest);
        expect(accrued.feeShares).toBe(sdk.feeShares);
        expect(accrued.rateAtTarget).toBe(rate.endRateAtTarget);
        expect(accrued.market.totalBorrowAssets).toBe(state.totalBorrowAssets + sdk.interest);
        expect(accrued.market.totalSupplyShares).toBe(state.totalSupplyShares + sdk.feeShares);
      }),
      { numRuns: 2000 },
    );
  });

  it("liquidatability: our health test is Morpho's isHealthy, and the ratio is below 1 exactly when it fails", () => {
    fc.assert(
      fc.property(
        market,
        amount,
        fc.bigInt(0n, 10n ** 30n),
        fc.bigInt(1n, 10n ** 44n),
        fc.bigInt(1n, WAD - 1n),
        (state, collateral, borrowShares, price, lltv) => {
          const shares = state.totalBorrowShares === 0n ? 0n : borrowShares % (state.totalBorrowShares + 1n);
          const position = { collateral, borrowShares: shares };
          const health = morphoPositionHealth(position, state, price, lltv);
          expect(health.healthy).toBe(MarketUtils.isHealthy(position, { ...state, price }, { lltv }));
          if (health.healthFactor !== null) expect(health.healthFactor >= WAD).toBe(health.healthy);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("liquidation incentive factor for any LLTV", () => {
    fc.assert(
      fc.property(fc.bigInt(0n, WAD - 1n), (lltv) => {
        expect(morphoLiquidationIncentiveFactor(lltv)).toBe(
          MarketUtils.getLiquidationIncentiveFactor({ lltv }),
        );
      }),
      { numRuns: 2000 },
    );
  });
});
