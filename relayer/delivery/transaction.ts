import { encodeFunctionData, type Hex } from "viem";
import { bridgeMinterAbi } from "../../contracts/generated/BridgeMinter.js";
import { bridgeVaultAbi } from "../../contracts/generated/BridgeVault.js";
import type { BridgeMessage } from "../../lib/bridge/message.js";
import { rootAttestationArgument } from "../../lib/bridge/typedData.js";
import { multiProofOf, proofOf, type RootQuorum } from "../../lib/rootApi.js";
import type { DestinationChain } from "./types.js";

/** `submitRoot` of a quorum-signed root: the quorum is checked once, for every message under it. */
export function submitRootData(quorum: RootQuorum): Hex {
  return encodeFunctionData({
    abi: bridgeMinterAbi,
    functionName: "submitRoot",
    args: [rootAttestationArgument(quorum.attestation), quorum.signatures],
  });
}

/** One message proven alone: `mintWithProof` on a remote chain, `releaseWithProof` at home. */
export function proofCallData(
  destination: DestinationChain,
  quorum: RootQuorum,
  id: Hex,
  message: BridgeMessage,
): Hex {
  const args = [message, quorum.attestation.root, proofOf(quorum, id)] as const;
  return destination.deployment.role === "home"
    ? encodeFunctionData({ abi: bridgeVaultAbi, functionName: "releaseWithProof", args })
    : encodeFunctionData({ abi: bridgeMinterAbi, functionName: "mintWithProof", args });
}

/**
 * Several messages of one root with one multiproof (`mintBatchWithProof` / `releaseBatchWithProof`),
 * in the leaf order the contract expects; a single message goes through the single-proof call.
 */
export function batchProofData(
  destination: DestinationChain,
  quorum: RootQuorum,
  ready: readonly { id: Hex; message: BridgeMessage }[],
): Hex {
  if (ready.length === 1) return proofCallData(destination, quorum, ready[0]!.id, ready[0]!.message);
  const byId = new Map(ready.map((r) => [r.id.toLowerCase(), r.message]));
  const { ids, proof, proofFlags } = multiProofOf(
    quorum,
    ready.map((r) => r.id),
  );
  const args = [ids.map((id) => byId.get(id)!), quorum.attestation.root, proof, proofFlags] as const;
  return destination.deployment.role === "home"
    ? encodeFunctionData({ abi: bridgeVaultAbi, functionName: "releaseBatchWithProof", args })
    : encodeFunctionData({ abi: bridgeMinterAbi, functionName: "mintBatchWithProof", args });
}

/** Gas of delivering one message alone by proof; a revert surfaces as viem's decoded error. */
export function estimateProofCall(
  destination: DestinationChain,
  quorum: RootQuorum,
  id: Hex,
  message: BridgeMessage,
): Promise<bigint> {
  const common = {
    address: destination.deployment.bridge.address,
    account: destination.wallet.account,
    args: [message, quorum.attestation.root, proofOf(quorum, id)] as const,
  };
  return destination.deployment.role === "home"
    ? destination.client.estimateContractGas({
        ...common,
        abi: bridgeVaultAbi,
        functionName: "releaseWithProof",
      })
    : destination.client.estimateContractGas({
        ...common,
        abi: bridgeMinterAbi,
        functionName: "mintWithProof",
      });
}
