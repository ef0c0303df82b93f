import fc from "fast-check";
import { type Hex, keccak256, toHex } from "viem";
import { describe, expect, it } from "vitest";
import {
  buildMessageTree,
  buildTree,
  leafHash,
  MerkleError,
  messageMultiProof,
  messageProof,
  multiProof,
  nodeHash,
  rootFromMultiProof,
  rootFromProof,
  singleProof,
  verifyMultiProof,
  verifyProof,
} from "../../lib/bridge/merkle.js";
import type { BridgeMessage } from "../../lib/bridge/message.js";
import { messageId } from "../../lib/bridge/message.js";

const ids = (n: number, seed = 0): Hex[] =>
  Array.from({ length: n }, (_, i) => keccak256(toHex(`${seed}:${i}`)));
const arbTree = fc
  .record({ n: fc.integer({ min: 1, max: 70 }), seed: fc.nat() })
  .map(({ n, seed }) => ({ ids: ids(n, seed), tree: buildTree(ids(n, seed).map(leafHash)) }));
const flip = (h: Hex): Hex => `0x${(BigInt(h) ^ 1n).toString(16).padStart(64, "0")}`;

function message(nonce: bigint, overrides: Partial<BridgeMessage> = {}): BridgeMessage {
  return {
    version: 1,
    sourceChainId: 1337n,
    destinationChainId: 1338n,
    sourceBridge: "0x1111111111111111111111111111111111111111",
    destinationBridge: "0x2222222222222222222222222222222222222222",
    nonce,
    token: "0x3333333333333333333333333333333333333333",
    sender: "0x4444444444444444444444444444444444444444",
    recipient: "0x5555555555555555555555555555555555555555",
    amount: nonce * 10n,
    ...overrides,
  };
}

describe("Merkle tree encoding", () => {
  it("hashes leaves and inner nodes with different prefixes, pairs sorted", () => {
    const [a, b] = ids(2);
    expect(leafHash(a!)).toBe(keccak256(`0x00${a!.slice(2)}`));
    const [low, high] = BigInt(a!) < BigInt(b!) ? [a!, b!] : [b!, a!];
    expect(nodeHash(a!, b!)).toBe(keccak256(`0x01${low.slice(2)}${high.slice(2)}`));
    expect(nodeHash(b!, a!)).toBe(nodeHash(a!, b!));
    expect(buildTree([leafHash(a!)]).root).toBe(leafHash(a!));
    expect(buildTree([a!, b!]).root).toBe(nodeHash(a!, b!));
  });

  it("rejects empty trees and proofs", () => {
    expect(() => buildTree([])).toThrow(MerkleError);
    expect(() => multiProof(buildTree(ids(3)), [])).toThrow(MerkleError);
    expect(() => multiProof(buildTree(ids(3)), [1, 1])).toThrow(MerkleError);
    expect(() => singleProof(buildTree(ids(3)), 3)).toThrow(MerkleError);
    expect(verifyMultiProof([], [], [], buildTree(ids(1)).root)).toBe(false);
  });
});

describe("Merkle proofs (properties)", () => {
  it("every leaf verifies with its single proof, and a tampered or truncated proof fails", () => {
    fc.assert(
      fc.property(arbTree, ({ ids, tree }) => {
        ids.forEach((id, k) => {
          const proof = singleProof(tree, k);
          expect(verifyProof(id, proof, tree.root)).toBe(true);
          expect(verifyProof(flip(id), proof, tree.root)).toBe(false);
          proof.forEach((_, j) => {
            const tampered = proof.map((h, i) => (i === j ? flip(h) : h));
            expect(verifyProof(id, tampered, tree.root)).toBe(false);
          });
          if (proof.length > 0) expect(verifyProof(id, proof.slice(0, -1), tree.root)).toBe(false);
        });
      }),
      { numRuns: 25 },
    );
  });

  it("no inner node passes as a leaf, though its own path does reach the root", () => {
    fc.assert(
      fc.property(arbTree, ({ tree }) => {
        const leafStart = tree.nodes.length - tree.leafCount;
        for (let i = 1; i < leafStart; i++) {
          const path: Hex[] = [];
          for (let j = i; j > 0; j = (j - 1) >> 1) path.push(tree.nodes[j % 2 === 1 ? j + 1 : j - 1]!);
          // Positive control: the inner node with its path is the root when hashed as a node...
          expect(rootFromProof(tree.nodes[i]!, path)).toBe(tree.root);
          // ...but presented as a message id it gets the leaf prefix and fails.
          expect(verifyProof(tree.nodes[i]!, path, tree.root)).toBe(false);
        }
      }),
      { numRuns: 60 },
    );
  });

  it("any subset verifies with one multiproof; a swapped leaf, tampered hash or flag, extra or missing hash fails", () => {
    fc.assert(
      fc.property(
        arbTree.chain(({ ids, tree }) =>
          fc
            .subarray(
              ids.map((_, k) => k),
              { minLength: 1 },
            )
            .map((subset) => ({ ids, tree, subset })),
        ),
        ({ ids, tree, subset }) => {
          const { leafIndices, proof, proofFlags } = multiProof(tree, [...subset].reverse());
          const proven = leafIndices.map((k) => ids[k]!);
          expect(verifyMultiProof(proven, proof, proofFlags, tree.root)).toBe(true);
          expect(
            verifyMultiProof(
              proven.map((id, i) => (i === 0 ? flip(id) : id)),
              proof,
              proofFlags,
              tree.root,
            ),
          ).toBe(false);
          if (proof.length > 0) {
            expect(
              verifyMultiProof(proven, [flip(proof[0]!), ...proof.slice(1)], proofFlags, tree.root),
            ).toBe(false);
            expect(verifyMultiProof(proven, proof.slice(1), proofFlags, tree.root)).toBe(false);
          }
          expect(verifyMultiProof(proven, [...proof, tree.root], proofFlags, tree.root)).toBe(false);
          if (proofFlags.length > 0) {
            const flipped = proofFlags.map((f, i) => (i === 0 ? !f : f));
            expect(verifyMultiProof(proven, proof, flipped, tree.root)).toBe(false);
          }
          if (proven.length > 1) {
            // Duplicating a leaf (instead of another) never proves.
            const dup = [proven[0]!, ...proven.slice(0, -1)];
            expect(verifyMultiProof(dup, proof, proofFlags, tree.root)).toBe(false);
          }
        },
      ),
      { numRuns: 80 },
    );
  });

  it("the multiproof verifier rejects reading a node before it is computed (instead of reading zero)", () => {
    const tree = buildTree(ids(4).map(leafHash));
    expect(() => rootFromMultiProof([tree.nodes[6]!], [tree.nodes[5]!], [false, true])).toThrow(MerkleError);
  });
});

describe("message trees", () => {
  it("builds over a contiguous range of one route in any input order, with proofs by nonce", () => {
    const messages = [5n, 3n, 4n, 6n, 7n].map((n) => message(n));
    const tree = buildMessageTree(messages);
    expect([tree.firstNonce, tree.lastNonce]).toEqual([3n, 7n]);
    expect(tree.messages.map((m) => m.nonce)).toEqual([3n, 4n, 5n, 6n, 7n]);
    for (const m of messages)
      expect(verifyProof(messageId(m), messageProof(tree, m.nonce), tree.root)).toBe(true);
    const batch = messageMultiProof(tree, [7n, 4n]);
    expect(batch.messages.map((m) => m.nonce)).toEqual([4n, 7n]);
    expect(verifyMultiProof(batch.messages.map(messageId), batch.proof, batch.proofFlags, tree.root)).toBe(
      true,
    );
    expect(() => messageProof(tree, 8n)).toThrow(MerkleError);
  });

  it("refuses gaps, duplicate nonces and mixed routes", () => {
    expect(() => buildMessageTree([message(1n), message(3n)])).toThrow(/contiguous/);
    expect(() => buildMessageTree([message(1n), message(1n)])).toThrow(/contiguous/);
    expect(() => buildMessageTree([message(1n), message(2n, { destinationChainId: 1339n })])).toThrow(
      /route/,
    );
    expect(() => buildMessageTree([message(0n)])).toThrow(/start at 1/);
  });
});
