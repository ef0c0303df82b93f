import { type IndexingFunctionArgs, ponder } from "ponder:registry";
import { setStableDebt, tokenReserve } from "../indexer/aave.js";
import { stableAfterBurn, stableAfterMint } from "../indexer/aaveBalances.js";

// Stable debt tokens (v3.0 still has them): principal, the user's rate and timestamp, as the token stores
// them; the balance at any time is principal compounded at that rate since the timestamp.

const state = (row: {
  stableDebtPrincipal: bigint;
  stableBorrowRate: bigint;
  stableDebtTimestamp: bigint;
}) => ({
  principal: row.stableDebtPrincipal,
  rate: row.stableBorrowRate,
  timestamp: row.stableDebtTimestamp,
});

async function onMint({ event, context }: IndexingFunctionArgs<"StableDebtToken:Mint">) {
  const token = await tokenReserve(context.db, context.chain.id, event.log.address, event.block.number);
  if (!token) return;
  const { onBehalfOf, amount, newRate } = event.args;
  await setStableDebt(
    context.db,
    token,
    context.chain.id,
    onBehalfOf,
    (row) => stableAfterMint(state(row), amount, newRate, event.block.timestamp),
    event.block.number,
  );
}

async function onBurn({ event, context }: IndexingFunctionArgs<"StableDebtToken:Burn">) {
  const token = await tokenReserve(context.db, context.chain.id, event.log.address, event.block.number);
  if (!token) return;
  const { from, amount, currentBalance, balanceIncrease } = event.args;
  await setStableDebt(
    context.db,
    token,
    context.chain.id,
    from,
    (row) => stableAfterBurn(state(row), amount, currentBalance, balanceIncrease, event.block.timestamp),
    event.block.number,
  );
}

ponder.on("StableDebtToken:Mint", onMint);
ponder.on("StableDebtToken:Burn", onBurn);
ponder.on("StableDebtTokenAtStart:Mint", onMint as never);
ponder.on("StableDebtTokenAtStart:Burn", onBurn as never);
