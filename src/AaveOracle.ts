import { ponder } from "ponder:registry";
import { assetSource, market, reserve } from "ponder:schema";
import { ensureMarket, marketAt, reserveId, ZERO_ADDRESS } from "../indexer/aave.js";
import { lower } from "../indexer/deployment.js";
import { refreshReserveProblems, refreshSource } from "../indexer/priceSources.js";

// AaveOracle: which source prices each asset. Setting a source reads the proxy once (its aggregator,
// decimals and latest round), so a price is known before the aggregator's next AnswerUpdated.

ponder.on("AaveOracle:AssetSourceUpdated", async ({ event, context }) => {
  const m = marketAt(context.chain.id, event.log.address, event.block.number);
  if (!m) return;
  await ensureMarket(context.db, m, event.block.number);
  const { asset, source } = event.args;
  const id = reserveId(m.protocol, asset);
  const values = { source: lower(source), updatedAtBlock: event.block.number };
  await context.db
    .insert(assetSource)
    .values({ id, protocol: m.protocol, asset: lower(asset), ...values })
    .onConflictDoUpdate(values);
  const none = lower(source) === ZERO_ADDRESS;
  if (!none) await refreshSource(context, source, event.block.number, "source-set", asset);
  if (await context.db.find(reserve, { id })) {
    await context.db.update(reserve, { id }).set({ priceSource: none ? null : lower(source) });
    await refreshReserveProblems(context.db, id);
  }
});

ponder.on("AaveOracle:FallbackOracleUpdated", async ({ event, context }) => {
  const m = marketAt(context.chain.id, event.log.address, event.block.number);
  if (!m) return;
  await ensureMarket(context.db, m, event.block.number);
  await context.db
    .update(market, { id: m.protocol })
    .set({ fallbackOracle: lower(event.args.fallbackOracle), updatedAtBlock: event.block.number });
});
