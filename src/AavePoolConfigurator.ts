import { ponder } from "ponder:registry";
import { assetSource, emodeCategory, market, reserve, reserveToken } from "ponder:schema";
import { erc20Abi } from "viem";
import { aavePoolAbi } from "../contracts/generated/index.js";
import { configureReserve, ensureMarket, initialReserve, marketAt, reserveId } from "../indexer/aave.js";
import { currentDeployment, key, lower } from "../indexer/deployment.js";
import { refreshReserveProblems } from "../indexer/priceSources.js";

// PoolConfigurator events (emitted by its proxy): a reserve's tokens at ReserveInitialized, then its
// configuration one change at a time. Reserve ids are "<protocol>:<asset>".

ponder.on("AavePoolConfigurator:ReserveInitialized", async ({ event, context }) => {
  const chainId = context.chain.id;
  const m = marketAt(chainId, event.log.address, event.block.number);
  if (!m) return;
  const marketRow = await ensureMarket(context.db, m, event.block.number);
  const { asset } = event.args;
  const token = currentDeployment().tokenByAddress.get(key(chainId, asset));
  // A rare event: reading the token here keeps the per-event handlers free of RPC calls.
  const read = <T>(p: Promise<T>) => p.catch(() => null);
  const [decimals, symbol, revision] = await Promise.all([
    read(
      context.client.readContract({
        abi: erc20Abi,
        address: asset,
        functionName: "decimals",
        retryEmptyResponse: false,
      }),
    ),
    token
      ? token.symbol
      : read(
          context.client.readContract({
            abi: erc20Abi,
            address: asset,
            functionName: "symbol",
            retryEmptyResponse: false,
          }),
        ),
    marketRow.poolRevision === null
      ? read(
          context.client.readContract({
            abi: aavePoolAbi,
            address: m.pool,
            functionName: "POOL_REVISION",
            retryEmptyResponse: false,
          }),
        )
      : null,
  ]);
  if (revision !== null)
    await context.db.update(market, { id: m.protocol }).set({ poolRevision: Number(revision) });
  const source = await context.db.find(assetSource, { id: reserveId(m.protocol, asset) });
  const row = initialReserve({
    protocol: m.protocol,
    chainId,
    pool: m.pool,
    asset,
    homeAsset: token?.homeToken ?? null,
    symbol,
    decimals: decimals ?? 18,
    aToken: event.args.aToken,
    stableDebtToken: event.args.stableDebtToken,
    variableDebtToken: event.args.variableDebtToken,
    interestRateStrategy: event.args.interestRateStrategyAddress,
    priceSource: source?.source ?? null,
    blockNumber: event.block.number,
    blockTimestamp: event.block.timestamp,
  });
  if (decimals === null) row.problems = ["the underlying token's decimals() could not be read (18 assumed)"];
  await context.db.insert(reserve).values(row).onConflictDoUpdate(row);
  for (const [kind, address] of [
    ["aToken", event.args.aToken],
    ["stableDebt", event.args.stableDebtToken],
    ["variableDebt", event.args.variableDebtToken],
  ] as const) {
    const values = { reserveId: row.id, protocol: m.protocol, asset: lower(asset), kind };
    await context.db
      .insert(reserveToken)
      .values({ id: key(chainId, address), ...values })
      .onConflictDoUpdate(values);
  }
  if (decimals !== null) await refreshReserveProblems(context.db, row.id);
});

ponder.on("AavePoolConfigurator:CollateralConfigurationChanged", async ({ event, context }) => {
  await configureReserve(
    context.db,
    context.chain.id,
    event.log.address,
    event.args.asset,
    event.block.number,
    {
      ltv: Number(event.args.ltv),
      liquidationThreshold: Number(event.args.liquidationThreshold),
      liquidationBonus: Number(event.args.liquidationBonus),
    },
  );
});

ponder.on("AavePoolConfigurator:ReserveFactorChanged", async ({ event, context }) => {
  await configureReserve(
    context.db,
    context.chain.id,
    event.log.address,
    event.args.asset,
    event.block.number,
    {
      reserveFactor: Number(event.args.newReserveFactor),
    },
  );
});

ponder.on("AavePoolConfigurator:SupplyCapChanged", async ({ event, context }) => {
  await configureReserve(
    context.db,
    context.chain.id,
    event.log.address,
    event.args.asset,
    event.block.number,
    {
      supplyCap: event.args.newSupplyCap,
    },
  );
});

ponder.on("AavePoolConfigurator:BorrowCapChanged", async ({ event, context }) => {
  await configureReserve(
    context.db,
    context.chain.id,
    event.log.address,
    event.args.asset,
    event.block.number,
    {
      borrowCap: event.args.newBorrowCap,
    },
  );
});

ponder.on("AavePoolConfigurator:ReserveActive", async ({ event, context }) => {
  await configureReserve(
    context.db,
    context.chain.id,
    event.log.address,
    event.args.asset,
    event.block.number,
    {
      active: event.args.active,
    },
  );
});

ponder.on("AavePoolConfigurator:ReserveFrozen", async ({ event, context }) => {
  await configureReserve(
    context.db,
    context.chain.id,
    event.log.address,
    event.args.asset,
    event.block.number,
    {
      frozen: event.args.frozen,
    },
  );
});

ponder.on("AavePoolConfigurator:ReservePaused", async ({ event, context }) => {
  await configureReserve(
    context.db,
    context.chain.id,
    event.log.address,
    event.args.asset,
    event.block.number,
    {
      paused: event.args.paused,
    },
  );
});

ponder.on("AavePoolConfigurator:ReserveBorrowing", async ({ event, context }) => {
  await configureReserve(
    context.db,
    context.chain.id,
    event.log.address,
    event.args.asset,
    event.block.number,
    {
      borrowingEnabled: event.args.enabled,
    },
  );
});

ponder.on("AavePoolConfigurator:ReserveStableRateBorrowing", async ({ event, context }) => {
  await configureReserve(
    context.db,
    context.chain.id,
    event.log.address,
    event.args.asset,
    event.block.number,
    {
      stableBorrowingEnabled: event.args.enabled,
    },
  );
});

ponder.on("AavePoolConfigurator:ReserveInterestRateStrategyChanged", async ({ event, context }) => {
  await configureReserve(
    context.db,
    context.chain.id,
    event.log.address,
    event.args.asset,
    event.block.number,
    {
      interestRateStrategy: lower(event.args.newStrategy),
    },
  );
});

ponder.on("AavePoolConfigurator:LiquidationProtocolFeeChanged", async ({ event, context }) => {
  await configureReserve(
    context.db,
    context.chain.id,
    event.log.address,
    event.args.asset,
    event.block.number,
    {
      liquidationProtocolFee: Number(event.args.newFee),
    },
  );
});

ponder.on("AavePoolConfigurator:DebtCeilingChanged", async ({ event, context }) => {
  await configureReserve(
    context.db,
    context.chain.id,
    event.log.address,
    event.args.asset,
    event.block.number,
    {
      debtCeiling: event.args.newDebtCeiling,
    },
  );
});

ponder.on("AavePoolConfigurator:EModeAssetCategoryChanged", async ({ event, context }) => {
  await configureReserve(
    context.db,
    context.chain.id,
    event.log.address,
    event.args.asset,
    event.block.number,
    {
      eModeCategory: event.args.newCategoryId,
    },
  );
});

// v3.0-3.1 form: one ltv/LT/bonus per category and an optional price source (an asset whose AaveOracle
// price every asset of the category then uses). The v3.2+ form (collateral/borrowable bitmaps per
// category) is not in core-v3 1.19.3's ABI and is not indexed.
ponder.on("AavePoolConfigurator:EModeCategoryAdded", async ({ event, context }) => {
  const m = marketAt(context.chain.id, event.log.address, event.block.number);
  if (!m) return;
  const { protocol } = m;
  const values = {
    ltv: Number(event.args.ltv),
    liquidationThreshold: Number(event.args.liquidationThreshold),
    liquidationBonus: Number(event.args.liquidationBonus),
    priceSource: lower(event.args.oracle),
    label: event.args.label,
    updatedAtBlock: event.block.number,
  };
  await context.db
    .insert(emodeCategory)
    .values({
      id: `${protocol}:${event.args.categoryId}`,
      protocol,
      categoryId: event.args.categoryId,
      ...values,
    })
    .onConflictDoUpdate(values);
});
