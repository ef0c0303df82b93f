import type { Hex } from "viem";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { bridgeMinterAbi } from "../../contracts/generated/index.js";
import { buildMessageTree } from "../../lib/bridge/merkle.js";
import { type BridgeMessage, MESSAGE_VERSION, messageId } from "../../lib/bridge/message.js";
import { wrappedSupply } from "../helpers/bridgeBalances.js";
import {
  type BridgeFixture,
  HOME_CHAIN_ID,
  MINT_CEILING,
  REMOTE_CHAIN_ID,
  revertOf,
  startBridgeFixture,
  USDC_UNIT,
} from "../helpers/bridgeFixture.js";
import { snapshotChains } from "../helpers/chainSnapshots.js";
import { mintedIds, perMessageMint, submitTreeRoot } from "../helpers/rootActions.js";
import { rootPath } from "../helpers/roots.js";

/**
 * Issue 12, item 5: minting is tied to a per-epoch budget, so a stolen validator quorum (which can sign
 * any message and any root) mints at most the budget per day, however much room the mint ceiling has.
 */

const BUDGET = 100n * USDC_UNIT;
const HOME = BigInt(HOME_CHAIN_ID);

let f: BridgeFixture;
let minter: ReturnType<typeof rootPath>;

beforeAll(async () => {
  f = await startBridgeFixture();
  minter = rootPath(f, "minter");
});
afterAll(async () => {
  await f?.stop();
});
beforeEach(async () => {
  const restore = await snapshotChains([f.home, f.remote]);
  // Start each test at the beginning of a budget epoch, so no window boundary falls inside it by chance.
  await f.remote.travel(Number((await budget()).epochEndsAt - (await f.remote.timestamp())));
  await setBudget(BUDGET);
  return restore;
});

const setBudget = async (perEpoch: bigint) => {
  const receipt = await f.remote.publicClient.waitForTransactionReceipt({
    hash: await f.remote.wallet(f.owner).writeContract({
      address: f.minter,
      abi: bridgeMinterAbi,
      functionName: "setMintBudget",
      args: [HOME, f.usdc, perEpoch],
    }),
  });
  expect(receipt.status).toBe("success");
};

const budget = async () => {
  const [perEpoch, available, epochEndsAt] = await f.remote.publicClient.readContract({
    address: f.minter,
    abi: bridgeMinterAbi,
    functionName: "mintBudgetOf",
    args: [HOME, f.usdc],
  });
  return { perEpoch, available, epochEndsAt };
};

let forgedNonce = 1_000n;
/** A lock the home chain never saw: only a stolen quorum would sign it. */
const forgedLock = (amount: bigint): BridgeMessage => ({
  version: MESSAGE_VERSION,
  sourceChainId: HOME,
  destinationChainId: BigInt(REMOTE_CHAIN_ID),
  sourceBridge: f.vault,
  destinationBridge: f.minter,
  nonce: forgedNonce++,
  token: f.usdc,
  sender: f.outsiders[0]!.address,
  recipient: f.outsiders[0]!.address,
  amount,
});

describe("a stolen quorum mints at most the budget per epoch", () => {
  it("by root: a quorum-signed root worth 10x the budget mints only the budget; the rest waits for the next epoch", async () => {
    // The ceiling (1M USDC) would let all of it through.
    expect(MINT_CEILING).toBeGreaterThan(10n * BUDGET);
    const tree = buildMessageTree(Array.from({ length: 10 }, () => forgedLock(BUDGET)));
    await submitTreeRoot(f, "minter", tree);
    const nonces = tree.messages.map((m) => m.nonce);
    // A batch spends the budget once for its run of same-token messages, and reverts as a whole.
    expect(await revertOf(minter.deliverNonces(tree, nonces))).toEqual({
      errorName: "MintBudgetExceeded",
      args: [BUDGET, 10n * BUDGET],
    });
    expect(await revertOf(minter.deliverNonces(tree, nonces.slice(0, 2)))).toEqual({
      errorName: "MintBudgetExceeded",
      args: [BUDGET, 2n * BUDGET],
    });
    // Positive control: one budget's worth goes through, by single proof.
    await minter.confirm(minter.deliverNonce(tree, nonces[0]!));
    expect(await wrappedSupply(f)).toBe(BUDGET);
    expect((await budget()).available).toBe(0n);
    expect((await revertOf(minter.deliverNonce(tree, nonces[1]!))).errorName).toBe("MintBudgetExceeded");

    // The next epoch refills the budget once: the quorum's reach is one budget per epoch.
    await f.remote.travel(Number((await budget()).epochEndsAt - (await f.remote.timestamp())));
    expect((await budget()).available).toBe(BUDGET);
    // The first message, delivered last epoch, is skipped and spends nothing: the second one fits.
    const receipt = await minter.confirm(minter.deliverNonces(tree, nonces.slice(0, 2)));
    expect(mintedIds(receipt.logs)).toEqual([messageId(tree.messages[1]!)]);
    expect(await wrappedSupply(f)).toBe(2n * BUDGET);
  });

  it("by per-message attestations too, message by message, with the exact amount left", async () => {
    const first = forgedLock(60n * USDC_UNIT);
    const second = forgedLock(60n * USDC_UNIT);
    await minter.confirm(perMessageMint(f, first, await f.signAttestation(first)));
    expect(await revertOf(perMessageMint(f, second, await f.signAttestation(second)))).toEqual({
      errorName: "MintBudgetExceeded",
      args: [40n * USDC_UNIT, 60n * USDC_UNIT],
    });
    const rest = forgedLock(40n * USDC_UNIT);
    await minter.confirm(perMessageMint(f, rest, await f.signAttestation(rest)));
    expect(await wrappedSupply(f)).toBe(BUDGET);
  });

  it("burns free ceiling room but never refund the budget", async () => {
    await setBudget(10n * USDC_UNIT);
    await f.remote.publicClient.waitForTransactionReceipt({
      hash: await f.remote.wallet(f.owner).writeContract({
        address: f.minter,
        abi: bridgeMinterAbi,
        functionName: "setMintCeiling",
        args: [f.usdc, 10n * USDC_UNIT],
      }),
    });
    const honest = await f.lock(10n * USDC_UNIT);
    await f.mint(honest);
    await f.burn(10n * USDC_UNIT);
    expect(await wrappedSupply(f)).toBe(0n);
    // Ceiling room is back to 10, but this epoch's budget is spent: the forged mint is refused by the
    // budget, where the ceiling alone would have let it through.
    const forged = forgedLock(10n * USDC_UNIT);
    expect(await revertOf(perMessageMint(f, forged, await f.signAttestation(forged)))).toEqual({
      errorName: "MintBudgetExceeded",
      args: [0n, 10n * USDC_UNIT],
    });
  });
});

describe("the budget's settings", () => {
  it("mints nothing at 0, and lowering it below what was spent leaves nothing (no underflow)", async () => {
    await setBudget(0n);
    const message = await f.lock(1n * USDC_UNIT);
    expect(await revertOf(perMessageMint(f, message, await f.signAttestation(message)))).toEqual({
      errorName: "MintBudgetExceeded",
      args: [0n, 1n * USDC_UNIT],
    });
    await setBudget(BUDGET);
    await f.mint(message);
    await setBudget(USDC_UNIT / 2n);
    expect(await budget()).toMatchObject({ perEpoch: USDC_UNIT / 2n, available: 0n });
    // Raising it again refills nothing of this epoch: what was spent stays spent.
    await setBudget(BUDGET);
    expect((await budget()).available).toBe(BUDGET - USDC_UNIT);
  });

  it("can be set by the owner only, to at most 2^192 - 1", async () => {
    const set = (by: typeof f.owner, perEpoch: bigint): Promise<Hex> =>
      f.remote.wallet(by).writeContract({
        address: f.minter,
        abi: bridgeMinterAbi,
        functionName: "setMintBudget",
        args: [HOME, f.usdc, perEpoch],
      });
    expect(await revertOf(set(f.user, 10n ** 30n))).toEqual({
      errorName: "NotOwner",
      args: [f.user.address],
    });
    expect(await revertOf(set(f.owner, 2n ** 192n))).toEqual({
      errorName: "MintBudgetTooLarge",
      args: [2n ** 192n],
    });
    await setBudget(2n ** 192n - 1n);
    expect((await budget()).available).toBe(2n ** 192n - 1n);
  });

  it("is what the deployment sets by default (the mint ceiling), per source chain and token", async () => {
    const logs = await f.remote.publicClient.getContractEvents({
      address: f.minter,
      abi: bridgeMinterAbi,
      eventName: "MintBudgetSet",
      fromBlock: 0n,
    });
    expect(logs[0]!.args).toEqual({ sourceChainId: HOME, homeToken: f.usdc, perEpoch: MINT_CEILING });
  });
});
