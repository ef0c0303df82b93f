import { type Address, getAddress, type Hex, isAddress, isHex, recoverTypedDataAddress } from "viem";
import { z } from "zod";
import type { ValidatorSetView } from "./attestationApi.js";
import {
  buildTree,
  leafHash,
  MerkleError,
  type MerkleTree,
  multiProof,
  singleProof,
} from "./bridge/merkle.js";
import { type RootAttestation, rootAttestationTypedData, sortAddresses } from "./bridge/typedData.js";
import { errorSummary } from "./errors.js";

/**
 * The HTTP contract for root attestations (issue 12): a validator signs, per route and per finalized
 * source block, one EIP-712 RootAttestation over the Merkle tree of that block's messages of the route.
 *
 * Cut rule: every verified outbound message of one finalized source block, per route, leaves in
 * ascending nonce. A source bridge numbers its messages with one counter for every destination, so a
 * block's messages to one route can skip nonces (those went to another chain); the signed range
 * [firstNonce, lastNonce] still covers only that block, and a nonce of another route can never be
 * proven under this root (it is no leaf, and its message names another destination). Validators that
 * never talk to each other see the same finalized block, so they sign the same root.
 */

/** How a message no signed root covers yet is explained to people (relayer records, `bridge status`). */
export function waitingForRootReason(nonce: bigint | string): string {
  return `waiting for a root covering nonce ${nonce}`;
}

const addressSchema = z.string().refine((v) => isAddress(v, { strict: false }), "not an address");
const bytes32Schema = z.string().refine((v) => isHex(v) && v.length === 66, "not 32 bytes of hex");
const uintString = z.string().regex(/^\d+$/);

/** Body of `GET /v1/roots/{messageId}`: this validator's signature over the root covering the message. */
export const rootAttestationResponseSchema = z.object({
  sourceChainId: z.number().int().positive(),
  sourceBridge: addressSchema,
  destinationChainId: z.number().int().positive(),
  destinationBridge: addressSchema,
  /** The source block whose messages of this route the root covers. */
  sourceBlock: z.number().int().nonnegative(),
  epoch: z.number().int().positive(),
  firstNonce: uintString,
  lastNonce: uintString,
  root: bytes32Schema,
  /** Message ids in leaf order (ascending nonce): anyone can rebuild the tree and every proof. */
  messageIds: z.array(bytes32Schema).min(1),
  signer: addressSchema,
  signature: z.string().refine((v) => isHex(v), "not hex"),
  signedAt: z.string(),
});
export type SignedRootAttestation = z.infer<typeof rootAttestationResponseSchema>;

/** The typed-data fields of a stored or fetched root attestation. */
export function rootAttestationOf(entry: SignedRootAttestation): RootAttestation {
  return {
    sourceChainId: BigInt(entry.sourceChainId),
    sourceBridge: getAddress(entry.sourceBridge),
    destinationChainId: BigInt(entry.destinationChainId),
    destinationBridge: getAddress(entry.destinationBridge),
    epoch: BigInt(entry.epoch),
    firstNonce: BigInt(entry.firstNonce),
    lastNonce: BigInt(entry.lastNonce),
    root: entry.root as Hex,
  };
}

/** The tree over message ids in leaf order (what the contracts' MessageMerkle hashes). */
export function treeOfIds(messageIds: readonly Hex[]): MerkleTree {
  return buildTree(messageIds.map((id) => leafHash(id)));
}

export type FetchedRoot = { url: string; root: SignedRootAttestation } | { url: string; error: string };

/**
 * Asks every validator for its signed root covering message `id`. A validator that is down, slow or
 * has not signed yet is reported with a short reason instead of failing the whole collection.
 */
export async function fetchRootAttestations(
  validatorUrls: readonly string[],
  id: Hex,
  timeoutMs = 2_000,
): Promise<FetchedRoot[]> {
  return Promise.all(
    validatorUrls.map(async (url): Promise<FetchedRoot> => {
      try {
        const response = await fetch(`${url.replace(/\/$/, "")}/v1/roots/${id}`, {
          signal: AbortSignal.timeout(timeoutMs),
        });
        if (response.status === 404) return { url, error: "no signed root covers it yet" };
        if (!response.ok) return { url, error: `HTTP ${response.status}` };
        const parsed = rootAttestationResponseSchema.safeParse(await response.json());
        if (!parsed.success) return { url, error: "malformed response" };
        return { url, root: parsed.data };
      } catch (error) {
        return { url, error: errorSummary(error) };
      }
    }),
  );
}

/** A root a quorum signed: what `submitRoot` takes, and the leaves to prove its messages with. */
export type RootQuorum = {
  attestation: RootAttestation;
  /** Sorted by signer ascending, one per signer, exactly `threshold` of them. */
  signatures: Hex[];
  signers: Address[];
  messageIds: Hex[];
  sourceBlock: number;
  tree: MerkleTree;
};

export type CollectRootQuorumReturnType =
  | { ok: true; quorum: RootQuorum; valid: number; threshold: number }
  | { ok: false; valid: number; threshold: number };

/**
 * Keeps only root signatures that recover to a member of the epoch they name, over a root that really
 * is the tree of the listed ids and lists message `id` (an untrusted relayer must not pay gas for junk),
 * and returns a quorum if one (root, range, epoch) has enough of them.
 */
export async function collectRootQuorum(parameters: {
  id: Hex;
  fetched: readonly FetchedRoot[];
  sets: readonly ValidatorSetView[];
}): Promise<CollectRootQuorumReturnType> {
  const { id, fetched, sets } = parameters;
  let best = { valid: 0, threshold: sets[0]?.threshold ?? 0 };
  const candidates = new Map<string, SignedRootAttestation[]>();
  for (const entry of fetched) {
    if (!("root" in entry)) continue;
    const { root } = entry;
    if (!root.messageIds.some((m) => m.toLowerCase() === id.toLowerCase())) continue;
    const key = `${root.root}:${root.firstNonce}:${root.lastNonce}:${root.epoch}`.toLowerCase();
    candidates.set(key, [...(candidates.get(key) ?? []), root]);
  }
  for (const group of candidates.values()) {
    const first = group[0]!;
    const set = sets.find((s) => s.epoch === BigInt(first.epoch));
    if (!set) continue;
    const messageIds = first.messageIds.map((m) => m.toLowerCase() as Hex);
    const tree = treeOfIds(messageIds);
    if (tree.root.toLowerCase() !== first.root.toLowerCase()) continue;
    const attestation = rootAttestationOf(first);
    const members = new Set(set.validators.map((v) => v.toLowerCase()));
    const bySigner = new Map<string, Hex>();
    for (const entry of group) {
      if (entry.messageIds.join(",").toLowerCase() !== messageIds.join(",")) continue;
      const signer = await recoverRootSigner(attestation, entry.signature as Hex);
      if (!signer || !members.has(signer.toLowerCase())) continue;
      bySigner.set(signer.toLowerCase(), entry.signature as Hex);
    }
    if (bySigner.size >= set.threshold) {
      const signers = sortAddresses([...bySigner.keys()].map((s) => getAddress(s))).slice(0, set.threshold);
      return {
        ok: true,
        valid: bySigner.size,
        threshold: set.threshold,
        quorum: {
          attestation,
          signatures: signers.map((s) => bySigner.get(s.toLowerCase())!),
          signers,
          messageIds,
          sourceBlock: first.sourceBlock,
          tree,
        },
      };
    }
    if (bySigner.size > best.valid) best = { valid: bySigner.size, threshold: set.threshold };
  }
  return { ok: false, ...best };
}

const recovered = new Map<string, Promise<Address | undefined>>();

/** Memoized ecrecover: a collector polls the same root signatures many times while a quorum forms. */
function recoverRootSigner(attestation: RootAttestation, signature: Hex): Promise<Address | undefined> {
  const key =
    `${attestation.root}:${attestation.epoch}:${attestation.destinationBridge}:${signature}`.toLowerCase();
  let signer = recovered.get(key);
  if (!signer) {
    signer = recoverTypedDataAddress({ ...rootAttestationTypedData(attestation), signature }).catch(
      () => undefined,
    );
    recovered.set(key, signer);
    if (recovered.size > 20_000) recovered.delete(recovered.keys().next().value!);
  }
  return signer;
}

function leafIndexOf(quorum: Pick<RootQuorum, "messageIds">, id: Hex): number {
  const index = quorum.messageIds.indexOf(id.toLowerCase() as Hex);
  if (index < 0) throw new MerkleError(`message ${id} is not a leaf of this root`);
  return index;
}

/** The single proof of message `id` under the quorum's root (mintWithProof / releaseWithProof). */
export function proofOf(quorum: Pick<RootQuorum, "messageIds" | "tree">, id: Hex): Hex[] {
  return singleProof(quorum.tree, leafIndexOf(quorum, id));
}

/**
 * The multiproof for messages `ids` under the quorum's root, with the ids in the order the contract
 * expects its messages (ascending leaf index).
 */
export function multiProofOf(
  quorum: Pick<RootQuorum, "messageIds" | "tree">,
  ids: readonly Hex[],
): { ids: Hex[]; proof: Hex[]; proofFlags: boolean[] } {
  const { leafIndices, proof, proofFlags } = multiProof(
    quorum.tree,
    ids.map((id) => leafIndexOf(quorum, id)),
  );
  return { ids: leafIndices.map((k) => quorum.messageIds[k]!), proof, proofFlags };
}
