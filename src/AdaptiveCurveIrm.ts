import { ponder } from "ponder:registry";
import { morphoMarket } from "ponder:schema";
import { morphoMarketKey, morphoOfIrm } from "../indexer/morpho.js";

// The AdaptiveCurve IRM of a Morpho deployment. Morpho calls borrowRate() at creation and in every accrual;
// the rate at target it stores there is what the next accrual starts from, so the debt at any later time
// can be computed as Morpho will (lib/morpho/market.ts accrueMorphoInterest).
ponder.on("AdaptiveCurveIrm:BorrowRateUpdate", async ({ event, context }) => {
  const m = morphoOfIrm(context.chain.id, event.log.address);
  const id = morphoMarketKey(m.protocol, event.args.id);
  // Another Morpho's market using this IRM address cannot exist (the IRM answers only its own MORPHO).
  if (!(await context.db.find(morphoMarket, { id }))) return;
  await context.db.update(morphoMarket, { id }).set({ rateAtTarget: event.args.rateAtTarget });
});
