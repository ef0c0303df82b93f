import { index, onchainTable } from "ponder";

/** Price sources (Chainlink proxies behind AaveOracle) and what they forward. */

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
