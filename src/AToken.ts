import { type IndexingFunctionArgs, ponder } from "ponder:registry";
import { addScaled, tokenReserve } from "../indexer/aave.js";
import { scaledDeltaOfBurn, scaledDeltaOfMint } from "../indexer/aaveBalances.js";

// aTokens: found through ReserveInitialized (AToken, a factory in ponder.config.ts), or, for reserves a
// watched market listed before its start block, named at start-up (ATokenAtStart). Scaled balances follow
// the token's own arithmetic (indexer/aaveBalances.ts); Transfer events are redundant with these.

async function onMint({ event, context }: IndexingFunctionArgs<"AToken:Mint">) {
  const token = await tokenReserve(context.db, context.chain.id, event.log.address, event.block.number);
  if (!token) return;
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
}

async function onBurn({ event, context }: IndexingFunctionArgs<"AToken:Burn">) {
  const token = await tokenReserve(context.db, context.chain.id, event.log.address, event.block.number);
  if (!token) return;
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
}

// v3.0 emits the scaled amount (`amount.rayDiv(index)`, exactly what the token moves): transfers, the
// liquidation protocol fee to the treasury, and liquidations that receive aTokens.
async function onBalanceTransfer({ event, context }: IndexingFunctionArgs<"AToken:BalanceTransfer">) {
  const token = await tokenReserve(context.db, context.chain.id, event.log.address, event.block.number);
  if (!token) return;
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
}

ponder.on("AToken:Mint", onMint);
ponder.on("AToken:Burn", onBurn);
ponder.on("AToken:BalanceTransfer", onBalanceTransfer);
ponder.on("ATokenAtStart:Mint", onMint as never);
ponder.on("ATokenAtStart:Burn", onBurn as never);
ponder.on("ATokenAtStart:BalanceTransfer", onBalanceTransfer as never);
