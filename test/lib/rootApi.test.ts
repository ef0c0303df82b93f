import type { Address, Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { verifyMultiProof, verifyProof } from "../../lib/bridge/merkle.js";
import { type BridgeMessage, messageId } from "../../lib/bridge/message.js";
import { rootAttestationTypedData, sortAddresses } from "../../lib/bridge/typedData.js";
import { devnetKeys } from "../../lib/devnet/accounts.js";
import {
  collectRootQuorum,
  type FetchedRoot,
  multiProofOf,
  proofOf,
  rootAttestationOf,
  type SignedRootAttestation,
  treeOfIds,
} from "../../lib/rootApi.js";

const A = "0x00000000000000000000000000000000000000aa" as Address;
const B = "0x00000000000000000000000000000000000000bb" as Address;

/** Messages of one route; nonces 3, 5, 6 (4 went to another destination). */
const messages: BridgeMessage[] = [3n, 5n, 6n].map((nonce) => ({
  version: 1,
  sourceChainId: 31337n,
  destinationChainId: 31338n,
  sourceBridge: A,
  destinationBridge: B,
  nonce,
  token: A,
  sender: A,
  recipient: B,
  amount: nonce * 1_000n,
}));
const ids = messages.map((m) => messageId(m));
const validators = devnetKeys.validators.map((key) => privateKeyToAccount(key));
const sets = [{ epoch: 1n, validators: sortAddresses(validators.map((v) => v.address)), threshold: 4 }];

async function signed(signer: number, overrides: Partial<SignedRootAttestation> = {}): Promise<FetchedRoot> {
  const unsigned = {
    sourceChainId: 31337,
    sourceBridge: A,
    destinationChainId: 31338,
    destinationBridge: B,
    sourceBlock: 12,
    epoch: 1,
    firstNonce: "3",
    lastNonce: "6",
    root: treeOfIds(ids).root,
    messageIds: ids,
    signer: validators[signer]!.address,
    signature: "0x" as Hex,
    signedAt: "",
    ...overrides,
  };
  const signature = await validators[signer]!.signTypedData(
    rootAttestationTypedData(rootAttestationOf(unsigned)),
  );
  return { url: `v${signer}`, root: { ...unsigned, signature } };
}

describe("root attestations (lib/rootApi)", () => {
  it("collects a quorum sorted by signer and proves every message, alone and as a batch", async () => {
    const fetched = await Promise.all([4, 0, 2, 1, 3].map((i) => signed(i)));
    const collected = await collectRootQuorum({ id: ids[1]!, fetched, sets });
    expect(collected.ok).toBe(true);
    if (!collected.ok) return;
    expect(collected.valid).toBe(5);
    expect(collected.quorum.signers).toEqual(sortAddresses(collected.quorum.signers));
    expect(collected.quorum.signatures).toHaveLength(4);
    for (const id of ids)
      expect(verifyProof(id, proofOf(collected.quorum, id), collected.quorum.tree.root)).toBe(true);
    const batch = multiProofOf(collected.quorum, [ids[2]!, ids[0]!]);
    expect(batch.ids).toEqual([ids[0], ids[2]]);
    expect(verifyMultiProof(batch.ids, batch.proof, batch.proofFlags, collected.quorum.tree.root)).toBe(true);
  });

  it("drops signatures a relayer must not pay gas for", async () => {
    const honest = await Promise.all([0, 1, 2].map((i) => signed(i)));
    const outsider = privateKeyToAccount(devnetKeys.deployer);
    const forged = await signed(3);
    const junk: FetchedRoot[] = [
      // A root that is not the tree of the leaves it lists.
      await signed(3, { root: treeOfIds(ids.slice(0, 2)).root }),
      // Leaves reordered: the same set, another tree.
      await signed(4, { messageIds: [...ids].reverse(), root: treeOfIds([...ids].reverse()).root }),
      // A valid root signed by a key outside the set.
      {
        url: "outsider",
        root: {
          ...(forged as { root: SignedRootAttestation }).root,
          signer: outsider.address,
          signature: await outsider.signTypedData(
            rootAttestationTypedData(rootAttestationOf((forged as { root: SignedRootAttestation }).root)),
          ),
        },
      },
      { url: "down", error: "fetch failed" },
    ];
    const collected = await collectRootQuorum({ id: ids[0]!, fetched: [...honest, ...junk], sets });
    expect(collected).toEqual({ ok: false, valid: 3, threshold: 4 });
    // A root that does not list the message cannot vouch for it, however many signed it.
    const other = { ...messages[0]!, nonce: 9n };
    const foreign = await collectRootQuorum({ id: messageId(other), fetched: honest, sets });
    expect(foreign).toEqual({ ok: false, valid: 0, threshold: 4 });
  });
});
