import { ponder } from "ponder:registry";
import { currentDeployment } from "../indexer/deployment.js";
import { legEventOf, recordLeg } from "../indexer/ledger.js";
import { recordBridgeState, recordRoute, recordWrappedAsset } from "../indexer/params.js";
import { recordRateLimit } from "../indexer/rateLimits.js";
import { recordDeliveredRoot } from "../indexer/roots.js";

ponder.on("BridgeMinter:Minted", async ({ event, context }) => {
  const { args } = event;
  await recordLeg(
    context.db,
    {
      kind: "Minted",
      messageId: args.messageId,
      asset: args.token,
      amount: args.amount,
      sourceChainId: Number(args.sourceChainId),
      destinationChainId: context.chain.id,
      recipient: args.recipient,
      wrappedToken: args.wrappedToken,
    },
    legEventOf(event, context.chain.id),
  );
});

ponder.on("BridgeMinter:Burned", async ({ event, context }) => {
  const { args } = event;
  await recordLeg(
    context.db,
    {
      kind: "Burned",
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

ponder.on("BridgeMinter:WrappedTokenSet", async ({ event, context }) => {
  const { homeToken, wrappedToken, homeChainId } = event.args;
  await recordWrappedAsset(context.db, context.chain.id, homeToken, {
    wrappedToken,
    homeChainId: Number(homeChainId),
  });
});

ponder.on("BridgeMinter:MintCeilingSet", async ({ event, context }) => {
  await recordWrappedAsset(context.db, context.chain.id, event.args.homeToken, {
    mintCeiling: event.args.ceiling,
  });
});

ponder.on("BridgeMinter:RouteSet", async ({ event, context }) => {
  const { remoteChainId, remoteBridge } = event.args;
  await recordRoute(context.db, context.chain.id, remoteChainId, remoteBridge, event.block.number);
});

ponder.on("BridgeMinter:RateLimitSet", async ({ event, context }) => {
  await recordRateLimit(context.db, context.chain.id, event.args, event.block);
});

ponder.on("BridgeMinter:PausedUntil", async ({ event, context }) => {
  const change = { pausedUntil: event.args.until };
  await recordBridgeState(context.db, context.chain.id, change, event.block.number);
});

ponder.on("BridgeMinter:Unpaused", async ({ event, context }) => {
  await recordBridgeState(context.db, context.chain.id, { pausedUntil: 0n }, event.block.number);
});

ponder.on("BridgeMinter:PauserSet", async ({ event, context }) => {
  const change = { pauser: event.args.pauser };
  await recordBridgeState(context.db, context.chain.id, change, event.block.number);
});

ponder.on("BridgeMinter:DeliveredUnderRoot", async ({ event, context }) => {
  await recordDeliveredRoot(context.db, context.chain.id, event.transaction.hash, event.args.root);
});

// The deployment is read once at load so a bad DEPLOYMENT_FILE fails before indexing starts.
currentDeployment();
