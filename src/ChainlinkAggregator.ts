import { ponder } from "ponder:registry";
import { applyAnswer } from "../indexer/priceSources.js";

// AnswerUpdated of every contract on the chain (aggregators are announced by no event, and a proxy can
// switch to a new one silently): the handler keeps only aggregators a known source currently forwards to.
ponder.on("ChainlinkAggregator:AnswerUpdated", async ({ event, context }) => {
  await applyAnswer(context, event.log.address, event.args, event.block.number);
});
