import type { Context } from "ponder:registry";
import { uniswapPool, uniswapTick } from "ponder:schema";
import type { Address } from "viem";
import { currentDeployment, key, lower } from "./deployment.js";

type Db = Context["db"];

/**
 * The pool's row id, creating the row from the deployments file on the pool's first event (Ponder only
 * delivers events of the pools listed there).
 */
export async function poolId(
  db: Db,
  chainId: number,
  address: Address,
  blockNumber: bigint,
): Promise<string> {
  const id = key(chainId, address);
  if (await db.find(uniswapPool, { id })) return id;
  const listed = currentDeployment().uniswapPoolByAddress.get(id);
  if (!listed)
    throw new Error(`no Uniswap pool in the deployments file has address ${address} on ${chainId}`);
  await db.insert(uniswapPool).values({
    id,
    chainId,
    address: lower(address),
    token0: lower(listed.token0),
    token1: lower(listed.token1),
    fee: listed.fee,
    tickSpacing: listed.tickSpacing,
    sqrtPriceX96: null,
    tick: null,
    liquidity: 0n,
    swaps: 0,
    updatedAtBlock: blockNumber,
  });
  return id;
}

/**
 * A position's liquidity change (`delta` > 0 for Mint, < 0 for Burn) on its two ticks and, when the
 * current tick is in [tickLower, tickUpper), on the pool's in-range liquidity (Pool._modifyPosition).
 */
export async function addPositionLiquidity(
  db: Db,
  chainId: number,
  address: Address,
  tickLower: number,
  tickUpper: number,
  delta: bigint,
  blockNumber: bigint,
): Promise<void> {
  if (delta === 0n) return; // a Burn of 0 only pokes the position's fees
  const id = await poolId(db, chainId, address, blockNumber);
  for (const [tick, net] of [
    [tickLower, delta],
    [tickUpper, -delta],
  ] as const) {
    await db
      .insert(uniswapTick)
      .values({
        id: `${id}:${tick}`,
        pool: id,
        tick,
        liquidityGross: delta,
        liquidityNet: net,
        updatedAtBlock: blockNumber,
      })
      .onConflictDoUpdate((row) => ({
        liquidityGross: row.liquidityGross + delta,
        liquidityNet: row.liquidityNet + net,
        updatedAtBlock: blockNumber,
      }));
  }
  await db
    .update(uniswapPool, { id })
    .set((row) =>
      row.tick !== null && tickLower <= row.tick && row.tick < tickUpper
        ? { liquidity: row.liquidity + delta, updatedAtBlock: blockNumber }
        : { updatedAtBlock: blockNumber },
    );
}
