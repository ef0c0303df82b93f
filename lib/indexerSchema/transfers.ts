import { index, onchainEnum, onchainTable } from "ponder";

/**
 * Bridge transfers and the supply ledger. Amounts are raw token units (uint256 as numeric(78)); `asset` is
 * always the HOME-chain token address, the asset's identity on every chain (DESIGN.md section 1). Row ids
 * that join several keys are plain strings ("<chainId>:<address>") so GraphQL can fetch a single row by id.
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

/**
 * The supply terms of one asset at every periodic supply check (home chain, every
 * INDEXER_SUPPLY_CHECK_INTERVAL_BLOCKS): the history behind the explorer's backing-ratio plot.
 * Backing ratio at that block = custody / (remoteOutstanding + inFlight).
 */
export const backingSample = onchainTable(
  "backing_sample",
  (t) => ({
    id: t.text().primaryKey(),
    asset: t.hex().notNull(),
    blockNumber: t.bigint().notNull(),
    timestamp: t.bigint().notNull(),
    custody: t.bigint().notNull(),
    remoteOutstanding: t.bigint().notNull(),
    inFlight: t.bigint().notNull(),
  }),
  (table) => ({ assetIdx: index().on(table.asset, table.timestamp) }),
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
