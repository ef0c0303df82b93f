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

import type { AaveRulesName } from "../aave/revisions.js";

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
   * Ignored for a market that has a Uniswap v3 pool in {@link RiskSnapshot.dexPools}.
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
  /**
   * Morpho Blue: the market (32-byte id, lower case) this reserve is one side of. A Morpho protocol lists
   * two reserves per market (collateral with LT = LLTV, loan token with LT 0), so a token appears once
   * per market; (market, asset) is the reserve's key. Absent for Aave reserves (key: asset).
   */
  market?: string;
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
  /** Morpho Blue: the market of the reserve this entry is in (see {@link RiskReserve.market}). */
  market?: string;
};

/**
 * Morpho Blue's `position(id, user)`. In the engine's entries: the collateral entry has
 * `scaledCollateral = collateral` (index 1), the loan entry `scaledCollateral = supplyShares` and
 * `scaledDebt = borrowShares` (the reserve's indexes are the market's share prices).
 */
export type RiskMorphoShares = { supplyShares: bigint; borrowShares: bigint; collateral: bigint };

export type RiskPosition = {
  user: string;
  reserves: RiskPositionReserve[];
  /** The user's eMode category (0 or absent: none). */
  eModeCategory?: number;
  /** Morpho Blue: the position is the pair (user, market); its market id (lower case). */
  market?: string;
  /** Morpho Blue: the position's storage, exactly (set together with `market`). */
  morpho?: RiskMorphoShares;
};

/** "aave-v3": an Aave v3 Pool (default). "morpho-blue": one Morpho Blue instance with its markets. */
export type ProtocolKind = "aave-v3" | "morpho-blue";

/**
 * One Morpho Blue market as Morpho decides liquidatability at the snapshot's time: totals accrued to
 * the protocol's `timestamp` (what `_accrueInterest` leaves before `_isHealthy` runs) and the oracle's
 * price (1e36-scaled, collateral in loan-token base units), or null when the oracle would revert or is
 * not one the indexer can follow.
 */
export type RiskMorphoMarket = {
  /** keccak256 of the market params, 0x + 64 hex, lower case. */
  id: string;
  loanToken: string;
  collateralToken: string;
  oracle: string;
  /** Liquidation LTV, WAD. */
  lltv: bigint;
  totalSupplyAssets: bigint;
  totalSupplyShares: bigint;
  totalBorrowAssets: bigint;
  totalBorrowShares: bigint;
  /** `IOracle.price()`, 1e36-scaled; null when unknown (then the market's positions are unpriced). */
  oraclePrice: bigint | null;
  priceStatus: PriceStatus;
  priceReason: string | null;
};

export type RiskProtocol = {
  id: string;
  name: string;
  chainId: number;
  /** Default "aave-v3". */
  kind?: ProtocolKind;
  /** Morpho Blue: every market of the instance (its reserves name them in `market`). */
  morphoMarkets?: RiskMorphoMarket[];
  reserves: RiskReserve[];
  positions: RiskPosition[];
  /** AaveOracle's BASE_CURRENCY_UNIT (default 1e8). */
  baseCurrencyUnit?: bigint;
  /** Unix seconds the indexes are brought forward to and stable debt is compounded to. */
  timestamp?: number;
  eModeCategories?: RiskEModeCategory[];
  /**
   * Aave v3: the Pool revision read on chain and the rule set applied to this market's exact figures
   * (lib/aave/revisions.ts). Absent (synthetic snapshots): v3.0 rules.
   */
  aaveRevision?: RiskAaveRevision;
  /** Problems of the whole market (unknown Pool revision, ...), one sentence each. */
  problems?: string[];
};

/**
 * Which Aave v3 rules a market's figures follow. `supported: false`: the revision is unread or not one
 * lib/aave/revisions.ts states; `rules` is then the closest rule set, applied as a stand-in, and the
 * market carries a problem saying so.
 */
export type RiskAaveRevision = {
  /** `POOL_REVISION` of the Pool implementation; null when not read yet. */
  poolRevision: number | null;
  rules: AaveRulesName;
  supported: boolean;
};

/**
 * A Uniswap v3 pool liquidators can sell a market's token into for the stablecoin: the pool's state at
 * the snapshot's block (slot0, in-range liquidity, every initialized tick with its liquidityNet), so the
 * cascade can swap through it exactly as the pool would (lib/uniswap/swap.ts).
 */
export type RiskDexPool = {
  chainId: number;
  /** Pool address, lower case. */
  address: string;
  token0: string;
  token1: string;
  /** The market's token the cascade sells: token0 or token1. */
  token: string;
  /** Decimals of the sold token and of the other one (what the pool pays out). */
  tokenDecimals: number;
  quoteDecimals: number;
  sqrtPriceX96: bigint;
  tick: number;
  /** In-range liquidity (`liquidity()`). */
  liquidity: bigint;
  /** Hundredths of a basis point (3000 = 0.3 %). */
  fee: number;
  tickSpacing: number;
  /** Every initialized tick (liquidityGross > 0) and its liquidityNet. */
  ticks: { tick: number; liquidityNet: bigint }[];
};

/** Everything the risk engine needs, as of one moment. See the module comment for units. */
export type RiskSnapshot = {
  asOf: {
    /**
     * Latest indexed block per chain: its timestamp (unix seconds) and, when the source knows it, its
     * number (the indexer's checkpoint). Every figure is as of these blocks.
     */
    blockTimestamps: { chainId: number; timestamp: number; blockNumber?: bigint }[];
    /** Last update per data source (indexer, price feed, ...), unix seconds. */
    sources: { source: string; updatedAt: number }[];
  };
  assets: RiskAsset[];
  bridges: RiskBridge[];
  protocols: RiskProtocol[];
  /**
   * DEX pools the price-shock cascade sells seized collateral into, at most one used per market (chain,
   * token): where a market has one, it replaces the reserves' constant-product `poolLiquidity`.
   */
  dexPools?: RiskDexPool[];
};
