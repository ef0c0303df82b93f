import { index, onchainTable } from "ponder";

/*
 * Uniswap v3 pools (issue 15): what a cascade needs to sell through a pool exactly as the pool would
 * swap, kept from the pool's own events. `uniswap_pool` equals the pool's slot0 (sqrtPriceX96, tick)
 * and `liquidity()` at every indexed block; `uniswap_tick` equals `ticks(tick)`'s liquidityGross and
 * liquidityNet for every tick a position ever used (a tick is initialized while its gross is non-zero).
 * Ids: pool = "<chainId>:<address>", tick = "<pool id>:<tick>". Addresses lower case.
 */

export const uniswapPool = onchainTable(
  "uniswap_pool",
  (t) => ({
    id: t.text().primaryKey(),
    chainId: t.integer().notNull(),
    address: t.hex().notNull(),
    token0: t.hex().notNull(),
    token1: t.hex().notNull(),
    /** Fee in hundredths of a basis point (500 = 0.05 %). */
    fee: t.integer().notNull(),
    tickSpacing: t.integer().notNull(),
    /** Null until Initialize: a pool without a price cannot be sold into. */
    sqrtPriceX96: t.bigint(),
    tick: t.integer(),
    /** In-range liquidity (the pool's `liquidity()`). */
    liquidity: t.bigint().notNull(),
    swaps: t.integer().notNull(),
    updatedAtBlock: t.bigint().notNull(),
  }),
  (table) => ({ chainIdx: index().on(table.chainId) }),
);

export const uniswapTick = onchainTable(
  "uniswap_tick",
  (t) => ({
    id: t.text().primaryKey(),
    pool: t.text().notNull(),
    tick: t.integer().notNull(),
    liquidityGross: t.bigint().notNull(),
    /** Liquidity added when the price crosses this tick upwards (removed downwards). */
    liquidityNet: t.bigint().notNull(),
    updatedAtBlock: t.bigint().notNull(),
  }),
  (table) => ({ poolIdx: index().on(table.pool) }),
);
