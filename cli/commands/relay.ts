import { bridgeMinterAbi } from "../../contracts/generated/BridgeMinter.js";
import { bridgeVaultAbi } from "../../contracts/generated/BridgeVault.js";
import {
  collectQuorum,
  describeSignatures,
  fetchAttestations,
  readValidatorSets,
} from "../../lib/attestationApi.js";
import { BridgeError } from "../../lib/errors.js";
import { progress } from "../output.js";
import { bridgeContext, InvalidInputError } from "./bridgeContext.js";
import { messageProgress, parseMessageId } from "./status.js";

export class RelayFailedError extends BridgeError {}

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
    fetchAttestations(context.validatorUrls(), id),
  ]);
  const quorum = await collectQuorum({ message: state.message, fetched, sets });
  if (!quorum.ok) {
    throw new RelayFailedError(
      `Not enough signatures yet: ${describeSignatures(quorum.valid, quorum.threshold)}.`,
      {
        details: fetched.map((f) => `${f.url}: ${"error" in f ? f.error : "signed"}`).join("; "),
      },
    );
  }
  const account = context.account();
  const home = destination.deployment.role === "home";
  const args = [state.message, quorum.quorum.epoch, quorum.quorum.signatures] as const;
  const wallet = destination.wallet(account);
  const hash = home
    ? await wallet.writeContract({
        address: destination.deployment.bridge.address,
        abi: bridgeVaultAbi,
        functionName: "release",
        args,
      })
    : await wallet.writeContract({
        address: destination.deployment.bridge.address,
        abi: bridgeMinterAbi,
        functionName: "mint",
        args,
      });
  progress(`submitted ${home ? "release" : "mint"} on ${destination.deployment.network}: ${hash}`);
  const receipt = await destination.client.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new RelayFailedError(`Transaction ${hash} reverted.`);
  process.stdout.write(`${hash}\n`);
}
