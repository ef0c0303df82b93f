import { ponder } from "ponder:registry";
import { morphoInstance, morphoLiquidation } from "ponder:schema";
import { lower } from "../indexer/deployment.js";
import {
  adjustPosition,
  createMarket,
  ensureInstance,
  feeRecipientOf,
  morphoMarketKey,
  morphoOf,
  updateMarket,
  zeroFloorSub,
} from "../indexer/morpho.js";

// Morpho Blue's singleton. Each handler mirrors the storage writes of the function that emitted the event
// (Morpho.sol 1.0.0), so market totals and positions follow from the events alone, interest included:
// AccrueInterest carries the interest and the fee shares minted to the fee recipient.

ponder.on("MorphoBlue:CreateMarket", async ({ event, context }) => {
  const m = morphoOf(context.chain.id, event.log.address);
  await createMarket(context, m, event.args.id, event.args.marketParams, event.block);
});

ponder.on("MorphoBlue:AccrueInterest", async ({ event, context }) => {
  const m = morphoOf(context.chain.id, event.log.address);
  const { id, prevBorrowRate, interest, feeShares } = event.args;
  const updated = await updateMarket(context.db, m, id, event.block, true, (row) => ({
    totalBorrowAssets: row.totalBorrowAssets + interest,
    totalSupplyAssets: row.totalSupplyAssets + interest,
    totalSupplyShares: row.totalSupplyShares + feeShares,
    borrowRate: prevBorrowRate,
  }));
  // Morpho credits the fee shares to feeRecipient's position even when it is the zero address.
  if (updated && feeShares > 0n) {
    const recipient = await feeRecipientOf(context.db, m, event.block.number);
    await adjustPosition(context.db, m, id, recipient, { supplyShares: feeShares }, event.block.number);
  }
});

ponder.on("MorphoBlue:Supply", async ({ event, context }) => {
  const m = morphoOf(context.chain.id, event.log.address);
  const { id, onBehalf, assets, shares } = event.args;
  const market = await updateMarket(context.db, m, id, event.block, true, (row) => ({
    totalSupplyAssets: row.totalSupplyAssets + assets,
    totalSupplyShares: row.totalSupplyShares + shares,
  }));
  if (!market) return;
  await adjustPosition(context.db, m, id, onBehalf, { supplyShares: shares }, event.block.number);
});

ponder.on("MorphoBlue:Withdraw", async ({ event, context }) => {
  const m = morphoOf(context.chain.id, event.log.address);
  const { id, onBehalf, assets, shares } = event.args;
  const market = await updateMarket(context.db, m, id, event.block, true, (row) => ({
    totalSupplyAssets: row.totalSupplyAssets - assets,
    totalSupplyShares: row.totalSupplyShares - shares,
  }));
  if (!market) return;
  await adjustPosition(context.db, m, id, onBehalf, { supplyShares: -shares }, event.block.number);
});

ponder.on("MorphoBlue:Borrow", async ({ event, context }) => {
  const m = morphoOf(context.chain.id, event.log.address);
  const { id, onBehalf, assets, shares } = event.args;
  const market = await updateMarket(context.db, m, id, event.block, true, (row) => ({
    totalBorrowAssets: row.totalBorrowAssets + assets,
    totalBorrowShares: row.totalBorrowShares + shares,
  }));
  if (!market) return;
  await adjustPosition(context.db, m, id, onBehalf, { borrowShares: shares }, event.block.number);
});

ponder.on("MorphoBlue:Repay", async ({ event, context }) => {
  const m = morphoOf(context.chain.id, event.log.address);
  const { id, onBehalf, assets, shares } = event.args;
  const market = await updateMarket(context.db, m, id, event.block, true, (row) => ({
    // Rounded up from shares, the repaid assets can exceed the total by one wei: Morpho floors at zero.
    totalBorrowAssets: zeroFloorSub(row.totalBorrowAssets, assets),
    totalBorrowShares: row.totalBorrowShares - shares,
  }));
  if (!market) return;
  await adjustPosition(context.db, m, id, onBehalf, { borrowShares: -shares }, event.block.number);
});

ponder.on("MorphoBlue:SupplyCollateral", async ({ event, context }) => {
  const m = morphoOf(context.chain.id, event.log.address);
  const { id, onBehalf, assets } = event.args;
  // supplyCollateral skips the accrual: lastUpdate stays.
  const market = await updateMarket(context.db, m, id, event.block, false, () => ({}));
  if (!market) return;
  await adjustPosition(context.db, m, id, onBehalf, { collateral: assets }, event.block.number);
});

ponder.on("MorphoBlue:WithdrawCollateral", async ({ event, context }) => {
  const m = morphoOf(context.chain.id, event.log.address);
  const { id, onBehalf, assets } = event.args;
  const market = await updateMarket(context.db, m, id, event.block, true, () => ({}));
  if (!market) return;
  await adjustPosition(context.db, m, id, onBehalf, { collateral: -assets }, event.block.number);
});

ponder.on("MorphoBlue:Liquidate", async ({ event, context }) => {
  const m = morphoOf(context.chain.id, event.log.address);
  const { id, caller, borrower, repaidAssets, repaidShares, seizedAssets, badDebtAssets, badDebtShares } =
    event.args;
  const marketKey = morphoMarketKey(m.protocol, id);
  const updated = await updateMarket(context.db, m, id, event.block, true, (row) => ({
    // The repayment first (floored at zero like Repay), then the bad debt: when the borrower's collateral
    // reaches zero its remaining shares are written off against the suppliers' assets.
    totalBorrowAssets: zeroFloorSub(row.totalBorrowAssets, repaidAssets) - badDebtAssets,
    totalBorrowShares: row.totalBorrowShares - repaidShares - badDebtShares,
    totalSupplyAssets: row.totalSupplyAssets - badDebtAssets,
    badDebtAssets: row.badDebtAssets + badDebtAssets,
    badDebtShares: row.badDebtShares + badDebtShares,
    liquidations: row.liquidations + 1,
  }));
  if (!updated) return;
  await adjustPosition(
    context.db,
    m,
    id,
    borrower,
    { borrowShares: -(repaidShares + badDebtShares), collateral: -seizedAssets },
    event.block.number,
  );
  await context.db.insert(morphoLiquidation).values({
    id: event.id,
    protocol: m.protocol,
    chainId: context.chain.id,
    market: marketKey,
    borrower: lower(borrower),
    liquidator: lower(caller),
    repaidAssets,
    repaidShares,
    seizedAssets,
    badDebtAssets,
    badDebtShares,
    blockNumber: event.block.number,
    timestamp: event.block.timestamp,
    transactionHash: event.transaction.hash,
  });
});

ponder.on("MorphoBlue:SetFee", async ({ event, context }) => {
  const m = morphoOf(context.chain.id, event.log.address);
  // setFee accrues with the old fee first (its AccrueInterest, if any, came just before).
  await updateMarket(context.db, m, event.args.id, event.block, true, () => ({
    fee: event.args.newFee,
  }));
});

ponder.on("MorphoBlue:SetFeeRecipient", async ({ event, context }) => {
  const m = morphoOf(context.chain.id, event.log.address);
  await ensureInstance(context.db, m, event.block.number);
  await context.db
    .update(morphoInstance, { id: m.protocol })
    .set({ feeRecipient: lower(event.args.newFeeRecipient), updatedAtBlock: event.block.number });
});

ponder.on("MorphoBlue:SetOwner", async ({ event, context }) => {
  const m = morphoOf(context.chain.id, event.log.address);
  await ensureInstance(context.db, m, event.block.number);
  await context.db
    .update(morphoInstance, { id: m.protocol })
    .set({ owner: lower(event.args.newOwner), updatedAtBlock: event.block.number });
});
