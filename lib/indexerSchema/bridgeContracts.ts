import { onchainTable, primaryKey } from "ponder";

/** What the bridge contracts on each chain say about themselves: validator sets, pause, routes, limits. */

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

/**
 * Token bucket per (chain, remote chain, asset, direction), direction 0 = outbound, 1 = inbound, in the
 * contract's own terms: `tokens` is the level as last written at block timestamp `updatedAt` (by
 * RateLimitSet or a transfer); what is available at a later time follows from the refill rate
 * (lib/bridge/rateLimitBucket.ts). Capacity 0 = unlimited.
 */
export const rateLimit = onchainTable(
  "rate_limit",
  (t) => ({
    chainId: t.integer().notNull(),
    remoteChainId: t.integer().notNull(),
    asset: t.hex().notNull(),
    direction: t.integer().notNull(),
    capacity: t.bigint().notNull(),
    refillPerSecond: t.bigint().notNull(),
    tokens: t.bigint().notNull(),
    updatedAt: t.bigint().notNull(),
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
