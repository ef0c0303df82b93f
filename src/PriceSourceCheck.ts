import { ponder } from "ponder:registry";
import { checkSources } from "../indexer/priceSources.js";

// Every INDEXER_PRICE_CHECK_SECONDS of blocks (ponder.config.ts): re-read each proxy's aggregator(), since
// a switch emits no event. This interval bounds how long a switched feed's new price goes unseen.
ponder.on("PriceSourceCheck:block", async ({ event, context }) => {
  await checkSources(context, event.block.number);
});
