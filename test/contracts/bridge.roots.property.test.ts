import fc from "fast-check";
import { type Hex, parseEventLogs } from "viem";
import { afterAll, beforeAll, expect, it } from "vitest";
import { bridgeMinterAbi, bridgeVaultAbi, wrappedTokenAbi } from "../../contracts/generated/index.js";
import { buildMessageTree, type MessageTree } from "../../lib/bridge/merkle.js";
import { type BridgeMessage, messageId } from "../../lib/bridge/message.js";
import {
  type BridgeFixture,
  REMOTE_CHAIN_ID,
  revertOf,
  startBridgeFixture,
} from "../helpers/bridgeFixture.js";
import { rootAttestationOf, rootPath, signRoot } from "../helpers/roots.js";

let f: BridgeFixture;
let minter: ReturnType<typeof rootPath>;

beforeAll(async () => {
  f = await startBridgeFixture();
  minter = rootPath(f, "minter");
});
afterAll(async () => {
  await f?.stop();
});

/** Small deterministic PRNG so one generated seed drives every split and order (and shrinks with it). */
function random(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n: number) => Math.floor(next() * n) };
}

type Action =
  | { kind: "submit"; root: number }
  | { kind: "batch"; root: number; nonces: bigint[] }
  | { kind: "single"; root: number; nonce: bigint }
  | { kind: "mint"; nonce: bigint };

/** Roots over contiguous segments (plus maybe one overlapping root), each root's nonces split into random
 * batches (some nonces twice, as racing relayers would), some messages minted by the per-message path,
 * and every action shuffled. */
function plan(count: number, seed: number) {
  const rng = random(seed);
  const ranges: [number, number][] = [];
  for (let start = 1; start <= count; ) {
    const end = Math.min(count, start + rng.int(count));
    ranges.push([start, end]);
    start = end + 1;
  }
  if (rng.next() < 0.5) {
    const a = 1 + rng.int(count);
    ranges.push([a, a + rng.int(count - a + 1)]);
  }
  const actions: Action[] = ranges.map((_, root) => ({ kind: "submit", root }));
  ranges.forEach(([a, b], root) => {
    const nonces = Array.from({ length: b - a + 1 }, (_, i) => BigInt(a + i));
    const batches: bigint[][] = [];
    for (const nonce of nonces) {
      const copies = rng.next() < 0.2 ? 2 : 1;
      for (let c = 0; c < copies; c++) {
        const k = rng.int(batches.length + 1);
        if (k === batches.length) batches.push([]);
        if (!batches[k]!.includes(nonce)) batches[k]!.push(nonce);
      }
    }
    for (const batch of batches) {
      actions.push(
        batch.length === 1 && rng.next() < 0.5
          ? { kind: "single", root, nonce: batch[0]! }
          : { kind: "batch", root, nonces: batch },
      );
    }
  });
  for (let n = 1; n <= count; n++) if (rng.next() < 0.15) actions.push({ kind: "mint", nonce: BigInt(n) });
  for (let i = actions.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [actions[i], actions[j]] = [actions[j]!, actions[i]!];
  }
  return { ranges, actions };
}

it("any messages, any roots and batch split, any order: each message mints exactly once and supply matches the locks", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.bigInt({ min: 1n, max: 10n ** 9n }), { minLength: 1, maxLength: 10 }),
      fc.integer(),
      async (amounts, seed) => {
        const home = await f.home.testClient.snapshot();
        const remote = await f.remote.testClient.snapshot();
        try {
          const messages: BridgeMessage[] = [];
          for (const amount of amounts) messages.push(await f.lock(amount));
          const byNonce = new Map(messages.map((m) => [m.nonce, m]));
          const { ranges, actions } = plan(messages.length, seed);
          const trees: MessageTree[] = ranges.map(([a, b]) =>
            buildMessageTree(messages.filter((m) => m.nonce >= BigInt(a) && m.nonce <= BigInt(b))),
          );
          // By root hash: an overlapping root may equal another one (same range), and is then already stored.
          const submitted = new Set<Hex>();
          const delivered = new Set<bigint>();
          const mintedCount = new Map<Hex, number>();
          const record = (logs: Parameters<typeof parseEventLogs>[0]["logs"]) => {
            for (const log of parseEventLogs({ abi: bridgeMinterAbi, eventName: "Minted", logs })) {
              mintedCount.set(log.args.messageId, (mintedCount.get(log.args.messageId) ?? 0) + 1);
            }
          };
          const run = async (action: Action) => {
            if (action.kind === "submit") {
              const attestation = rootAttestationOf(trees[action.root]!);
              await minter.confirm(minter.submitRoot(attestation, await signRoot(f, attestation)));
              submitted.add(trees[action.root]!.root);
              return;
            }
            if (action.kind === "mint") {
              const message = byNonce.get(action.nonce)!;
              const call = f.remote.wallet(f.user).writeContract({
                address: f.minter,
                abi: bridgeMinterAbi,
                functionName: "mint",
                args: [message, 1n, await f.signAttestation(message)],
              });
              if (delivered.has(action.nonce)) {
                expect((await revertOf(call)).errorName).toBe("NonceAlreadyDelivered");
              } else {
                record((await minter.confirm(call)).logs);
                delivered.add(action.nonce);
              }
              return;
            }
            const tree = trees[action.root]!;
            const nonces = action.kind === "single" ? [action.nonce] : action.nonces;
            const call =
              action.kind === "single"
                ? minter.deliverNonce(tree, action.nonce)
                : minter.deliverNonces(tree, nonces);
            if (!submitted.has(tree.root)) {
              expect((await revertOf(call)).errorName).toBe("UnknownRoot");
            } else if (action.kind === "single" && delivered.has(action.nonce)) {
              expect((await revertOf(call)).errorName).toBe("NonceAlreadyDelivered");
            } else {
              record((await minter.confirm(call)).logs);
              for (const n of nonces) delivered.add(n);
            }
          };
          for (const action of actions) await run(action);
          // Whatever was refused because its root came later is delivered now, root by root.
          for (const [root, tree] of trees.entries()) {
            await run({ kind: "batch", root, nonces: tree.messages.map((m) => m.nonce) });
          }

          for (const m of messages) {
            expect(mintedCount.get(messageId(m))).toBe(1);
            expect(await minter.isNonceDelivered(m)).toBe(true);
          }
          const locked = amounts.reduce((a, b) => a + b, 0n);
          const supply = await f.remote.publicClient.readContract({
            address: f.wrappedUsdc,
            abi: wrappedTokenAbi,
            functionName: "totalSupply",
          });
          const outstanding = await f.home.publicClient.readContract({
            address: f.vault,
            abi: bridgeVaultAbi,
            functionName: "outstanding",
            args: [BigInt(REMOTE_CHAIN_ID), f.usdc],
          });
          expect(supply).toBe(locked);
          expect(outstanding).toBe(locked);
        } finally {
          await f.home.testClient.revert({ id: home });
          await f.remote.testClient.revert({ id: remote });
        }
      },
    ),
    { numRuns: 25 },
  );
});
