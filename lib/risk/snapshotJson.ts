import { z } from "zod";
import { toJson } from "../service/json.js";
import { InvalidRiskSnapshotError } from "./errors.js";
import type { RiskSnapshot } from "./snapshot.js";
import { validateRiskSnapshot } from "./snapshotChecks.js";

const amount = z.union([
  z.bigint().nonnegative(),
  z
    .string()
    .regex(/^\d+$/, "expected a non-negative decimal integer string")
    .transform((s) => BigInt(s)),
]);
const bps = z.number().int().min(0).max(100_000);
const price = z.number().finite().nonnegative();
const unixSeconds = z.number().finite().nonnegative();
const priceStatus = z.enum(["priced", "stale", "unpriced"]);
const signedAmount = z.union([
  z.bigint(),
  z
    .string()
    .regex(/^-?\d+$/, "expected a decimal integer string")
    .transform((s) => BigInt(s)),
]);

/** A Morpho Blue market id: 32 bytes, 0x-prefixed hex. */
const marketId = z
  .string()
  .regex(/^0x[0-9a-fA-F]{64}$/, "expected a Morpho market id (0x and 64 hex digits)")
  .transform((s) => s.toLowerCase());

/**
 * zod schema of the JSON form of a snapshot: bigints may be given as decimal strings.
 * Referential checks (ids that must exist, unique names) are in {@link validateRiskSnapshot}.
 */
export const riskSnapshotSchema = z.object({
  asOf: z.object({
    blockTimestamps: z.array(
      z.object({
        chainId: z.number().int().positive(),
        timestamp: unixSeconds,
        blockNumber: amount.optional(),
      }),
    ),
    sources: z.array(z.object({ source: z.string().min(1), updatedAt: unixSeconds })),
  }),
  assets: z.array(
    z.object({
      id: z.string().min(1),
      symbol: z.string().min(1),
      decimals: z.number().int().min(0).max(36),
      chainId: z.number().int().positive(),
      priceUsd: price,
      priceUpdatedAt: unixSeconds,
    }),
  ),
  bridges: z.array(
    z.object({
      id: z.string().min(1),
      name: z.string().min(1),
      assets: z.array(
        z.object({
          asset: z.string().min(1),
          lockedOnHome: amount,
          remoteSupply: z.array(
            z.object({
              chainId: z.number().int().positive(),
              wrappedToken: z.string().min(1),
              supply: amount,
            }),
          ),
          inFlight: amount,
        }),
      ),
    }),
  ),
  protocols: z.array(
    z.object({
      id: z.string().min(1),
      name: z.string().min(1),
      chainId: z.number().int().positive(),
      reserves: z.array(
        z.object({
          asset: z.string().min(1),
          symbol: z.string().min(1),
          underlyingAsset: z.string().min(1).nullable(),
          bridge: z.string().min(1).nullable(),
          priceUsd: price,
          decimals: z.number().int().min(0).max(36),
          ltv: bps,
          liquidationThreshold: bps,
          liquidationBonus: bps,
          liquidityIndex: amount,
          variableBorrowIndex: amount,
          poolLiquidity: amount.nullable(),
          oracleAnswer: signedAmount.nullable().optional(),
          priceStatus: priceStatus.optional(),
          priceReason: z.string().nullable().optional(),
          eModeCategory: z.number().int().min(0).max(255).optional(),
          problems: z.array(z.string()).optional(),
          market: marketId.optional(),
        }),
      ),
      positions: z.array(
        z.object({
          user: z.string().min(1),
          reserves: z.array(
            z.object({
              asset: z.string().min(1),
              scaledCollateral: amount,
              scaledDebt: amount,
              usedAsCollateral: z.boolean(),
              stableDebt: z
                .object({ principal: amount, rate: amount, lastUpdateTimestamp: amount })
                .nullable()
                .optional(),
              market: marketId.optional(),
            }),
          ),
          eModeCategory: z.number().int().min(0).max(255).optional(),
          market: marketId.optional(),
          morpho: z.object({ supplyShares: amount, borrowShares: amount, collateral: amount }).optional(),
        }),
      ),
      kind: z.enum(["aave-v3", "morpho-blue"]).optional(),
      morphoMarkets: z
        .array(
          z.object({
            id: marketId,
            loanToken: z.string().min(1),
            collateralToken: z.string().min(1),
            oracle: z.string().min(1),
            lltv: amount,
            totalSupplyAssets: amount,
            totalSupplyShares: amount,
            totalBorrowAssets: amount,
            totalBorrowShares: amount,
            oraclePrice: amount.nullable(),
            priceStatus,
            priceReason: z.string().nullable(),
          }),
        )
        .optional(),
      baseCurrencyUnit: amount.optional(),
      timestamp: unixSeconds.optional(),
      eModeCategories: z
        .array(
          z.object({
            id: z.number().int().min(1).max(255),
            ltv: bps,
            liquidationThreshold: bps,
            liquidationBonus: bps,
            hasPriceSource: z.boolean(),
            oracleAnswer: signedAmount.nullable(),
            priceStatus,
            priceReason: z.string().nullable(),
          }),
        )
        .optional(),
      aaveRevision: z
        .object({
          poolRevision: z.number().int().nonnegative().nullable(),
          rules: z.enum(["v3.0", "v3.1", "v3.2", "v3.3", "v3.4", "v3.5"]),
          supported: z.boolean(),
        })
        .optional(),
      problems: z.array(z.string()).optional(),
    }),
  ),
  dexPools: z
    .array(
      z.object({
        chainId: z.number().int().positive(),
        address: z.string().min(1),
        token0: z.string().min(1),
        token1: z.string().min(1),
        token: z.string().min(1),
        tokenDecimals: z.number().int().min(0).max(36),
        quoteDecimals: z.number().int().min(0).max(36),
        sqrtPriceX96: amount,
        tick: z.number().int(),
        liquidity: amount,
        fee: z.number().int().min(0),
        tickSpacing: z.number().int().positive(),
        ticks: z.array(z.object({ tick: z.number().int(), liquidityNet: signedAmount })),
      }),
    )
    .optional(),
});

/**
 * Parses and validates the JSON form of a snapshot (bigints as decimal strings).
 *
 * @example
 * const snapshot = parseRiskSnapshot(JSON.parse(await readFile("snapshot.json", "utf8")));
 */
export function parseRiskSnapshot(input: unknown): RiskSnapshot {
  const result = riskSnapshotSchema.safeParse(input);
  if (!result.success) {
    throw new InvalidRiskSnapshotError(result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`));
  }
  const snapshot: RiskSnapshot = result.data;
  validateRiskSnapshot(snapshot);
  return snapshot;
}

/**
 * JSON text of a snapshot with bigints as decimal strings; `parseRiskSnapshot(JSON.parse(s))` inverts it.
 *
 * @example
 * await writeFile("snapshot.json", serializeRiskSnapshot(snapshot));
 */
export function serializeRiskSnapshot(snapshot: RiskSnapshot): string {
  return toJson(snapshot);
}
