import { ponder } from "ponder:registry";
import { legEventOf, recordLeg } from "../indexer/ledger.js";
import { recordBridgeState, recordRoute } from "../indexer/params.js";
import { recordRateLimit } from "../indexer/rateLimits.js";
import { recordDeliveredRoot } from "../indexer/roots.js";

ponder.on("BridgeVault:Locked", async ({ event, context }) => {
  const { args } = event;
  await recordLeg(
    context.db,
    {
      kind: "Locked",
      messageId: args.messageId,
      asset: args.token,
      amount: args.amount,
      sourceChainId: context.chain.id,
      destinationChainId: Number(args.destinationChainId),
      recipient: args.recipient,
      sender: args.sender,
      nonce: args.nonce,
    },
    legEventOf(event, context.chain.id),
  );
});

ponder.on("BridgeVault:Released", async ({ event, context }) => {
  const { args } = event;
  await recordLeg(
    context.db,
    {
      kind: "Released",
      messageId: args.messageId,
      asset: args.token,
      amount: args.amount,
      sourceChainId: Number(args.sourceChainId),
      destinationChainId: context.chain.id,
      recipient: args.recipient,
    },
    legEventOf(event, context.chain.id),
  );
});

ponder.on("BridgeVault:RouteSet", async ({ event, context }) => {
  const { remoteChainId, remoteBridge } = event.args;
  await recordRoute(context.db, context.chain.id, remoteChainId, remoteBridge, event.block.number);
});

ponder.on("BridgeVault:RateLimitSet", async ({ event, context }) => {
  await recordRateLimit(context.db, context.chain.id, event.args, event.block);
});

ponder.on("BridgeVault:PausedUntil", async ({ event, context }) => {
  const change = { pausedUntil: event.args.until };
  await recordBridgeState(context.db, context.chain.id, change, event.block.number);
});

ponder.on("BridgeVault:Unpaused", async ({ event, context }) => {
  await recordBridgeState(context.db, context.chain.id, { pausedUntil: 0n }, event.block.number);
});

ponder.on("BridgeVault:PauserSet", async ({ event, context }) => {
  const change = { pauser: event.args.pauser };
  await recordBridgeState(context.db, context.chain.id, change, event.block.number);
});

ponder.on("BridgeVault:DeliveredUnderRoot", async ({ event, context }) => {
  await recordDeliveredRoot(context.db, context.chain.id, event.transaction.hash, event.args.root);
});
