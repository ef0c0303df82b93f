import { index, onchainEnum, onchainTable, primaryKey, relations } from "ponder";

/**
 * The indexer's tables. Amounts are raw token units (uint256 as numeric(78)); `asset` is always the
 * HOME-chain token address, the asset's identity on every chain (DESIGN.md section 1). Row ids that join
 * several keys are plain strings ("<chainId>:<address>") so GraphQL can fetch a single row by id.
 */

export const transferStatus = onchainEnum("transfer_status", ["pending", "delivered", "awaiting_source"]);
export const transferDirection = onchainEnum("transfer_direction", ["to_remote", "to_home"]);

/**
 * One row per bridge message id, joining its source leg (Locked/Burned) and destination leg
 * (Minted/Released). Either leg may be indexed first (ordering across chains is by block timestamp, and
 * clocks of different chains can disagree), so each leg's handler upserts only its own columns.
 */
export const transfer = onchainTable(
  "transfer",
  (t) => ({
    id: t.hex().primaryKey(),
    asset: t.hex().notNull(),
    direction: transferDirection("direction").notNull(),
    amount: t.bigint().notNull(),
    sourceChainId: t.integer().notNull(),
    destinationChainId: t.integer().notNull(),
    /** The remote end of the route, whichever way the message goes. */
    remoteChainId: t.integer().notNull(),
    recipient: t.hex().notNull(),
    status: transferStatus("status").notNull(),
    // Source leg: known once Locked/Burned is indexed.
    sender: t.hex(),
    nonce: t.bigint(),
    sourceBlock: t.bigint(),
    sourceTx: t.hex(),
    sourceTimestamp: t.bigint(),
    // Destination leg: known once Minted/Released is indexed.
    wrappedToken: t.hex(),
    destinationBlock: t.bigint(),
    destinationTx: t.hex(),
    destinationTimestamp: t.bigint(),
    /** The quorum-signed Merkle root the message was proven under (null for a per-message delivery). */
    deliveredRoot: t.hex(),
    /** destinationTimestamp - sourceTimestamp, once both legs are known. */
    latencySeconds: t.integer(),
  }),
  (table) => ({
    assetIdx: index().on(table.asset),
    statusIdx: index().on(table.status),
    recipientIdx: index().on(table.recipient),
    senderIdx: index().on(table.sender),
  }),
);

/**
 * Running totals per (route, asset); a route is the pair (home chain, remote chain), both directions.
 * outstanding = minted - burned on the remote chain (its wrapped supply created by this bridge);
 * inFlight = amounts whose source leg is indexed and destination leg is not yet.
 */
export const routeTotals = onchainTable(
  "route_totals",
  (t) => ({
    id: t.text().primaryKey(),
    asset: t.hex().notNull(),
    homeChainId: t.integer().notNull(),
    remoteChainId: t.integer().notNull(),
    locked: t.bigint().notNull(),
    released: t.bigint().notNull(),
    minted: t.bigint().notNull(),
    burned: t.bigint().notNull(),
    outstanding: t.bigint().notNull(),
    inFlight: t.bigint().notNull(),
    messages: t.integer().notNull(),
    delivered: t.integer().notNull(),
  }),
  (table) => ({ assetIdx: index().on(table.asset) }),
);

/**
 * Cross-chain supply per asset, the terms of the supply check:
 * remoteOutstanding (minted - burned on every remote chain) <= custody (locked - released at home)
 * + awaitingSource (destination legs indexed before their source leg, inside the grace window).
 */
export const assetSupply = onchainTable("asset_supply", (t) => ({
  id: t.hex().primaryKey(),
  homeChainId: t.integer().notNull(),
  custody: t.bigint().notNull(),
  remoteOutstanding: t.bigint().notNull(),
  inFlight: t.bigint().notNull(),
  awaitingSource: t.bigint().notNull(),
  /** Block time since which awaitingSource has been non-zero (null when zero): no leg is older. */
  awaitingSince: t.bigint(),
  violations: t.integer().notNull(),
  /** remoteOutstanding - custody - tolerated awaitingSource at the last check (> 0 means violated). */
  excess: t.bigint().notNull(),
  /** Whether the last check held. */
  healthy: t.boolean().notNull(),
  lastCheckChainId: t.integer().notNull(),
  lastCheckBlock: t.bigint().notNull(),
  lastCheckTimestamp: t.bigint().notNull(),
}));

/** A block where the supply check failed: more wrapped supply on remote chains than the vault holds. */
export const supplyViolation = onchainTable(
  "supply_violation",
  (t) => ({
    id: t.text().primaryKey(),
    asset: t.hex().notNull(),
    chainId: t.integer().notNull(),
    blockNumber: t.bigint().notNull(),
    blockTimestamp: t.bigint().notNull(),
    transactionHash: t.hex().notNull(),
    /** The event that tipped the balance, e.g. "Minted". */
    trigger: t.text().notNull(),
    messageId: t.hex(),
    remoteOutstanding: t.bigint().notNull(),
    custody: t.bigint().notNull(),
    awaitingSource: t.bigint().notNull(),
    excess: t.bigint().notNull(),
  }),
  (table) => ({ assetIdx: index().on(table.asset), blockIdx: index().on(table.chainId, table.blockNumber) }),
);

/** Wrapped-token supply per (chain, token) from its Transfer events: the token's own totalSupply. */
export const tokenSupply = onchainTable("token_supply", (t) => ({
  id: t.text().primaryKey(),
  chainId: t.integer().notNull(),
  token: t.hex().notNull(),
  asset: t.hex(),
  totalSupply: t.bigint().notNull(),
  /** Minted - Burned by the bridge on this chain; differs from totalSupply only if something else minted. */
  bridgeSupply: t.bigint().notNull(),
  transfers: t.integer().notNull(),
}));

/** Validator set per (chain, epoch), from ValidatorSetRotated. */
export const validatorSet = onchainTable(
  "validator_set",
  (t) => ({
    chainId: t.integer().notNull(),
    epoch: t.bigint().notNull(),
    contract: t.hex().notNull(),
    validators: t.hex().array().notNull(),
    threshold: t.bigint().notNull(),
    /** Exclusive end of this epoch's validity once rotated out (0 while current). */
    validUntil: t.bigint().notNull(),
    rotatedAtBlock: t.bigint().notNull(),
    rotatedAtTimestamp: t.bigint().notNull(),
    transactionHash: t.hex().notNull(),
  }),
  (table) => ({ pk: primaryKey({ columns: [table.chainId, table.epoch] }) }),
);

/** Per-chain bridge contract state: pause, validator epoch, grace window. */
export const bridgeContract = onchainTable("bridge_contract", (t) => ({
  chainId: t.integer().primaryKey(),
  address: t.hex().notNull(),
  role: t.text().notNull(),
  currentEpoch: t.bigint(),
  graceSeconds: t.bigint(),
  pauser: t.hex(),
  /** Operations revert while block.timestamp < pausedUntil; 0 = not paused. */
  pausedUntil: t.bigint().notNull(),
  updatedAtBlock: t.bigint().notNull(),
}));

/** Route parameters as the bridge on `chainId` sees them: trusted remote bridge, mint ceiling. */
export const bridgeRoute = onchainTable(
  "bridge_route",
  (t) => ({
    chainId: t.integer().notNull(),
    remoteChainId: t.integer().notNull(),
    remoteBridge: t.hex().notNull(),
    updatedAtBlock: t.bigint().notNull(),
  }),
  (table) => ({ pk: primaryKey({ columns: [table.chainId, table.remoteChainId] }) }),
);

/** Token bucket per (chain, remote chain, asset, direction). direction 0 = outbound, 1 = inbound. */
export const rateLimit = onchainTable(
  "rate_limit",
  (t) => ({
    chainId: t.integer().notNull(),
    remoteChainId: t.integer().notNull(),
    asset: t.hex().notNull(),
    direction: t.integer().notNull(),
    capacity: t.bigint().notNull(),
    refillPerSecond: t.bigint().notNull(),
    updatedAtBlock: t.bigint().notNull(),
  }),
  (table) => ({
    pk: primaryKey({ columns: [table.chainId, table.remoteChainId, table.asset, table.direction] }),
  }),
);

/** Wrapped token registry and mint ceiling per (remote chain, asset). */
export const wrappedAsset = onchainTable(
  "wrapped_asset",
  (t) => ({
    chainId: t.integer().notNull(),
    asset: t.hex().notNull(),
    wrappedToken: t.hex(),
    homeChainId: t.integer(),
    mintCeiling: t.bigint().notNull(),
  }),
  (table) => ({ pk: primaryKey({ columns: [table.chainId, table.asset] }) }),
);

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

/**
 * A Chainlink proxy used as a price source, and what it currently forwards: the proxy emits nothing when
 * it switches aggregator, so `aggregator` is re-read on a block interval (INDEXER_PRICE_CHECK_INTERVAL_BLOCKS)
 * and the latest round is read on a switch. `answer` is the raw answer, exactly what AaveOracle returns.
 */
export const priceSource = onchainTable(
  "price_source",
  (t) => ({
    id: t.text().primaryKey(),
    chainId: t.integer().notNull(),
    proxy: t.hex().notNull(),
    /** The aggregator behind the proxy as of `checkedAtBlock` (null when `aggregator()` could not be read). */
    aggregator: t.hex(),
    /** The proxy's `decimals()` (null when unreadable). */
    decimals: t.integer(),
    description: t.text(),
    /** A token this source prices (from the deployments file or the last AssetSourceUpdated). */
    asset: t.hex(),
    symbol: t.text(),
    /** Longest expected gap between answers (deployments file, else the default). */
    heartbeatSeconds: t.integer().notNull(),
    /** Latest answer (null until one is known), its round and its `updatedAt` (unix seconds). */
    answer: t.bigint(),
    roundId: t.bigint(),
    updatedAt: t.bigint(),
    /**
     * How the answer was last learnt: "answer-updated" (the aggregator's event), "source-set" (read when
     * AaveOracle set the source), "aggregator-switch" (read after the interval check saw a new aggregator),
     * "config" (read when first seen from the deployments file), "unreadable" (the read failed).
     */
    answerFrom: t.text(),
    /**
     * Block the source was last read in full and why ("source-set", "config", "aggregator-switch"); the
     * interval check's own last block is price_check.checkedAtBlock.
     */
    checkedAtBlock: t.bigint().notNull(),
    checkedBy: t.text().notNull(),
    /** Number of aggregator switches seen. */
    switches: t.integer().notNull(),
  }),
  (table) => ({ chainIdx: index().on(table.chainId) }),
);

/**
 * The interval check per chain: which sources it re-reads (ids of price_source) and the block it last ran
 * at. One row per chain, so the check needs no SQL scan (which would flush Ponder's cache every tick).
 */
export const priceCheck = onchainTable("price_check", (t) => ({
  chainId: t.integer().primaryKey(),
  sources: t.text().array().notNull(),
  checkedAtBlock: t.bigint().notNull(),
}));

/**
 * Reverse map aggregator -> proxies that currently forward to it, so AnswerUpdated (emitted by the
 * aggregator) finds its proxies with one lookup by primary key. Id "<chainId>:<aggregator>".
 */
export const priceAggregator = onchainTable("price_aggregator", (t) => ({
  id: t.text().primaryKey(),
  chainId: t.integer().notNull(),
  aggregator: t.hex().notNull(),
  /** Price source ids ("<chainId>:<proxy>") currently reading this aggregator; empty once switched away. */
  sources: t.text().array().notNull(),
}));

/**
 * AaveOracle's source per asset (AssetSourceUpdated), kept apart from `reserve` because Aave's deploy
 * scripts set sources before the reserves exist. Id "<protocol>:<asset>".
 */
export const assetSource = onchainTable("asset_source", (t) => ({
  id: t.text().primaryKey(),
  protocol: t.text().notNull(),
  asset: t.hex().notNull(),
  source: t.hex().notNull(),
  updatedAtBlock: t.bigint().notNull(),
}));

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

export const transferRelations = relations(transfer, ({ one }) => ({
  supply: one(assetSupply, { fields: [transfer.asset], references: [assetSupply.id] }),
}));

export const assetSupplyRelations = relations(assetSupply, ({ many }) => ({
  routes: many(routeTotals),
  violationRows: many(supplyViolation),
}));

export const routeTotalsRelations = relations(routeTotals, ({ one }) => ({
  supply: one(assetSupply, { fields: [routeTotals.asset], references: [assetSupply.id] }),
}));

export const supplyViolationRelations = relations(supplyViolation, ({ one }) => ({
  supply: one(assetSupply, { fields: [supplyViolation.asset], references: [assetSupply.id] }),
}));

export const marketRelations = relations(market, ({ many }) => ({
  reserves: many(reserve),
  emodeCategories: many(emodeCategory),
}));

export const reserveRelations = relations(reserve, ({ one, many }) => ({
  market: one(market, { fields: [reserve.protocol], references: [market.id] }),
  positions: many(position),
}));

export const emodeCategoryRelations = relations(emodeCategory, ({ one }) => ({
  market: one(market, { fields: [emodeCategory.protocol], references: [market.id] }),
}));

export const positionRelations = relations(position, ({ one }) => ({
  reserveRow: one(reserve, { fields: [position.reserveId], references: [reserve.id] }),
}));
