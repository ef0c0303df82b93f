import { ponder } from "ponder:registry";
import { validatorSet } from "ponder:schema";
import type { Hex } from "viem";
import { recordBridgeState } from "../indexer/params.js";

ponder.on("ValidatorSet:ValidatorSetRotated", async ({ event, context }) => {
  const { epoch, validators, threshold, previousEpochValidUntil } = event.args;
  const chainId = context.chain.id;
  await context.db
    .insert(validatorSet)
    .values({
      chainId,
      epoch,
      contract: event.log.address.toLowerCase() as Hex,
      validators: validators.map((v) => v.toLowerCase() as Hex),
      threshold,
      validUntil: 0n,
      rotatedAtBlock: event.block.number,
      rotatedAtTimestamp: event.block.timestamp,
      transactionHash: event.transaction.hash,
    })
    .onConflictDoNothing();
  // The previous set stays valid for the grace window the contract fixed at rotation time.
  if (epoch > 1n) {
    const previous = await context.db.find(validatorSet, { chainId, epoch: epoch - 1n });
    if (previous) {
      await context.db
        .update(validatorSet, { chainId, epoch: epoch - 1n })
        .set({ validUntil: previousEpochValidUntil });
    }
  }
  await recordBridgeState(context.db, chainId, { currentEpoch: epoch }, event.block.number);
});

ponder.on("ValidatorSet:GraceSecondsSet", async ({ event, context }) => {
  await recordBridgeState(
    context.db,
    context.chain.id,
    { graceSeconds: event.args.graceSeconds },
    event.block.number,
  );
});
