import { getAddress, isAddress } from "viem";
import { z } from "zod";

/**
 * What a market deployment is asked for, validated before the first transaction so a bad parameter
 * fails with its path instead of as a revert halfway through the deployment. Percentages are Aave's
 * basis points (8000 = 80%); the liquidation bonus is Aave's form (10500 = +5%); rates are rays (1e27).
 */
const address = z
  .string()
  .refine((value) => isAddress(value, { strict: false }), { message: "not a 0x-prefixed 20-byte address" })
  .transform((value) => getAddress(value));

const bps = z.number().int().min(0).max(65_535);
const RAY = 10n ** 27n;

/** Parameters of Aave's DefaultReserveInterestRateStrategy (v3.0 constructor), all rays. */
export const rateStrategySchema = z.object({
  optimalUsageRatio: z.bigint().positive().max(RAY),
  baseVariableBorrowRate: z.bigint().nonnegative(),
  variableRateSlope1: z.bigint().nonnegative(),
  variableRateSlope2: z.bigint().nonnegative(),
  stableRateSlope1: z.bigint().nonnegative(),
  stableRateSlope2: z.bigint().nonnegative(),
  baseStableRateOffset: z.bigint().nonnegative(),
  stableRateExcessOffset: z.bigint().nonnegative(),
  optimalStableToTotalDebtRatio: z.bigint().nonnegative().max(RAY),
});
export type RateStrategyParameters = z.infer<typeof rateStrategySchema>;

const ray = (percent: number) => (BigInt(Math.round(percent * 100)) * RAY) / 10_000n;

/** Aave's stablecoin strategy shape (rateStrategyStableOne in @aave/deploy-v3). */
export const stablecoinRateStrategy: RateStrategyParameters = {
  optimalUsageRatio: ray(90),
  baseVariableBorrowRate: 0n,
  variableRateSlope1: ray(4),
  variableRateSlope2: ray(60),
  stableRateSlope1: ray(0.5),
  stableRateSlope2: ray(60),
  baseStableRateOffset: ray(1),
  stableRateExcessOffset: ray(8),
  optimalStableToTotalDebtRatio: ray(20),
};

/** Aave's volatile-asset strategy shape (rateStrategyVolatileOne in @aave/deploy-v3). */
export const volatileRateStrategy: RateStrategyParameters = {
  optimalUsageRatio: ray(45),
  baseVariableBorrowRate: 0n,
  variableRateSlope1: ray(7),
  variableRateSlope2: ray(300),
  stableRateSlope1: ray(7),
  stableRateSlope2: ray(300),
  baseStableRateOffset: ray(2),
  stableRateExcessOffset: ray(5),
  optimalStableToTotalDebtRatio: ray(20),
};

export const aaveReserveSchema = z
  .object({
    symbol: z.string().min(1),
    asset: address,
    decimals: z.number().int().min(0).max(36),
    /**
     * First answer of the reserve's price source, in the feed's decimals (8 for USD: 1 USD = 1e8).
     * `null`: no price source at all (AaveOracle has none for the asset; anything needing its price reverts).
     */
    initialPrice: z.bigint().nonnegative().nullable(),
    feedDecimals: z.number().int().min(0).max(36).default(8),
    /** Recorded in the deployments file for staleness checks. */
    heartbeatSeconds: z.number().int().positive().optional(),
    /** All three 0: listed but not collateral (Aave allows it; the risk engine must cope). */
    ltv: bps,
    liquidationThreshold: bps,
    liquidationBonus: bps,
    borrowingEnabled: z.boolean().default(true),
    reserveFactor: bps.max(10_000).default(1000),
    /** Whole tokens; 0 = no cap. */
    supplyCap: z.bigint().nonnegative().default(0n),
    borrowCap: z.bigint().nonnegative().default(0n),
    /** Share of the liquidation bonus that goes to the treasury, bps of the bonus. */
    liquidationProtocolFee: bps.max(10_000).default(1000),
    /** eMode category id (declared in `eModeCategories`), or 0 for none. */
    eModeCategory: z.number().int().min(0).max(255).default(0),
    rateStrategy: rateStrategySchema.default(volatileRateStrategy),
  })
  .superRefine((reserve, ctx) => {
    // The PoolConfigurator's own rules (configureReserveAsCollateral), checked up front for a clear message.
    if (reserve.ltv > reserve.liquidationThreshold) {
      ctx.addIssue({ code: "custom", message: "ltv must not exceed liquidationThreshold", path: ["ltv"] });
    }
    if (reserve.liquidationThreshold === 0 && reserve.liquidationBonus !== 0) {
      ctx.addIssue({
        code: "custom",
        message: "a non-collateral reserve has bonus 0",
        path: ["liquidationBonus"],
      });
    }
    if (
      reserve.liquidationThreshold !== 0 &&
      (reserve.liquidationBonus <= 10_000 ||
        reserve.liquidationThreshold * reserve.liquidationBonus > 10_000 * 10_000)
    ) {
      ctx.addIssue({
        code: "custom",
        message: "collateral needs bonus > 10000 and threshold * bonus <= 100%",
        path: ["liquidationBonus"],
      });
    }
  });
export type AaveReserveInput = z.input<typeof aaveReserveSchema>;
export type AaveReserveConfig = z.infer<typeof aaveReserveSchema>;

export const eModeCategorySchema = z.object({
  id: z.number().int().min(1).max(255),
  ltv: bps,
  liquidationThreshold: bps,
  liquidationBonus: bps,
  label: z.string().min(1),
});
export type EModeCategoryConfig = z.infer<typeof eModeCategorySchema>;

export const aaveMarketConfigSchema = z
  .object({
    /** Stable protocol id in metrics and GraphQL, e.g. "aave-b". */
    protocol: z.string().min(1),
    name: z.string().min(1),
    /** PoolAddressesProvider's market id. */
    marketId: z.string().min(1).default("Aave devnet market"),
    /** Receives reserve-factor interest and liquidation protocol fees (aTokens). Deployer when omitted. */
    treasury: address.optional(),
    /** AaveOracle BASE_CURRENCY_UNIT: 1e8 for USD with 8 decimals. */
    baseCurrencyUnit: z
      .bigint()
      .positive()
      .default(10n ** 8n),
    reserves: z.array(aaveReserveSchema).min(1),
    eModeCategories: z.array(eModeCategorySchema).default([]),
    /** ERC20 stored in each FluxAggregator as LINK (payment 0: never moved). Deployed when omitted. */
    linkToken: address.optional(),
  })
  .superRefine((market, ctx) => {
    const ids = new Set(market.eModeCategories.map((c) => c.id));
    market.reserves.forEach((reserve, index) => {
      if (reserve.eModeCategory !== 0 && !ids.has(reserve.eModeCategory)) {
        ctx.addIssue({
          code: "custom",
          message: `eMode category ${reserve.eModeCategory} is not declared`,
          path: ["reserves", index, "eModeCategory"],
        });
      }
    });
    const assets = market.reserves.map((r) => r.asset);
    if (new Set(assets).size !== assets.length) {
      ctx.addIssue({ code: "custom", message: "an asset is listed twice", path: ["reserves"] });
    }
  });
export type AaveMarketInput = z.input<typeof aaveMarketConfigSchema>;
export type AaveMarketConfig = z.infer<typeof aaveMarketConfigSchema>;
