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

/** Latest answer per (asset, chain): id "<chainId>:<feed>". Answers have 8 decimals (USD). */
export const price = onchainTable("price", (t) => ({
  id: t.text().primaryKey(),
  chainId: t.integer().notNull(),
  feed: t.hex().notNull(),
  asset: t.hex(),
  symbol: t.text(),
  answer: t.bigint().notNull(),
  roundId: t.bigint().notNull(),
  updatedAt: t.bigint().notNull(),
  blockNumber: t.bigint().notNull(),
}));

/** Every AnswerUpdated. */
export const priceUpdate = onchainTable(
  "price_update",
  (t) => ({
    id: t.text().primaryKey(),
    chainId: t.integer().notNull(),
    feed: t.hex().notNull(),
    asset: t.hex(),
    answer: t.bigint().notNull(),
    roundId: t.bigint().notNull(),
    updatedAt: t.bigint().notNull(),
    blockNumber: t.bigint().notNull(),
  }),
  (table) => ({ feedIdx: index().on(table.chainId, table.feed, table.blockNumber) }),
);

/**
 * A lending pool reserve: id "<protocol>:<reserve>". Indexes and rates as of lastUpdateTimestamp, so the
 * normalized income/debt at any later time is computed exactly as the pool does (lib/aave/interest.ts).
 */
export const reserve = onchainTable("reserve", (t) => ({
  id: t.text().primaryKey(),
  protocol: t.text().notNull(),
  chainId: t.integer().notNull(),
  pool: t.hex().notNull(),
  reserve: t.hex().notNull(),
  /** Home-chain identity of the reserve's token, when it is a bridged or home asset we know. */
  asset: t.hex(),
  symbol: t.text(),
  decimals: t.integer().notNull(),
  priceFeed: t.hex().notNull(),
  ltv: t.integer().notNull(),
  liquidationThreshold: t.integer().notNull(),
  liquidationBonus: t.integer().notNull(),
  liquidityIndex: t.bigint().notNull(),
  variableBorrowIndex: t.bigint().notNull(),
  liquidityRate: t.bigint().notNull(),
  variableBorrowRate: t.bigint().notNull(),
  lastUpdateTimestamp: t.bigint().notNull(),
  totalScaledSupply: t.bigint().notNull(),
  totalScaledDebt: t.bigint().notNull(),
}));

/** A user's position in one reserve: id "<protocol>:<user>:<reserve>"; balances scaled as the pool keeps them. */
export const position = onchainTable(
  "position",
  (t) => ({
    id: t.text().primaryKey(),
    protocol: t.text().notNull(),
    chainId: t.integer().notNull(),
    user: t.hex().notNull(),
    reserveId: t.text().notNull(),
    reserve: t.hex().notNull(),
    scaledCollateral: t.bigint().notNull(),
    scaledDebt: t.bigint().notNull(),
    usedAsCollateral: t.boolean().notNull(),
    updatedAtBlock: t.bigint().notNull(),
  }),
  (table) => ({ userIdx: index().on(table.user), protocolIdx: index().on(table.protocol, table.user) }),
);

export const liquidation = onchainTable(
  "liquidation",
  (t) => ({
    id: t.text().primaryKey(),
    protocol: t.text().notNull(),
    chainId: t.integer().notNull(),
    user: t.hex().notNull(),
    collateralReserve: t.hex().notNull(),
    debtReserve: t.hex().notNull(),
    debtToCover: t.bigint().notNull(),
    liquidatedCollateralAmount: t.bigint().notNull(),
    liquidator: t.hex().notNull(),
    receiveAToken: t.boolean().notNull(),
    blockNumber: t.bigint().notNull(),
    timestamp: t.bigint().notNull(),
    transactionHash: t.hex().notNull(),
  }),
  (table) => ({ userIdx: index().on(table.user) }),
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

export const reserveRelations = relations(reserve, ({ many }) => ({ positions: many(position) }));

export const positionRelations = relations(position, ({ one }) => ({
  reserveRow: one(reserve, { fields: [position.reserveId], references: [reserve.id] }),
}));
