import { ponder } from "ponder:registry";
import { price, priceUpdate } from "ponder:schema";
import type { Hex } from "viem";
import { currentDeployment, key } from "../indexer/deployment.js";

ponder.on("PriceFeed:AnswerUpdated", async ({ event, context }) => {
  const chainId = context.chain.id;
  const feed = event.log.address.toLowerCase() as Hex;
  const token = currentDeployment().tokenByFeed.get(key(chainId, feed));
  const asset = token?.homeToken.toLowerCase() as Hex | undefined;
  const row = {
    chainId,
    feed,
    asset,
    answer: event.args.current,
    roundId: event.args.roundId,
    updatedAt: event.args.updatedAt,
    blockNumber: event.block.number,
  };
  await context.db.insert(priceUpdate).values({ id: event.id, ...row });
  await context.db
    .insert(price)
    .values({ id: key(chainId, feed), symbol: token?.symbol, ...row })
    .onConflictDoUpdate({
      answer: row.answer,
      roundId: row.roundId,
      updatedAt: row.updatedAt,
      blockNumber: row.blockNumber,
    });
});
