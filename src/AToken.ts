import { ponder } from "ponder:registry";
import { addScaled, tokenReserve } from "../indexer/aave.js";
import { scaledDeltaOfBurn, scaledDeltaOfMint } from "../indexer/aaveBalances.js";

// aTokens, found through ReserveInitialized (ponder.config.ts factory). Scaled balances follow the token's
// own arithmetic (indexer/aaveBalances.ts); Transfer events are redundant with these and not indexed.

ponder.on("AToken:Mint", async ({ event, context }) => {
  const token = await tokenReserve(context.db, context.chain.id, event.log.address);
  const { onBehalfOf, value, balanceIncrease, index } = event.args;
  const delta = scaledDeltaOfMint(value, balanceIncrease, index);
  await addScaled(
    context.db,
    token,
    context.chain.id,
    onBehalfOf,
    "scaledATokenBalance",
    delta,
    event.block.number,
  );
});

ponder.on("AToken:Burn", async ({ event, context }) => {
  const token = await tokenReserve(context.db, context.chain.id, event.log.address);
  const { from, value, balanceIncrease, index } = event.args;
  const delta = scaledDeltaOfBurn(value, balanceIncrease, index);
  await addScaled(
    context.db,
    token,
    context.chain.id,
    from,
    "scaledATokenBalance",
    delta,
    event.block.number,
  );
});

// v3.0 emits the scaled amount (`amount.rayDiv(index)`, exactly what the token moves): transfers, the
// liquidation protocol fee to the treasury, and liquidations that receive aTokens.
ponder.on("AToken:BalanceTransfer", async ({ event, context }) => {
  const token = await tokenReserve(context.db, context.chain.id, event.log.address);
  const { from, to, value } = event.args;
  if (from.toLowerCase() === to.toLowerCase()) return;
  await addScaled(
    context.db,
    token,
    context.chain.id,
    from,
    "scaledATokenBalance",
    -value,
    event.block.number,
  );
  await addScaled(context.db, token, context.chain.id, to, "scaledATokenBalance", value, event.block.number);
});
