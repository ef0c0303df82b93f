import { z } from "zod";
import { InvalidRiskSnapshotError } from "./errors.js";

/*
 * The risk engine's only input: a plain value that says nothing about where it came from (the
 * indexer's tables or direct chain reads). Providers build it; the engine never does I/O.
 *
 * Number representation (a deliberate split):
 * - Token amounts and Aave indexes are `bigint` here, exactly as read on chain (base units, ray
 *   indexes). Backing (L, S, shortfall) is computed on these bigints, so it is exact.
 * - The hot path (health factors, exposure, stress) converts every balance ONCE to a float64 count of
 *   whole tokens (`Number(scaled) * Number(index) / 1e27 / 10^decimals`, see book.ts) and works on
 *   typed arrays. float64 has a 53-bit mantissa, so each converted balance carries a relative error
 *   below ~2e-16 (well under one base unit for any realistic position) and a sum over 100k positions
 *   stays within ~1e-11 relative: far finer than price-feed precision (8 decimals) and irrelevant to a
 *   risk figure, while keeping a 100k-position recompute in the tens of milliseconds.
 * - Prices are USD floats (Chainlink's 8-decimal answers fit a float64 exactly below 2^53 / 1e8).
 * Percentages use Aave's basis points: `liquidationThreshold: 8250` is 82.5%, `liquidationBonus: 10500`
 * is a 5% bonus.
 */

/** An asset at home: the token the bridge vault locks. `id` is the home token address. */
export type RiskAsset = {
  id: string;
  symbol: string;
  decimals: number;
  /** Home chain id of the token. */
  chainId: number;
  priceUsd: number;
  /** Unix seconds of the price feed's last `AnswerUpdated`. */
  priceUpdatedAt: number;
};

/** Wrapped supply of one bridged asset on one remote chain. */
export type RiskRemoteSupply = { chainId: number; wrappedToken: string; supply: bigint };

/** One asset carried by a bridge: locked on the home chain vs. what exists (or is coming) remotely. */
export type RiskBridgeAsset = {
  /** Home asset id. */
  asset: string;
  /** L: tokens held by the home vault, base units. */
  lockedOnHome: bigint;
  remoteSupply: RiskRemoteSupply[];
  /** Locked on home and attested but not yet minted remotely (or burned but not yet released). */
  inFlight: bigint;
};

export type RiskBridge = { id: string; name: string; assets: RiskBridgeAsset[] };

/** An Aave-v3-like reserve of a lending protocol, on the protocol's chain. */
export type RiskReserve = {
  /** The token on the protocol's chain (a wrapped token for bridged assets). */
  asset: string;
  symbol: string;
  /** Home asset id this token represents, or null for a token native to this chain. */
  underlyingAsset: string | null;
  /** The bridge whose wrapped token this is, or null when not bridged. */
  bridge: string | null;
  /** Oracle price on this chain, USD per whole token. */
  priceUsd: number;
  decimals: number;
  /** Basis points. */
  ltv: number;
  /** Basis points; 0 means the reserve cannot be collateral. */
  liquidationThreshold: number;
  /** Basis points including principal (10500 = 5% bonus). */
  liquidationBonus: number;
  /** Ray (1e27). */
  liquidityIndex: bigint;
  /** Ray (1e27). */
  variableBorrowIndex: bigint;
  /**
   * Token-side reserve x of the constant-product pool liquidators sell this token into, base units.
   * null = no pool data: the price-shock cascade treats the pool as infinitely deep (no impact).
   */
  poolLiquidity: bigint | null;
  /**
   * AaveOracle's answer for the asset in the market's base-currency units (the source's raw
   * `latestAnswer`); null when unknown. `priceUsd` is this over the market's `baseCurrencyUnit`.
   * Absent: the reserve has no exact price (synthetic snapshots), `priceUsd` alone is used.
   */
  oracleAnswer?: bigint | null;
  /** Whether `priceUsd` can be trusted (default "priced"); see lib/aave/oracle.ts. */
  priceStatus?: PriceStatus;
  /** Why the price is stale or unpriced. */
  priceReason?: string | null;
  /** The reserve's eMode category (0 or absent: none). */
  eModeCategory?: number;
  /**
   * Configuration problems recorded for this reserve (one sentence each). They never make the snapshot
   * invalid: the reserve is shown with them, and positions depending on a broken price are unpriced.
   */
  problems?: string[];
};

/** priced: usable; stale: older than its feed's heartbeat; unpriced: missing or non-positive. */
export type PriceStatus = "priced" | "stale" | "unpriced";

/** An eMode category of a protocol (Aave v3.0-3.1 form). */
export type RiskEModeCategory = {
  id: number;
  /** Basis points. */
  ltv: number;
  liquidationThreshold: number;
  liquidationBonus: number;
  /** The category has a price source (then it prices every reserve of the category for its users). */
  hasPriceSource: boolean;
  /** The source's answer in base-currency units (null when none or unknown). */
  oracleAnswer: bigint | null;
  priceStatus: PriceStatus;
  priceReason: string | null;
};

/** A user's stable-rate debt as StableDebtToken keeps it (principal at `lastUpdateTimestamp`). */
export type RiskStableDebt = { principal: bigint; rate: bigint; lastUpdateTimestamp: bigint };

export type RiskPositionReserve = {
  asset: string;
  /** aToken scaled balance, base units. */
  scaledCollateral: bigint;
  /** Variable-debt-token scaled balance, base units. */
  scaledDebt: bigint;
  usedAsCollateral: boolean;
  /** Stable debt, if any (Aave v3.0 still has it). */
  stableDebt?: RiskStableDebt | null;
};

export type RiskPosition = {
  user: string;
  reserves: RiskPositionReserve[];
  /** The user's eMode category (0 or absent: none). */
  eModeCategory?: number;
};

export type RiskProtocol = {
  id: string;
  name: string;
  chainId: number;
  reserves: RiskReserve[];
  positions: RiskPosition[];
  /** AaveOracle's BASE_CURRENCY_UNIT (default 1e8). */
  baseCurrencyUnit?: bigint;
  /** Unix seconds the indexes are brought forward to and stable debt is compounded to. */
  timestamp?: number;
  eModeCategories?: RiskEModeCategory[];
  /** Problems of the whole market (unknown Pool revision, ...), one sentence each. */
  problems?: string[];
};

/** Everything the risk engine needs, as of one moment. See the module comment for units. */
export type RiskSnapshot = {
  asOf: {
    /** Latest indexed block timestamp per chain, unix seconds. */
    blockTimestamps: { chainId: number; timestamp: number }[];
    /** Last update per data source (indexer, price feed, ...), unix seconds. */
    sources: { source: string; updatedAt: number }[];
  };
  assets: RiskAsset[];
  bridges: RiskBridge[];
  protocols: RiskProtocol[];
};

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

/**
 * zod schema of the JSON form of a snapshot: bigints may be given as decimal strings.
 * Referential checks (ids that must exist, unique names) are in {@link validateRiskSnapshot}.
 */
export const riskSnapshotSchema = z.object({
  asOf: z.object({
    blockTimestamps: z.array(z.object({ chainId: z.number().int().positive(), timestamp: unixSeconds })),
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
            }),
          ),
          eModeCategory: z.number().int().min(0).max(255).optional(),
        }),
      ),
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
      problems: z.array(z.string()).optional(),
    }),
  ),
});

const lower = (s: string) => s.toLowerCase();

/**
 * Configuration problems of one reserve, one sentence each (empty when none). LT 0 is valid whatever
 * the bonus (Aave: the reserve is not collateral, and the configurator accepts bonus 0 then); with
 * LT > 0 Aave's configurator requires ltv <= LT, bonus > 100% and LT x bonus <= 100%. These never make a
 * snapshot invalid: one bad reserve must not take a whole market's answers down with it.
 *
 * @example
 * reserveConfigurationProblems({ ...reserve, liquidationThreshold: 0, liquidationBonus: 0 }) // []
 */
export function reserveConfigurationProblems(
  r: Pick<
    RiskReserve,
    "ltv" | "liquidationThreshold" | "liquidationBonus" | "liquidityIndex" | "variableBorrowIndex"
  >,
): string[] {
  const problems: string[] = [];
  if (r.liquidityIndex === 0n || r.variableBorrowIndex === 0n)
    problems.push("zero liquidity or borrow index");
  if (r.liquidationThreshold === 0) {
    if (r.ltv !== 0) problems.push(`ltv ${r.ltv} with liquidation threshold 0 (not collateral)`);
    return problems;
  }
  if (r.ltv > r.liquidationThreshold) problems.push("ltv above liquidation threshold");
  if (r.liquidationThreshold > 10_000) problems.push("liquidation threshold above 100%");
  if (r.liquidationBonus <= 10_000)
    problems.push(`liquidation bonus ${r.liquidationBonus} not above 100% with a non-zero threshold`);
  if (r.liquidationThreshold * r.liquidationBonus > 10_000 * 10_000)
    problems.push("liquidation threshold x bonus above 100%");
  return problems;
}

/**
 * Checks what a schema cannot: ids are unique (case-insensitively, as addresses are) and every reference
 * resolves. Throws {@link InvalidRiskSnapshotError} listing every problem. Reserve parameters are not
 * checked here (see {@link reserveConfigurationProblems}: recorded per reserve, never fatal).
 *
 * @example
 * validateRiskSnapshot(snapshot); // throws if a reserve names a bridge that is not in snapshot.bridges
 */
export function validateRiskSnapshot(snapshot: RiskSnapshot): void {
  const problems: string[] = [];
  const unique = (what: string, values: string[]) => {
    const seen = new Set<string>();
    for (const v of values) {
      if (seen.has(lower(v))) problems.push(`duplicate ${what} "${v}"`);
      seen.add(lower(v));
    }
    return seen;
  };
  const assetIds = unique(
    "asset id",
    snapshot.assets.map((a) => a.id),
  );
  unique(
    "asset symbol",
    snapshot.assets.map((a) => a.symbol),
  );
  const bridgeIds = unique(
    "bridge id",
    snapshot.bridges.map((b) => b.id),
  );
  unique(
    "bridge name",
    snapshot.bridges.map((b) => b.name),
  );
  unique(
    "protocol id",
    snapshot.protocols.map((p) => p.id),
  );
  unique(
    "protocol name",
    snapshot.protocols.map((p) => p.name),
  );

  for (const b of snapshot.bridges) {
    for (const ba of b.assets) {
      if (!assetIds.has(lower(ba.asset))) problems.push(`bridge ${b.name}: unknown asset ${ba.asset}`);
    }
  }
  for (const p of snapshot.protocols) {
    const reserveAssets = unique(
      `reserve in ${p.name}`,
      p.reserves.map((r) => r.asset),
    );
    for (const r of p.reserves) {
      const where = `${p.name}/${r.symbol}`;
      if (r.underlyingAsset !== null && !assetIds.has(lower(r.underlyingAsset)))
        problems.push(`${where}: unknown underlying asset ${r.underlyingAsset}`);
      if (r.bridge !== null && !bridgeIds.has(lower(r.bridge)))
        problems.push(`${where}: unknown bridge ${r.bridge}`);
      if (r.bridge !== null && r.underlyingAsset === null)
        problems.push(`${where}: a bridged reserve needs its underlying home asset`);
    }
    for (const pos of p.positions) {
      for (const pr of pos.reserves) {
        if (!reserveAssets.has(lower(pr.asset)))
          problems.push(`${p.name}/${pos.user}: unknown reserve ${pr.asset}`);
      }
    }
  }
  if (problems.length > 0) throw new InvalidRiskSnapshotError(problems);
}

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
  return JSON.stringify(snapshot, (_key, value) => (typeof value === "bigint" ? value.toString() : value));
}
