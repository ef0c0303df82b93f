import { ponder } from "ponder:registry";
import { zeroAddress } from "viem";
import { currentDeployment, key } from "../indexer/deployment.js";
import { addTokenSupply } from "../indexer/ledger.js";

// Mints and burns give the token's own totalSupply, independent of the bridge's Minted/Burned
// accounting, so a mint that bypasses the bridge shows up as a difference between the two. The tokens
// external bridges mint (deployments file `externalBridges`) come here too: their supply is all the
// risk engine knows of what those bridges issued.
ponder.on("WrappedToken:Transfer", async ({ event, context }) => {
  const { from, to, value } = event.args;
  const delta = from === zeroAddress ? value : to === zeroAddress ? -value : 0n;
  if (delta === 0n) return;
  const token = event.log.address;
  const asset = currentDeployment().tokenByAddress.get(key(context.chain.id, token))?.homeToken;
  await addTokenSupply(context.db, context.chain.id, token, asset, { total: delta });
});
