import { ponder } from "ponder:registry";
import { assetSupply, backingSample } from "ponder:schema";
import type { Hex } from "viem";
import { currentDeployment } from "../indexer/deployment.js";
import { recordViolation, staleAwaitingAmount, supplyVerdict } from "../indexer/ledger.js";

// Periodic re-check on the home chain: bridge events re-check on their own, but a destination leg that
// never gets a source leg only becomes a violation once its grace window passes, with or without traffic.
// Only this check looks for such stale legs (a SQL query), so its interval bounds how late it is found.
ponder.on("SupplyCheck:block", async ({ event, context }) => {
  const { deployment } = currentDeployment();
  const home = deployment.chains.find((c) => c.role === "home");
  for (const token of home?.tokens ?? []) {
    const supply = await context.db.find(assetSupply, { id: token.homeToken.toLowerCase() as Hex });
    if (!supply) continue;
    // One point per interval of the backing history the explorer plots (the running row keeps only now).
    await context.db
      .insert(backingSample)
      .values({
        id: `${supply.id}:${event.block.number}`,
        asset: supply.id,
        blockNumber: event.block.number,
        timestamp: event.block.timestamp,
        custody: supply.custody,
        remoteOutstanding: supply.remoteOutstanding,
        inFlight: supply.inFlight,
      })
      .onConflictDoNothing();
    if (supply.awaitingSource === 0n) continue;
    const check = {
      id: event.id,
      chainId: context.chain.id,
      blockNumber: event.block.number,
      timestamp: event.block.timestamp,
      transactionHash: event.block.hash,
    };
    const stale = await staleAwaitingAmount(context.db, supply, event.block.timestamp);
    const verdict = supplyVerdict(supply, check, stale);
    if (verdict.worsened) await recordViolation(context.db, verdict, check, "interval");
    await context.db.update(assetSupply, { id: supply.id }).set(verdict.columns);
  }
});
