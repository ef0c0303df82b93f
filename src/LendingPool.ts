import { ponder } from "ponder:registry";
import { liquidation, reserve } from "ponder:schema";
import type { Hex } from "viem";
import { reserveIndexesAt } from "../indexer/accountData.js";
import { currentDeployment, key } from "../indexer/deployment.js";
import { changePosition, protocolOf, requireReserve, reserveId, scaledRemoved } from "../indexer/lending.js";
import { rayDiv } from "../lib/aave/wadRayMath.js";

const where = (event: { log: { address: Hex }; block: { number: bigint } }, chainId: number) => ({
  protocol: protocolOf(chainId, event.log.address),
  chainId,
  pool: event.log.address.toLowerCase() as Hex,
  blockNumber: event.block.number,
});

ponder.on("LendingPool:ReserveInitialized", async ({ event, context }) => {
  const chainId = context.chain.id;
  const pool = event.log.address;
  // initReserve sets a variable borrow rate without emitting ReserveDataUpdated; read the reserve as the
  // pool holds it at this block rather than hard-coding the pool's rate model.
  const data = await context.client.readContract({
    abi: context.contracts.LendingPool.abi,
    address: pool,
    functionName: "getReserveData",
    args: [event.args.asset],
  });
  const token = currentDeployment().tokenByAddress.get(key(chainId, event.args.asset));
  const protocol = protocolOf(chainId, pool);
  await context.db
    .insert(reserve)
    .values({
      id: reserveId(protocol, event.args.asset),
      protocol,
      chainId,
      pool: pool.toLowerCase() as Hex,
      reserve: event.args.asset.toLowerCase() as Hex,
      asset: token?.homeToken.toLowerCase() as Hex | undefined,
      symbol: token?.symbol,
      decimals: event.args.decimals,
      priceFeed: event.args.priceFeed.toLowerCase() as Hex,
      ltv: Number(data.ltv),
      liquidationThreshold: Number(data.liquidationThreshold),
      liquidationBonus: Number(data.liquidationBonus),
      liquidityIndex: data.liquidityIndex,
      variableBorrowIndex: data.variableBorrowIndex,
      liquidityRate: data.currentLiquidityRate,
      variableBorrowRate: data.currentVariableBorrowRate,
      lastUpdateTimestamp: data.lastUpdateTimestamp,
      totalScaledSupply: 0n,
      totalScaledDebt: 0n,
    })
    .onConflictDoNothing();
});

ponder.on("LendingPool:CollateralConfigurationChanged", async ({ event, context }) => {
  const protocol = protocolOf(context.chain.id, event.log.address);
  await requireReserve(context.db, protocol, event.args.asset);
  await context.db.update(reserve, { id: reserveId(protocol, event.args.asset) }).set({
    ltv: Number(event.args.ltv),
    liquidationThreshold: Number(event.args.liquidationThreshold),
    liquidationBonus: Number(event.args.liquidationBonus),
  });
});

// Emitted right after the pool updated the reserve's state, so the block timestamp is its last update.
ponder.on("LendingPool:ReserveDataUpdated", async ({ event, context }) => {
  const protocol = protocolOf(context.chain.id, event.log.address);
  await requireReserve(context.db, protocol, event.args.reserve);
  await context.db.update(reserve, { id: reserveId(protocol, event.args.reserve) }).set({
    liquidityIndex: event.args.liquidityIndex,
    variableBorrowIndex: event.args.variableBorrowIndex,
    liquidityRate: event.args.liquidityRate,
    variableBorrowRate: event.args.variableBorrowRate,
    lastUpdateTimestamp: event.block.timestamp,
  });
});

ponder.on("LendingPool:Supply", async ({ event, context }) => {
  const { reserve: asset, onBehalfOf, amount } = event.args;
  await changePosition(
    context.db,
    { ...where(event, context.chain.id), user: onBehalfOf, asset },
    { collateral: (_, r) => rayDiv(amount, r.liquidityIndex) },
  );
});

ponder.on("LendingPool:Withdraw", async ({ event, context }) => {
  const { reserve: asset, user, amount } = event.args;
  await changePosition(
    context.db,
    { ...where(event, context.chain.id), user, asset },
    { collateral: (p, r) => -scaledRemoved(p.scaledCollateral, amount, r.liquidityIndex) },
  );
});

ponder.on("LendingPool:Borrow", async ({ event, context }) => {
  const { reserve: asset, onBehalfOf, amount } = event.args;
  await changePosition(
    context.db,
    { ...where(event, context.chain.id), user: onBehalfOf, asset },
    { debt: (_, r) => rayDiv(amount, r.variableBorrowIndex) },
  );
});

ponder.on("LendingPool:Repay", async ({ event, context }) => {
  const { reserve: asset, user, amount, useATokens } = event.args;
  const at = { ...where(event, context.chain.id), user, asset };
  await changePosition(context.db, at, {
    debt: (p, r) => -scaledRemoved(p.scaledDebt, amount, r.variableBorrowIndex),
    // Aave's repayWithATokens burns the repayer's aTokens; the fixture pool never sets it, real Aave may.
    ...(useATokens
      ? { collateral: (p, r) => -scaledRemoved(p.scaledCollateral, amount, r.liquidityIndex) }
      : {}),
  });
});

ponder.on("LendingPool:ReserveUsedAsCollateralEnabled", async ({ event, context }) => {
  const { reserve: asset, user } = event.args;
  await changePosition(
    context.db,
    { ...where(event, context.chain.id), user, asset },
    { usedAsCollateral: true },
  );
});

ponder.on("LendingPool:ReserveUsedAsCollateralDisabled", async ({ event, context }) => {
  const { reserve: asset, user } = event.args;
  await changePosition(
    context.db,
    { ...where(event, context.chain.id), user, asset },
    { usedAsCollateral: false },
  );
});

ponder.on("LendingPool:LiquidationCall", async ({ event, context }) => {
  const {
    collateralAsset,
    debtAsset,
    user,
    debtToCover,
    liquidatedCollateralAmount,
    liquidator,
    receiveAToken,
  } = event.args;
  const at = where(event, context.chain.id);
  // The debt reserve's ReserveDataUpdated came first in this transaction: its index is the one used.
  await changePosition(
    context.db,
    { ...at, user, asset: debtAsset },
    { debt: (p, r) => -scaledRemoved(p.scaledDebt, debtToCover, r.variableBorrowIndex) },
  );
  if (receiveAToken) {
    // aTokens move to the liquidator at the normalized income of this block; the collateral reserve was
    // not updated (no ReserveDataUpdated for it), so compute that income from its stored state.
    let moved = 0n;
    await changePosition(
      context.db,
      { ...at, user, asset: collateralAsset },
      {
        collateral: (p, r) => {
          const income = reserveIndexesAt(r, event.block.timestamp).income;
          moved = scaledRemoved(p.scaledCollateral, liquidatedCollateralAmount, income);
          return -moved;
        },
      },
    );
    await changePosition(
      context.db,
      { ...at, user: liquidator, asset: collateralAsset },
      { collateral: () => moved },
    );
  } else {
    // The collateral reserve was updated (and its ReserveDataUpdated emitted) before this event.
    await changePosition(
      context.db,
      { ...at, user, asset: collateralAsset },
      {
        collateral: (p, r) =>
          -scaledRemoved(p.scaledCollateral, liquidatedCollateralAmount, r.liquidityIndex),
      },
    );
  }
  await context.db.insert(liquidation).values({
    id: event.id,
    protocol: at.protocol,
    chainId: at.chainId,
    user: user.toLowerCase() as Hex,
    collateralReserve: collateralAsset.toLowerCase() as Hex,
    debtReserve: debtAsset.toLowerCase() as Hex,
    debtToCover,
    liquidatedCollateralAmount,
    liquidator: liquidator.toLowerCase() as Hex,
    receiveAToken,
    blockNumber: event.block.number,
    timestamp: event.block.timestamp,
    transactionHash: event.transaction.hash,
  });
});
