import { type IndexingFunctionArgs, ponder } from "ponder:registry";
import { addScaled, tokenReserve } from "../indexer/aave.js";
import { scaledDeltaOfBurn, scaledDeltaOfMint } from "../indexer/aaveBalances.js";

// Variable debt tokens (found through ReserveInitialized): the same scaled arithmetic as aTokens.

async function onMint({ event, context }: IndexingFunctionArgs<"VariableDebtToken:Mint">) {
  const token = await tokenReserve(context.db, context.chain.id, event.log.address, event.block.number);
  if (!token) return;
  const { onBehalfOf, value, balanceIncrease, index } = event.args;
  const delta = scaledDeltaOfMint(value, balanceIncrease, index);
  await addScaled(
    context.db,
    token,
    context.chain.id,
    onBehalfOf,
    "scaledVariableDebt",
    delta,
    event.block.number,
  );
}

async function onBurn({ event, context }: IndexingFunctionArgs<"VariableDebtToken:Burn">) {
  const token = await tokenReserve(context.db, context.chain.id, event.log.address, event.block.number);
  if (!token) return;
  const { from, value, balanceIncrease, index } = event.args;
  const delta = scaledDeltaOfBurn(value, balanceIncrease, index);
  await addScaled(context.db, token, context.chain.id, from, "scaledVariableDebt", delta, event.block.number);
}

ponder.on("VariableDebtToken:Mint", onMint);
ponder.on("VariableDebtToken:Burn", onBurn);
ponder.on("VariableDebtTokenAtStart:Mint", onMint as never);
ponder.on("VariableDebtTokenAtStart:Burn", onBurn as never);
