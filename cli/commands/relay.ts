import { bridgeMinterAbi } from "../../contracts/generated/BridgeMinter.js";
import { bridgeVaultAbi } from "../../contracts/generated/BridgeVault.js";
import { describeSignatures, readValidatorSets } from "../../lib/attestationApi.js";
import { rootAttestationArgument } from "../../lib/bridge/typedData.js";
import { BridgeError } from "../../lib/errors.js";
import {
  collectRootQuorum,
  fetchRootAttestations,
  proofOf,
  waitingForRootReason,
} from "../../lib/rootApi.js";
import { progress } from "../output.js";
import { bridgeContext, InvalidInputError } from "./bridgeContext.js";
import { messageProgress, parseMessageId } from "./status.js";

export class RelayFailedError extends BridgeError {}

/**
 * Self-relay: fetches the root covering the message from the validators, checks a quorum signed it,
 * stores the root on the destination if nobody has yet (submitRoot), and delivers this one message
 * alone with its single Merkle proof (mintWithProof / releaseWithProof), paid by your own key.
 */
export async function relayCommand(rawId: string, options: { deployment?: string }): Promise<void> {
  const id = parseMessageId(rawId);
  const context = bridgeContext(options);
  const state = await messageProgress(context, id);
  if (!state) throw new InvalidInputError([`no Locked or Burned event with id ${id} on any chain`]);
  if (state.destination.delivered) {
    progress(`already delivered on ${state.destination.network}; nothing to do`);
    return;
  }
  const destination = context.chain(Number(state.message.destinationChainId));
  const [sets, fetched] = await Promise.all([
    readValidatorSets(destination.client, destination.deployment.validatorSet.address),
    fetchRootAttestations(context.validatorUrls(), id),
  ]);
  const collected = await collectRootQuorum({ id, fetched, sets });
  if (!collected.ok) {
    throw new RelayFailedError(
      collected.valid === 0
        ? `Not signed yet: ${waitingForRootReason(state.message.nonce)}.`
        : `Not enough signatures on its root yet: ${describeSignatures(collected.valid, collected.threshold)}.`,
      { details: fetched.map((f) => `${f.url}: ${"error" in f ? f.error : "signed"}`).join("; ") },
    );
  }
  const { quorum } = collected;
  const { attestation } = quorum;
  const bridge = destination.deployment.bridge.address;
  const wallet = destination.wallet(context.account());
  const stored = await destination.client.readContract({
    address: bridge,
    abi: bridgeMinterAbi,
    functionName: "rootRange",
    args: [attestation.sourceChainId, attestation.sourceBridge, attestation.root],
  });
  if (stored.lastNonce === 0n) {
    const hash = await wallet.writeContract({
      address: bridge,
      abi: bridgeMinterAbi,
      functionName: "submitRoot",
      args: [rootAttestationArgument(attestation), quorum.signatures],
    });
    progress(`submitted root ${attestation.root} on ${destination.deployment.network}: ${hash}`);
    const receipt = await destination.client.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new RelayFailedError(`submitRoot transaction ${hash} reverted.`);
  }
  const home = destination.deployment.role === "home";
  const args = [state.message, attestation.root, proofOf(quorum, id)] as const;
  const hash = home
    ? await wallet.writeContract({
        address: bridge,
        abi: bridgeVaultAbi,
        functionName: "releaseWithProof",
        args,
      })
    : await wallet.writeContract({
        address: bridge,
        abi: bridgeMinterAbi,
        functionName: "mintWithProof",
        args,
      });
  progress(
    `submitted ${home ? "releaseWithProof" : "mintWithProof"} on ${destination.deployment.network}: ${hash}`,
  );
  const receipt = await destination.client.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new RelayFailedError(`Transaction ${hash} reverted.`);
  process.stdout.write(`${hash}\n`);
}
