import type { Hex } from "viem";
import { bridgeMinterAbi } from "../../contracts/generated/BridgeMinter.js";
import { rootAttestationArgument } from "../../lib/bridge/typedData.js";
import { BridgeError } from "../../lib/errors.js";
import type { Logger } from "../../lib/logger.js";
import type { RootQuorum } from "../../lib/rootApi.js";
import { storedRootRange } from "./destinationReads.js";
import { withGasMargin } from "./gasPolicy.js";
import { waitForAny } from "./receipts.js";
import { submitWithReplacement } from "./submission.js";
import { submitRootData } from "./transaction.js";
import type { DeliveryContext, DestinationChain } from "./types.js";

/** Our submitRoot was neither mined successfully nor stored by someone else meanwhile. */
export class RootSubmissionError extends BridgeError {}

/** Root submissions in flight in this process, so the jobs of one root send a single submitRoot. */
const inFlight = new Map<string, Promise<void>>();

/**
 * Makes sure the quorum's root is stored on the destination: nothing to do when it already is (by us,
 * another relayer or a user), otherwise one `submitRoot` for every job of this process waiting on it.
 * A revert on simulation is thrown as viem's error, for the caller's revert classification.
 */
export function ensureRootStored(
  context: DeliveryContext,
  destination: DestinationChain,
  quorum: RootQuorum,
  log: Logger,
): Promise<void> {
  const key = `${destination.chainId}:${quorum.attestation.root}`;
  let pending = inFlight.get(key);
  if (!pending) {
    pending = submitRootOnce(context, destination, quorum, log).finally(() => inFlight.delete(key));
    inFlight.set(key, pending);
  }
  return pending;
}

async function isStored(destination: DestinationChain, quorum: RootQuorum): Promise<boolean> {
  const { sourceChainId, sourceBridge, root } = quorum.attestation;
  const range = await storedRootRange(destination, sourceChainId, sourceBridge, root);
  return range.lastNonce !== 0n;
}

async function submitRootOnce(
  context: DeliveryContext,
  destination: DestinationChain,
  quorum: RootQuorum,
  parentLog: Logger,
): Promise<void> {
  if (await isStored(destination, quorum)) return;
  const log = parentLog.child({ root: quorum.attestation.root });
  const gas = await destination.client.estimateContractGas({
    address: destination.deployment.bridge.address,
    abi: bridgeMinterAbi,
    functionName: "submitRoot",
    args: [rootAttestationArgument(quorum.attestation), quorum.signatures],
    account: destination.wallet.account,
  });
  const fees = await destination.client.estimateFeesPerGas();
  // No message ids: a submitRoot delivers nothing, so it must not count as a delivery attempt.
  const { hashes } = await submitWithReplacement(
    context,
    destination,
    [] as Hex[],
    submitRootData(quorum),
    withGasMargin(gas),
    fees,
    log,
  );
  const receipt = await waitForAny(destination.client, hashes, context.timing.receiptTimeoutMs);
  const outcome = receipt ? (receipt.status === "success" ? "mined" : "reverted") : "unmined";
  context.metrics.rootSubmissions.inc({ destination: String(destination.chainId), outcome });
  if (outcome === "mined" || (await isStored(destination, quorum))) return;
  throw new RootSubmissionError(`submitRoot for ${quorum.attestation.root} was ${outcome}.`, {
    details: hashes.join(", "),
  });
}
