import { concat, type Hex, keccak256 } from "viem";
import { type BridgeMessage, messageId } from "./message.js";

/**
 * The Merkle tree a validator quorum signs over a contiguous nonce range of one route, identical to
 * contracts/src/bridge/MessageMerkle.sol.
 *
 * - leaf  = keccak256(0x00 || messageId)                 (33-byte preimage)
 * - inner = keccak256(0x01 || min(a, b) || max(a, b))    (65-byte preimage, pair sorted as uint256)
 *
 * The prefixes (and preimage lengths) differ, so no inner node can be presented as a leaf. Pairs are
 * sorted, so a proof is just the sibling hashes. Layout: a complete binary tree in an array of 2n - 1
 * nodes, node i has children 2i + 1 and 2i + 2, the root is node 0 and leaf k (the k-th message by
 * ascending nonce) is node 2n - 2 - k. Any n >= 1 works without padding.
 */

const LEAF_PREFIX = "0x00";
const NODE_PREFIX = "0x01";

export class MerkleError extends Error {
  override name = "MerkleError";
}

/** keccak256(0x00 || messageId): the tree leaf of one message. */
export function leafHash(id: Hex): Hex {
  return keccak256(concat([LEAF_PREFIX, id]));
}

/** keccak256(0x01 || min(a, b) || max(a, b)): an inner node. */
export function nodeHash(a: Hex, b: Hex): Hex {
  const [low, high] = BigInt(a) < BigInt(b) ? [a, b] : [b, a];
  return keccak256(concat([NODE_PREFIX, low, high]));
}

/** A built tree: `nodes` in the array layout described above; `leafCount` leaves. */
export type MerkleTree = { nodes: readonly Hex[]; leafCount: number; root: Hex };

/**
 * Builds the tree over leaves given in leaf order.
 *
 * @example
 * const tree = buildTree(messages.map((m) => leafHash(messageId(m))));
 */
export function buildTree(leaves: readonly Hex[]): MerkleTree {
  const n = leaves.length;
  if (n === 0) throw new MerkleError("a Merkle tree needs at least one leaf");
  const nodes: Hex[] = new Array(2 * n - 1);
  leaves.forEach((leaf, k) => {
    nodes[2 * n - 2 - k] = leaf;
  });
  for (let i = n - 2; i >= 0; i--) nodes[i] = nodeHash(nodes[2 * i + 1]!, nodes[2 * i + 2]!);
  return { nodes, leafCount: n, root: nodes[0]! };
}

function treeIndex(tree: MerkleTree, leafIndex: number): number {
  if (!Number.isInteger(leafIndex) || leafIndex < 0 || leafIndex >= tree.leafCount) {
    throw new MerkleError(`leaf index ${leafIndex} outside 0..${tree.leafCount - 1}`);
  }
  return tree.nodes.length - 1 - leafIndex;
}

const parent = (i: number) => (i - 1) >> 1;
const sibling = (i: number) => (i % 2 === 1 ? i + 1 : i - 1);

/** Sibling hashes from leaf `leafIndex` up to (not including) the root. */
export function singleProof(tree: MerkleTree, leafIndex: number): Hex[] {
  const proof: Hex[] = [];
  for (let i = treeIndex(tree, leafIndex); i > 0; i = parent(i)) proof.push(tree.nodes[sibling(i)]!);
  return proof;
}

/** The root `proof` leads to from `leaf`. */
export function rootFromProof(leaf: Hex, proof: readonly Hex[]): Hex {
  return proof.reduce<Hex>((node, siblingHash) => nodeHash(node, siblingHash), leaf);
}

/**
 * A multiproof: `leafIndices` ascending (pass the leaves, and the messages, in this order), the
 * `proof` hashes the verifier cannot compute, and one flag per hashing step: true takes the step's
 * second input from the queue of leaves and computed nodes, false from `proof`.
 */
export type MultiProof = { leafIndices: number[]; proof: Hex[]; proofFlags: boolean[] };

/** A multiproof for the distinct leaves `leafIndices` (any order; duplicates are an error). */
export function multiProof(tree: MerkleTree, leafIndices: readonly number[]): MultiProof {
  if (leafIndices.length === 0) throw new MerkleError("a multiproof needs at least one leaf");
  const sorted = [...leafIndices].sort((a, b) => a - b);
  if (sorted.some((k, i) => i > 0 && k === sorted[i - 1])) throw new MerkleError("duplicate leaf index");
  // Leaves sit after every inner node in the array, so the queue stays in descending array order.
  const queue = sorted.map((k) => treeIndex(tree, k));
  const proof: Hex[] = [];
  const proofFlags: boolean[] = [];
  while (queue[0]! > 0) {
    const i = queue.shift()!;
    if (queue[0] === sibling(i)) {
      queue.shift();
      proofFlags.push(true);
    } else {
      proof.push(tree.nodes[sibling(i)]!);
      proofFlags.push(false);
    }
    queue.push(parent(i));
  }
  return { leafIndices: sorted, proof, proofFlags };
}

/**
 * The root a multiproof leads to, with the contract's exact rules; throws MerkleError where the
 * contract reverts InvalidMultiProof (empty leaves, lengths that do not add up, a node read before it
 * was computed, proof hashes left over or missing).
 */
export function rootFromMultiProof(
  leaves: readonly Hex[],
  proof: readonly Hex[],
  proofFlags: readonly boolean[],
): Hex {
  const steps = proofFlags.length;
  if (leaves.length === 0 || leaves.length + proof.length !== steps + 1) {
    throw new MerkleError("multiproof lengths do not add up");
  }
  if (steps === 0) return leaves[0]!;
  const nodes: Hex[] = [];
  let leafPos = 0;
  let nodePos = 0;
  let proofPos = 0;
  const next = (step: number): Hex => {
    if (leafPos < leaves.length) return leaves[leafPos++]!;
    if (nodePos >= step) throw new MerkleError("multiproof reads a node before computing it");
    return nodes[nodePos++]!;
  };
  for (let i = 0; i < steps; i++) {
    const a = next(i);
    let b: Hex;
    if (proofFlags[i]) b = next(i);
    else {
      if (proofPos === proof.length) throw new MerkleError("multiproof runs out of proof hashes");
      b = proof[proofPos++]!;
    }
    nodes.push(nodeHash(a, b));
  }
  if (proofPos !== proof.length) throw new MerkleError("multiproof leaves proof hashes unused");
  return nodes[steps - 1]!;
}

/** Whether `proof` proves the message with id `id` under `root` (the leaf prefix is applied here). */
export function verifyProof(id: Hex, proof: readonly Hex[], root: Hex): boolean {
  return rootFromProof(leafHash(id), proof) === root;
}

/** Whether the multiproof proves the messages with ids `ids` (in leaf order) under `root`. */
export function verifyMultiProof(
  ids: readonly Hex[],
  proof: readonly Hex[],
  proofFlags: readonly boolean[],
  root: Hex,
): boolean {
  try {
    return rootFromMultiProof(ids.map(leafHash), proof, proofFlags) === root;
  } catch (error) {
    if (error instanceof MerkleError) return false;
    throw error;
  }
}

/** A route and a contiguous nonce range, with the messages in nonce order and their tree. */
export type MessageTree = MerkleTree & {
  messages: readonly BridgeMessage[];
  firstNonce: bigint;
  lastNonce: bigint;
};

/**
 * The tree validators sign for a contiguous nonce range of one route. Messages may come in any
 * order; they must share the route (both chains, both bridges) and cover firstNonce..lastNonce exactly
 * once, which is what makes the root the same for every honest validator.
 *
 * @example
 * const tree = buildMessageTree(messages);
 * const proof = messageProof(tree, messages[3].nonce);
 */
export function buildMessageTree(messages: readonly BridgeMessage[]): MessageTree {
  if (messages.length === 0) throw new MerkleError("a message tree needs at least one message");
  const ordered = [...messages].sort((a, b) => (a.nonce < b.nonce ? -1 : a.nonce > b.nonce ? 1 : 0));
  const first = ordered[0]!;
  const routeKey = (m: BridgeMessage) =>
    `${m.sourceChainId}:${m.sourceBridge.toLowerCase()}:${m.destinationChainId}:${m.destinationBridge.toLowerCase()}`;
  ordered.forEach((m, i) => {
    if (routeKey(m) !== routeKey(first)) throw new MerkleError(`message ${m.nonce} is on another route`);
    if (m.nonce !== first.nonce + BigInt(i)) {
      throw new MerkleError(`nonces are not contiguous at ${m.nonce} (expected ${first.nonce + BigInt(i)})`);
    }
  });
  if (first.nonce < 1n) throw new MerkleError("nonces start at 1");
  const tree = buildTree(ordered.map((m) => leafHash(messageId(m))));
  return { ...tree, messages: ordered, firstNonce: first.nonce, lastNonce: ordered.at(-1)!.nonce };
}

function leafIndexOfNonce(tree: MessageTree, nonce: bigint): number {
  if (nonce < tree.firstNonce || nonce > tree.lastNonce) {
    throw new MerkleError(`nonce ${nonce} is outside ${tree.firstNonce}..${tree.lastNonce}`);
  }
  return Number(nonce - tree.firstNonce);
}

/** The single proof of the message with `nonce` (for `mintWithProof` / `releaseWithProof`). */
export function messageProof(tree: MessageTree, nonce: bigint): Hex[] {
  return singleProof(tree, leafIndexOfNonce(tree, nonce));
}

/**
 * The batch arguments for `mintBatchWithProof` / `releaseBatchWithProof`: the messages with `nonces`
 * in the order the contract expects, the proof hashes and the flags.
 */
export function messageMultiProof(
  tree: MessageTree,
  nonces: readonly bigint[],
): { messages: BridgeMessage[]; proof: Hex[]; proofFlags: boolean[] } {
  const { leafIndices, proof, proofFlags } = multiProof(
    tree,
    nonces.map((nonce) => leafIndexOfNonce(tree, nonce)),
  );
  return { messages: leafIndices.map((k) => tree.messages[k]!), proof, proofFlags };
}
