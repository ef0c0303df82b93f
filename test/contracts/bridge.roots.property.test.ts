import fc from "fast-check";
import { type Hex, parseEventLogs } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bridgeMinterAbi, bridgeVaultAbi } from "../../contracts/generated/index.js";
import { buildMessageTree, type MessageTree } from "../../lib/bridge/merkle.js";
import { type BridgeMessage, messageId } from "../../lib/bridge/message.js";
import { usdcBalance, vaultOutstanding, wrappedSupply } from "../helpers/bridgeBalances.js";
import {
  type BridgeFixture,
  REMOTE_CHAIN_ID,
  revertOf,
  startBridgeFixture,
} from "../helpers/bridgeFixture.js";
import { type Action, plan } from "../helpers/rootPlan.js";
import { type Destination, rootAttestationOf, rootPath, signRoot } from "../helpers/roots.js";

let f: BridgeFixture;

beforeAll(async () => {
  f = await startBridgeFixture();
});
afterAll(async () => {
  await f?.stop();
});

type Logs = Parameters<typeof parseEventLogs>[0]["logs"];

/** What differs between the two directions: how messages are made, delivered one by one, and counted. */
type Direction = {
  side: Destination;
  /** Creates one message per amount on its source chain; runs before any delivery. */
  send(amounts: bigint[]): Promise<BridgeMessage[]>;
  /** The per-message path (`mint` / `release`) with a 4-of-5 quorum. */
  perMessage(message: BridgeMessage): Promise<Hex>;
  deliveredIds(logs: Logs): Hex[];
  /** The supply invariant once every message of `amounts` is delivered. */
  checkSupply(amounts: bigint[], before: { usdc: bigint }): Promise<void>;
};

const sum = (amounts: bigint[]) => amounts.reduce((a, b) => a + b, 0n);

const mintDirection: Direction = {
  side: "minter",
  send: async (amounts) => {
    const messages: BridgeMessage[] = [];
    for (const amount of amounts) messages.push(await f.lock(amount));
    return messages;
  },
  perMessage: async (message) =>
    f.remote.wallet(f.user).writeContract({
      address: f.minter,
      abi: bridgeMinterAbi,
      functionName: "mint",
      args: [message, 1n, await f.signAttestation(message)],
    }),
  deliveredIds: (logs) =>
    parseEventLogs({ abi: bridgeMinterAbi, eventName: "Minted", logs }).map((l) => l.args.messageId),
  // Minted on the remote = locked at home, to the unit.
  checkSupply: async (amounts) => {
    expect(await wrappedSupply(f)).toBe(sum(amounts));
    expect(await vaultOutstanding(f, REMOTE_CHAIN_ID)).toBe(sum(amounts));
  },
};

/** Everything burned is first locked and minted in one message, so the vault has exactly that outstanding. */
const releaseDirection: Direction = {
  side: "vault",
  send: async (amounts) => {
    await f.mint(await f.lock(sum(amounts)));
    const messages: BridgeMessage[] = [];
    for (const amount of amounts) messages.push(await f.burn(amount));
    return messages;
  },
  perMessage: async (message) =>
    f.home.wallet(f.user).writeContract({
      address: f.vault,
      abi: bridgeVaultAbi,
      functionName: "release",
      args: [message, 1n, await f.signAttestation(message)],
    }),
  deliveredIds: (logs) =>
    parseEventLogs({ abi: bridgeVaultAbi, eventName: "Released", logs }).map((l) => l.args.messageId),
  // Every burn released once: nothing outstanding, nothing wrapped left, the user paid out in full.
  checkSupply: async (_amounts, before) => {
    expect(await vaultOutstanding(f, REMOTE_CHAIN_ID)).toBe(0n);
    expect(await wrappedSupply(f)).toBe(0n);
    expect(await usdcBalance(f, f.user.address)).toBe(before.usdc);
  },
};

/**
 * Runs one generated case: sends the messages, then plays the plan's actions in order (roots submitted,
 * proofs by batch or alone, per-message deliveries, each possibly before its root), and finally delivers
 * whatever was refused for a missing root. Every call's outcome is predicted from what happened before.
 */
async function runCase(direction: Direction, amounts: bigint[], seed: number) {
  const path = rootPath(f, direction.side);
  const before = { usdc: await usdcBalance(f, f.user.address) };
  const messages = await direction.send(amounts);
  const byNonce = new Map(messages.map((m) => [m.nonce, m]));
  const first = Number(messages[0]!.nonce);
  const { ranges, actions } = plan(messages.length, seed);
  // The plan numbers messages from 1; the burn nonces of the release direction start later.
  const trees: MessageTree[] = ranges.map(([a, b]) => buildMessageTree(messages.slice(a - 1, b)));
  const shift = (n: bigint) => n + BigInt(first - 1);
  // By root hash: an overlapping root may equal another one (same range), and is then already stored.
  const submitted = new Set<Hex>();
  const delivered = new Set<bigint>();
  const count = new Map<Hex, number>();
  const record = (logs: Logs) => {
    for (const id of direction.deliveredIds(logs)) count.set(id, (count.get(id) ?? 0) + 1);
  };
  const run = async (action: Action) => {
    if (action.kind === "submit") {
      const attestation = rootAttestationOf(trees[action.root]!);
      await path.confirm(path.submitRoot(attestation, await signRoot(f, attestation)));
      submitted.add(trees[action.root]!.root);
      return;
    }
    if (action.kind === "perMessage") {
      const nonce = shift(action.nonce);
      const call = direction.perMessage(byNonce.get(nonce)!);
      if (delivered.has(nonce)) {
        expect((await revertOf(call)).errorName).toBe("NonceAlreadyDelivered");
      } else {
        record((await path.confirm(call)).logs);
        delivered.add(nonce);
      }
      return;
    }
    const tree = trees[action.root]!;
    const nonces = (action.kind === "single" ? [action.nonce] : action.nonces).map(shift);
    const call =
      action.kind === "single" ? path.deliverNonce(tree, nonces[0]!) : path.deliverNonces(tree, nonces);
    if (!submitted.has(tree.root)) {
      expect((await revertOf(call)).errorName).toBe("UnknownRoot");
    } else if (action.kind === "single" && delivered.has(nonces[0]!)) {
      expect((await revertOf(call)).errorName).toBe("NonceAlreadyDelivered");
    } else {
      record((await path.confirm(call)).logs);
      for (const n of nonces) delivered.add(n);
    }
  };
  for (const action of actions) await run(action);
  for (const [root, tree] of trees.entries()) {
    const nonces = tree.messages.map((m) => m.nonce - BigInt(first - 1));
    await run({ kind: "batch", root, nonces });
  }

  for (const m of messages) {
    expect(count.get(messageId(m))).toBe(1);
    expect(await path.isNonceDelivered(m)).toBe(true);
  }
  await direction.checkSupply(amounts, before);
}

describe.each([
  ["minted", mintDirection],
  ["released", releaseDirection],
])("any messages, any roots and batch split, any order", (delivered, direction) => {
  it(`each message is ${delivered} exactly once and the supply invariant holds`, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.bigInt({ min: 1n, max: 10n ** 9n }), { minLength: 1, maxLength: 10 }),
        fc.integer(),
        async (amounts, seed) => {
          const home = await f.home.testClient.snapshot();
          const remote = await f.remote.testClient.snapshot();
          try {
            await runCase(direction, amounts, seed);
          } finally {
            await f.home.testClient.revert({ id: home });
            await f.remote.testClient.revert({ id: remote });
          }
        },
      ),
      { numRuns: 25 },
    );
  });
});
