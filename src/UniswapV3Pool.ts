import { ponder } from "ponder:registry";
import { uniswapPool } from "ponder:schema";
import { addPositionLiquidity, poolId } from "../indexer/uniswap.js";

// Uniswap v3 pools listed in the deployments file. Swap carries the pool's state after it (price, tick,
// in-range liquidity); Mint and Burn change the liquidity of their two ticks, and the in-range liquidity
// when the current tick is inside their range, exactly as UniswapV3Pool._modifyPosition does.
// Collect, Flash and the protocol-fee events move no price and no liquidity.

ponder.on("UniswapV3Pool:Initialize", async ({ event, context }) => {
  await context.db
    .update(uniswapPool, {
      id: await poolId(context.db, context.chain.id, event.log.address, event.block.number),
    })
    .set({
      sqrtPriceX96: event.args.sqrtPriceX96,
      tick: event.args.tick,
      updatedAtBlock: event.block.number,
    });
});

ponder.on("UniswapV3Pool:Mint", async ({ event, context }) => {
  const { tickLower, tickUpper, amount } = event.args;
  await addPositionLiquidity(
    context.db,
    context.chain.id,
    event.log.address,
    tickLower,
    tickUpper,
    amount,
    event.block.number,
  );
});

ponder.on("UniswapV3Pool:Burn", async ({ event, context }) => {
  const { tickLower, tickUpper, amount } = event.args;
  await addPositionLiquidity(
    context.db,
    context.chain.id,
    event.log.address,
    tickLower,
    tickUpper,
    -amount,
    event.block.number,
  );
});

ponder.on("UniswapV3Pool:Swap", async ({ event, context }) => {
  const id = await poolId(context.db, context.chain.id, event.log.address, event.block.number);
  await context.db.update(uniswapPool, { id }).set((row) => ({
    sqrtPriceX96: event.args.sqrtPriceX96,
    tick: event.args.tick,
    liquidity: event.args.liquidity,
    swaps: row.swaps + 1,
    updatedAtBlock: event.block.number,
  }));
});
