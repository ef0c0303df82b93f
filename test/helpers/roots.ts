import type { Address, Hex } from "viem";
import type { HDAccount } from "viem/accounts";
import { bridgeMinterAbi, bridgeVaultAbi } from "../../contracts/generated/index.js";
import { type MessageTree, messageMultiProof, messageProof } from "../../lib/bridge/merkle.js";
import type { BridgeMessage } from "../../lib/bridge/message.js";
import {
  type RootAttestation,
  rootAttestationArgument,
  rootAttestationTypedData,
} from "../../lib/bridge/typedData.js";
import type { BridgeFixture, ChainContext } from "./bridgeFixture.js";

/** Which side receives: the remote minter (mint) or the home vault (release). */
export type Destination = "minter" | "vault";

export function rootAttestationOf(tree: MessageTree, epoch = 1n): RootAttestation {
  const first = tree.messages[0]!;
  return {
    sourceChainId: first.sourceChainId,
    sourceBridge: first.sourceBridge,
    destinationChainId: first.destinationChainId,
    destinationBridge: first.destinationBridge,
    epoch,
    firstNonce: tree.firstNonce,
    lastNonce: tree.lastNonce,
    root: tree.root,
  };
}

/** Signatures of `signers` (default: the first 4 validators, ascending) over a root attestation. */
export function signRoot(
  f: BridgeFixture,
  attestation: RootAttestation,
  signers?: HDAccount[],
): Promise<Hex[]> {
  const typedData = rootAttestationTypedData(attestation);
  return Promise.all((signers ?? f.validators.slice(0, 4)).map((s) => s.signTypedData(typedData)));
}

/** Contract calls of the root path on one side of the fixture, sent by `f.user`. */
export function rootPath(f: BridgeFixture, side: Destination) {
  const chain: ChainContext = side === "minter" ? f.remote : f.home;
  const address: Address = side === "minter" ? f.minter : f.vault;
  const abi = (side === "minter" ? bridgeMinterAbi : bridgeVaultAbi) as typeof bridgeMinterAbi;
  const wallet = chain.wallet(f.user);
  const one = side === "minter" ? "mintWithProof" : "releaseWithProof";
  const batch = side === "minter" ? "mintBatchWithProof" : "releaseBatchWithProof";
  return {
    chain,
    address,
    submitRoot: (attestation: RootAttestation, signatures: Hex[]) =>
      wallet.writeContract({
        address,
        abi,
        functionName: "submitRoot",
        args: [rootAttestationArgument(attestation), signatures],
      }),
    deliverOne: (message: BridgeMessage, root: Hex, proof: Hex[]) =>
      wallet.writeContract({
        address,
        abi,
        functionName: one as "mintWithProof",
        args: [message, root, proof],
      }),
    deliverBatch: (messages: BridgeMessage[], root: Hex, proof: Hex[], proofFlags: boolean[]) =>
      wallet.writeContract({
        address,
        abi,
        functionName: batch as "mintBatchWithProof",
        args: [messages, root, proof, proofFlags],
      }),
    /** Delivers the messages with `nonces` of `tree` as one multiproof batch. */
    deliverNonces: (tree: MessageTree, nonces: bigint[]) => {
      const { messages, proof, proofFlags } = messageMultiProof(tree, nonces);
      return wallet.writeContract({
        address,
        abi,
        functionName: batch as "mintBatchWithProof",
        args: [messages, tree.root, proof, proofFlags],
      });
    },
    deliverNonce: (tree: MessageTree, nonce: bigint) => {
      const message = tree.messages.find((m) => m.nonce === nonce)!;
      return wallet.writeContract({
        address,
        abi,
        functionName: one as "mintWithProof",
        args: [message, tree.root, messageProof(tree, nonce)],
      });
    },
    isNonceDelivered: (message: BridgeMessage) =>
      chain.publicClient.readContract({
        address,
        abi,
        functionName: "isNonceDelivered",
        args: [message.sourceChainId, message.sourceBridge, message.nonce],
      }),
    confirm: async (hash: Promise<Hex>) => {
      const receipt = await chain.publicClient.waitForTransactionReceipt({ hash: await hash });
      if (receipt.status !== "success") throw new Error(`transaction ${receipt.transactionHash} reverted`);
      return receipt;
    },
  };
}
