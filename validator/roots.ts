import type { Hex, LocalAccount } from "viem";
import type { BridgeMessage } from "../lib/bridge/message.js";
import { rootAttestationTypedData } from "../lib/bridge/typedData.js";
import { rootAttestationOf, type SignedRootAttestation, treeOfIds } from "../lib/rootApi.js";
import type { RootStore } from "./rootStore.js";

export type VerifiedInBlock = { id: Hex; message: BridgeMessage; block: bigint };

/**
 * The root attestations a finalized range of verified messages calls for, signed and not yet stored:
 * one per (source block, destination), leaves in ascending nonce (the cut rule in lib/rootApi.ts).
 * `epochOf` gives the destination's current epoch. Roots already signed under that epoch are skipped,
 * so a range scanned again after a crash signs nothing twice.
 */
export async function signRootsOf(parameters: {
  verified: readonly VerifiedInBlock[];
  roots: RootStore;
  account: LocalAccount;
  epochOf(destinationChainId: number): Promise<bigint>;
}): Promise<SignedRootAttestation[]> {
  const groups = new Map<string, VerifiedInBlock[]>();
  for (const entry of parameters.verified) {
    const key = `${entry.block}:${entry.message.destinationChainId}`;
    groups.set(key, [...(groups.get(key) ?? []), entry]);
  }
  const signed: SignedRootAttestation[] = [];
  for (const group of groups.values()) {
    group.sort((a, b) => (a.message.nonce < b.message.nonce ? -1 : 1));
    const first = group[0]!.message;
    const messageIds = group.map((g) => g.id.toLowerCase() as Hex);
    const epoch = await parameters.epochOf(Number(first.destinationChainId));
    const unsigned = {
      sourceChainId: Number(first.sourceChainId),
      sourceBridge: first.sourceBridge,
      destinationChainId: Number(first.destinationChainId),
      destinationBridge: first.destinationBridge,
      sourceBlock: Number(group[0]!.block),
      epoch: Number(epoch),
      firstNonce: first.nonce.toString(),
      lastNonce: group.at(-1)!.message.nonce.toString(),
      root: treeOfIds(messageIds).root,
      messageIds,
    };
    if (parameters.roots.signed(unsigned)) continue;
    signed.push(await signRoot(parameters.account, unsigned));
  }
  return signed;
}

/** This validator's signature over a root (an already verified one), as the store keeps it. */
export async function signRoot(
  account: LocalAccount,
  unsigned: Omit<SignedRootAttestation, "signer" | "signature" | "signedAt">,
): Promise<SignedRootAttestation> {
  const draft = { ...unsigned, signer: account.address, signature: "0x" as Hex, signedAt: "" };
  return {
    ...draft,
    signature: await account.signTypedData(rootAttestationTypedData(rootAttestationOf(draft))),
    signedAt: new Date().toISOString(),
  };
}
