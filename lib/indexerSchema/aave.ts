import { index, onchainTable } from "ponder";

/*
 * Aave v3 markets (DESIGN.md section 4), as the real contracts speak: Pool and PoolConfigurator events from
 * their proxies, aToken/debt-token Mint/Burn/BalanceTransfer, AaveOracle sources, and each source's
 * Chainlink aggregator. Ids: market = protocol (deployments file), reserve = "<protocol>:<asset>",
 * position = "<protocol>:<user>:<asset>", price source = "<chainId>:<proxy>". Addresses are lower case.
 */

/** One Aave v3 market (one Pool). */
export const market = onchainTable("market", (t) => ({
  id: t.text().primaryKey(),
  chainId: t.integer().notNull(),
  name: t.text().notNull(),
  pool: t.hex().notNull(),
  poolConfigurator: t.hex().notNull(),
  addressesProvider: t.hex().notNull(),
  /** AaveOracle: the Pool reads every price through it. */
  oracle: t.hex().notNull(),
  /** AaveOracle's BASE_CURRENCY_UNIT (1e8 for USD with 8 decimals); every source must answer in it. */
  baseCurrencyUnit: t.bigint().notNull(),
  /** AaveOracle's fallback oracle (zero address when none): used by the oracle when a source answers <= 0. */
  fallbackOracle: t.hex().notNull(),
  /** Pool revision (`POOL_REVISION()`) read when the market was first seen: 1 = the v3.0 line. */
  poolRevision: t.integer(),
  updatedAtBlock: t.bigint().notNull(),
}));

/**
 * A reserve of a market, configured by PoolConfigurator events. Indexes and rates are those of the last
 * ReserveDataUpdated, as of `lastUpdateTimestamp` (the block that emitted it: the pool updates its state in
 * the same transaction), so the normalized income/debt at any later time is computed as the pool does.
 * Percentages are basis points, caps whole tokens (as the pool stores them), debt ceiling 2 decimals.
 */
export const reserve = onchainTable(
  "reserve",
  (t) => ({
    id: t.text().primaryKey(),
    protocol: t.text().notNull(),
    chainId: t.integer().notNull(),
    pool: t.hex().notNull(),
    /** The underlying token. */
    asset: t.hex().notNull(),
    /** Home-chain identity of the underlying when it is a token of the deployments file (bridged or home). */
    homeAsset: t.hex(),
    symbol: t.text(),
    decimals: t.integer().notNull(),
    aToken: t.hex().notNull(),
    stableDebtToken: t.hex().notNull(),
    variableDebtToken: t.hex().notNull(),
    interestRateStrategy: t.hex().notNull(),
    ltv: t.integer().notNull(),
    liquidationThreshold: t.integer().notNull(),
    liquidationBonus: t.integer().notNull(),
    reserveFactor: t.integer().notNull(),
    liquidationProtocolFee: t.integer().notNull(),
    supplyCap: t.bigint().notNull(),
    borrowCap: t.bigint().notNull(),
    debtCeiling: t.bigint().notNull(),
    eModeCategory: t.integer().notNull(),
    active: t.boolean().notNull(),
    frozen: t.boolean().notNull(),
    paused: t.boolean().notNull(),
    borrowingEnabled: t.boolean().notNull(),
    stableBorrowingEnabled: t.boolean().notNull(),
    liquidityIndex: t.bigint().notNull(),
    variableBorrowIndex: t.bigint().notNull(),
    liquidityRate: t.bigint().notNull(),
    variableBorrowRate: t.bigint().notNull(),
    stableBorrowRate: t.bigint().notNull(),
    lastUpdateTimestamp: t.bigint().notNull(),
    /** Sum of the positions' scaled aToken balances / scaled variable debts (treasury included). */
    totalScaledSupply: t.bigint().notNull(),
    totalScaledVariableDebt: t.bigint().notNull(),
    /** Sum of MintedToTreasury amounts (the treasury's aToken balance itself is a position). */
    mintedToTreasury: t.bigint().notNull(),
    /** AaveOracle's source for the asset (a Chainlink proxy): price_source "<chainId>:<priceSource>". */
    priceSource: t.hex(),
    /**
     * What is wrong with this reserve's configuration or price, one sentence each (empty when nothing):
     * no source, a source whose decimals disagree with the market's base unit (never rescaled), an
     * unreadable source. Recorded here so one bad reserve never makes a whole market unreadable.
     */
    problems: t.text().array().notNull(),
    updatedAtBlock: t.bigint().notNull(),
  }),
  (table) => ({ protocolIdx: index().on(table.protocol), assetIdx: index().on(table.chainId, table.asset) }),
);

/** An eMode category of a market (v3.0-3.1 form: one ltv/lt/bonus and an optional price source). */
export const emodeCategory = onchainTable(
  "emode_category",
  (t) => ({
    id: t.text().primaryKey(),
    protocol: t.text().notNull(),
    categoryId: t.integer().notNull(),
    ltv: t.integer().notNull(),
    liquidationThreshold: t.integer().notNull(),
    liquidationBonus: t.integer().notNull(),
    /** The category's price source (zero address: each reserve's own AaveOracle source). */
    priceSource: t.hex().notNull(),
    label: t.text().notNull(),
    updatedAtBlock: t.bigint().notNull(),
  }),
  (table) => ({ protocolIdx: index().on(table.protocol) }),
);

/** A user of a market: its eMode category (0 = none), from UserEModeSet. Id "<protocol>:<user>". */
export const marketUser = onchainTable(
  "market_user",
  (t) => ({
    id: t.text().primaryKey(),
    protocol: t.text().notNull(),
    chainId: t.integer().notNull(),
    user: t.hex().notNull(),
    eModeCategory: t.integer().notNull(),
    /** Last block with a Supply/Withdraw/Borrow/Repay/LiquidationCall for this user. */
    lastActivityBlock: t.bigint().notNull(),
    updatedAtBlock: t.bigint().notNull(),
  }),
  (table) => ({ userIdx: index().on(table.user) }),
);

/**
 * aToken / stable / variable debt token -> its reserve, written at ReserveInitialized, so each token event
 * finds its reserve with one lookup by primary key. Id "<chainId>:<token>".
 */
export const reserveToken = onchainTable("reserve_token", (t) => ({
  id: t.text().primaryKey(),
  reserveId: t.text().notNull(),
  protocol: t.text().notNull(),
  asset: t.hex().notNull(),
  kind: t.text().notNull(),
}));

/**
 * A user's position in one reserve, as the tokens keep it: the aToken's and variable debt token's scaled
 * balances (`scaledBalanceOf`), and the stable debt token's principal, user rate (ray) and timestamp.
 */
export const position = onchainTable(
  "position",
  (t) => ({
    id: t.text().primaryKey(),
    protocol: t.text().notNull(),
    chainId: t.integer().notNull(),
    user: t.hex().notNull(),
    reserveId: t.text().notNull(),
    asset: t.hex().notNull(),
    scaledATokenBalance: t.bigint().notNull(),
    scaledVariableDebt: t.bigint().notNull(),
    stableDebtPrincipal: t.bigint().notNull(),
    stableBorrowRate: t.bigint().notNull(),
    stableDebtTimestamp: t.bigint().notNull(),
    usedAsCollateral: t.boolean().notNull(),
    updatedAtBlock: t.bigint().notNull(),
  }),
  (table) => ({
    userIdx: index().on(table.user),
    protocolIdx: index().on(table.protocol, table.user),
    reserveIdx: index().on(table.reserveId),
  }),
);

export const liquidation = onchainTable(
  "liquidation",
  (t) => ({
    id: t.text().primaryKey(),
    protocol: t.text().notNull(),
    chainId: t.integer().notNull(),
    user: t.hex().notNull(),
    collateralAsset: t.hex().notNull(),
    debtAsset: t.hex().notNull(),
    debtToCover: t.bigint().notNull(),
    liquidatedCollateralAmount: t.bigint().notNull(),
    liquidator: t.hex().notNull(),
    receiveAToken: t.boolean().notNull(),
    blockNumber: t.bigint().notNull(),
    timestamp: t.bigint().notNull(),
    transactionHash: t.hex().notNull(),
  }),
  (table) => ({ userIdx: index().on(table.user), protocolIdx: index().on(table.protocol) }),
);
