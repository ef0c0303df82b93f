import { ponder } from "ponder:registry";
import { liquidation, reserve } from "ponder:schema";
import { marketAt, reserveId, setUsedAsCollateral, touchUser } from "../indexer/aave.js";
import { aaveStartState } from "../indexer/aaveStartState.js";
import { loadCurrentDeployment, lower } from "../indexer/deployment.js";

// Watched markets are discovered from the chain before any handler runs (every indexing file shares this
// module instance of indexer/deployment.ts, so one await here makes currentDeployment() ready for all).
await loadCurrentDeployment();

// Pool events (emitted by the Pool proxy). Balances are not taken from Supply/Withdraw/Borrow/Repay: the
// aToken and debt-token Mint/Burn/BalanceTransfer of the same transaction carry the exact scaled change
// (interest, protocol fees and treasury mints included), so these events only record who is active.

// A watched market's state as of the block before its start block (indexer/aaveStartState.ts).
ponder.on("AavePool:setup", async ({ context }) => {
  await aaveStartState(context);
});

ponder.on("AavePool:ReserveDataUpdated", async ({ event, context }) => {
  const m = marketAt(context.chain.id, event.log.address, event.block.number);
  if (!m) return;
  const { protocol } = m;
  const id = reserveId(protocol, event.args.reserve);
  if (!(await context.db.find(reserve, { id }))) return;
  // The pool updates its state (indexes, lastUpdateTimestamp = block time) in the same transaction that
  // emits this event, so the block's timestamp is the reserve's lastUpdateTimestamp.
  await context.db.update(reserve, { id }).set({
    liquidityRate: event.args.liquidityRate,
    stableBorrowRate: event.args.stableBorrowRate,
    variableBorrowRate: event.args.variableBorrowRate,
    liquidityIndex: event.args.liquidityIndex,
    variableBorrowIndex: event.args.variableBorrowIndex,
    lastUpdateTimestamp: event.block.timestamp,
    updatedAtBlock: event.block.number,
  });
});

ponder.on("AavePool:ReserveUsedAsCollateralEnabled", async ({ event, context }) => {
  const m = marketAt(context.chain.id, event.log.address, event.block.number);
  if (!m) return;
  const { protocol } = m;
  await setUsedAsCollateral(
    context.db,
    protocol,
    context.chain.id,
    event.args.user,
    event.args.reserve,
    true,
    event.block.number,
  );
});

ponder.on("AavePool:ReserveUsedAsCollateralDisabled", async ({ event, context }) => {
  const m = marketAt(context.chain.id, event.log.address, event.block.number);
  if (!m) return;
  const { protocol } = m;
  await setUsedAsCollateral(
    context.db,
    protocol,
    context.chain.id,
    event.args.user,
    event.args.reserve,
    false,
    event.block.number,
  );
});

ponder.on("AavePool:UserEModeSet", async ({ event, context }) => {
  const m = marketAt(context.chain.id, event.log.address, event.block.number);
  if (!m) return;
  const { protocol } = m;
  await touchUser(
    context.db,
    protocol,
    context.chain.id,
    event.args.user,
    event.block.number,
    event.args.categoryId,
  );
});

ponder.on("AavePool:Supply", async ({ event, context }) => {
  const m = marketAt(context.chain.id, event.log.address, event.block.number);
  if (!m) return;
  const { protocol } = m;
  await touchUser(context.db, protocol, context.chain.id, event.args.onBehalfOf, event.block.number);
});

ponder.on("AavePool:Withdraw", async ({ event, context }) => {
  const m = marketAt(context.chain.id, event.log.address, event.block.number);
  if (!m) return;
  const { protocol } = m;
  await touchUser(context.db, protocol, context.chain.id, event.args.user, event.block.number);
});

ponder.on("AavePool:Borrow", async ({ event, context }) => {
  const m = marketAt(context.chain.id, event.log.address, event.block.number);
  if (!m) return;
  const { protocol } = m;
  await touchUser(context.db, protocol, context.chain.id, event.args.onBehalfOf, event.block.number);
});

ponder.on("AavePool:Repay", async ({ event, context }) => {
  const m = marketAt(context.chain.id, event.log.address, event.block.number);
  if (!m) return;
  const { protocol } = m;
  await touchUser(context.db, protocol, context.chain.id, event.args.user, event.block.number);
});

ponder.on("AavePool:LiquidationCall", async ({ event, context }) => {
  const m = marketAt(context.chain.id, event.log.address, event.block.number);
  if (!m) return;
  const { protocol } = m;
  await context.db.insert(liquidation).values({
    id: event.id,
    protocol,
    chainId: context.chain.id,
    user: lower(event.args.user),
    collateralAsset: lower(event.args.collateralAsset),
    debtAsset: lower(event.args.debtAsset),
    debtToCover: event.args.debtToCover,
    liquidatedCollateralAmount: event.args.liquidatedCollateralAmount,
    liquidator: lower(event.args.liquidator),
    receiveAToken: event.args.receiveAToken,
    blockNumber: event.block.number,
    timestamp: event.block.timestamp,
    transactionHash: event.transaction.hash,
  });
  await touchUser(context.db, protocol, context.chain.id, event.args.user, event.block.number);
});

ponder.on("AavePool:MintedToTreasury", async ({ event, context }) => {
  const m = marketAt(context.chain.id, event.log.address, event.block.number);
  if (!m) return;
  const { protocol } = m;
  const id = reserveId(protocol, event.args.reserve);
  if (!(await context.db.find(reserve, { id }))) return;
  await context.db
    .update(reserve, { id })
    .set((r) => ({ mintedToTreasury: r.mintedToTreasury + event.args.amountMinted }));
});
