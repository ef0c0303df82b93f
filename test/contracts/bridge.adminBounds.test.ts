import { type BaseError, decodeErrorResult, encodeDeployData, type Hex } from "viem";
import type { HDAccount } from "viem/accounts";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { bridgeVaultAbi, validatorSetAbi, validatorSetBytecode } from "../../contracts/generated/index.js";
import type { BridgeMessage } from "../../lib/bridge/message.js";
import { rotationTypedData, sortAddresses } from "../../lib/bridge/typedData.js";
import {
  type BridgeFixture,
  MAX_PAUSE_SECONDS,
  REMOTE_CHAIN_ID,
  revertOf,
  startBridgeFixture,
  USDC_UNIT,
} from "../helpers/bridgeFixture.js";
import { snapshotChains } from "../helpers/chainSnapshots.js";
import { perMessageMint } from "../helpers/rootActions.js";

/**
 * Issue 12, item 5: what a stolen owner or pauser key can do is bounded. Each bound is attacked the
 * way the outside audit described, next to a positive control showing the honest use still works.
 * (The third gap, minting tied to a per-epoch budget, is in bridge.mintBudget.test.ts.)
 */

const MAX_GRACE_SECONDS = 7n * 24n * 3600n;
const UINT64_MAX = 2n ** 64n - 1n;

let f: BridgeFixture;

beforeAll(async () => {
  f = await startBridgeFixture();
});
afterAll(async () => {
  await f?.stop();
});
beforeEach(() => snapshotChains([f.home, f.remote]));

const confirm = async (chain: BridgeFixture["home"], hash: Promise<Hex>) => {
  const receipt = await chain.publicClient.waitForTransactionReceipt({ hash: await hash });
  if (receipt.status !== "success") throw new Error(`transaction ${receipt.transactionHash} reverted`);
  return receipt;
};

describe("the grace window of a retired validator set is bounded", () => {
  const setGrace = (seconds: bigint) =>
    f.remote.wallet(f.owner).writeContract({
      address: f.remoteValidatorSet,
      abi: validatorSetAbi,
      functionName: "setGraceSeconds",
      args: [seconds],
    });
  const graceSeconds = () =>
    f.remote.publicClient.readContract({
      address: f.remoteValidatorSet,
      abi: validatorSetAbi,
      functionName: "graceSeconds",
    });

  /** The 4 first validators rotate the remote set to the outsiders (epoch 2). */
  async function rotateToOutsiders() {
    const next = sortAddresses(f.outsiders.map((o) => o.address));
    const typedData = rotationTypedData({
      chainId: REMOTE_CHAIN_ID,
      validatorSet: f.remoteValidatorSet,
      newEpoch: 2n,
      validators: next,
      threshold: 4n,
    });
    const signatures = await Promise.all(f.validators.slice(0, 4).map((v) => v.signTypedData(typedData)));
    return f.remote.wallet(f.user).writeContract({
      address: f.remoteValidatorSet,
      abi: validatorSetAbi,
      functionName: "rotate",
      args: [next, 4n, signatures],
    });
  }

  it("refuses a grace that would overflow every rotation or keep a retired set for ever, at setGraceSeconds and at deployment", async () => {
    for (const seconds of [UINT64_MAX, UINT64_MAX - 1000n, MAX_GRACE_SECONDS + 1n]) {
      expect(await revertOf(setGrace(seconds))).toEqual({
        errorName: "GraceTooLong",
        args: [seconds, MAX_GRACE_SECONDS],
      });
    }
    expect(await graceSeconds()).toBe(600n);
    const data = encodeDeployData({
      abi: validatorSetAbi,
      bytecode: validatorSetBytecode,
      args: [sortAddresses(f.validators.map((v) => v.address)), 4n, UINT64_MAX, f.owner.address],
    });
    const deployError = await f.remote.publicClient.call({ account: f.owner.address, data }).then(
      () => "deployed",
      (error: BaseError) => {
        const raw = error.walk((e) => typeof (e as { data?: unknown }).data === "string") as unknown as {
          data: Hex;
        };
        return decodeErrorResult({ abi: validatorSetAbi, data: raw.data }).errorName;
      },
    );
    expect(deployError).toBe("GraceTooLong");
    // The rotation the attack meant to block goes through.
    await confirm(f.remote, rotateToOutsiders());
  });

  it("at the largest allowed grace a rotation works, and the retired set expires after it", async () => {
    await confirm(f.remote, setGrace(MAX_GRACE_SECONDS));
    const rotated = await confirm(f.remote, rotateToOutsiders());
    const rotatedAt = (await f.remote.publicClient.getBlock({ blockNumber: rotated.blockNumber })).timestamp;
    const validUntil = await f.remote.publicClient.readContract({
      address: f.remoteValidatorSet,
      abi: validatorSetAbi,
      functionName: "epochValidUntil",
      args: [1n],
    });
    expect(validUntil).toBe(rotatedAt + MAX_GRACE_SECONDS);

    // The retired set still mints inside its window (a message locked before the rotation)...
    const [early, late] = [await f.lock(1n * USDC_UNIT), await f.lock(2n * USDC_UNIT)];
    const signedByRetired = (m: BridgeMessage) => f.signAttestation(m, { epoch: 1n });
    await confirm(f.remote, perMessageMint(f, early, await signedByRetired(early)));
    // ...and not one second after it: a larger grace can no longer be set, so this is the longest.
    await f.remote.travel(Number(validUntil - (await f.remote.timestamp())));
    expect(await revertOf(perMessageMint(f, late, await signedByRetired(late)))).toEqual({
      errorName: "EpochExpired",
      args: [1n, validUntil],
    });
  });
});

describe("a pause cannot be renewed without end", () => {
  const pause = (duration: bigint, by: HDAccount = f.pauser) =>
    f.home.wallet(by).writeContract({
      address: f.vault,
      abi: bridgeVaultAbi,
      functionName: "pause",
      args: [duration],
    });
  const ownerWrite = (functionName: "unpause" | "setPauser", args: readonly unknown[] = []) =>
    confirm(
      f.home,
      f.home.wallet(f.owner).writeContract({
        address: f.vault,
        abi: bridgeVaultAbi,
        functionName,
        args: args as never,
      }),
    );
  const read = (functionName: "pausedUntil" | "pauseAvailableAt" | "pauseCooldownSeconds") =>
    f.home.publicClient.readContract({ address: f.vault, abi: bridgeVaultAbi, functionName });
  /** Moves the home chain to `timestamp` (mines one block there). */
  const travelTo = async (timestamp: bigint) => f.home.travel(Number(timestamp - (await f.home.timestamp())));

  it("refuses to renew or extend a running pause, and to start one before the cooldown after it ends", async () => {
    expect(await read("pauseCooldownSeconds")).toBe(MAX_PAUSE_SECONDS);
    await confirm(f.home, pause(MAX_PAUSE_SECONDS));
    const until = await read("pausedUntil");
    const availableAt = until + MAX_PAUSE_SECONDS;
    expect(await read("pauseAvailableAt")).toBe(availableAt);
    // Renewing right away, shortly before the end, and right after it: all refused.
    const refused = { errorName: "PauseCoolingDown", args: [availableAt] };
    expect(await revertOf(pause(MAX_PAUSE_SECONDS))).toEqual(refused);
    await travelTo(until - 5n);
    expect(await revertOf(pause(1n))).toEqual(refused);
    await travelTo(until);
    expect(await revertOf(pause(MAX_PAUSE_SECONDS))).toEqual(refused);
    // The bridge works for the whole cooldown.
    await f.lock(1n * USDC_UNIT);
    // A minute early, so a slow machine's clock drift between the two calls cannot reach the end.
    await travelTo(availableAt - 60n);
    expect(await revertOf(pause(1n))).toEqual(refused);
    await f.lock(1n * USDC_UNIT);
    // Positive control: once the cooldown is over, the pauser can pause again.
    await travelTo(availableAt);
    await confirm(f.home, pause(60n));
    expect((await revertOf(f.lock(1n * USDC_UNIT))).errorName).toBe("Paused");
  });

  it("keeps a hostile pauser, retrying every minute for a week, paused at most half of the time", async () => {
    const start = await f.home.timestamp();
    const horizon = 7n * 24n * 3600n;
    let pausedSeconds = 0n;
    let pauses = 0;
    for (let now = start; now < start + horizon; now = await f.home.timestamp()) {
      const available = await read("pauseAvailableAt");
      if (now < available) {
        // Each refused attempt costs the attacker nothing but changes nothing either.
        expect((await revertOf(pause(MAX_PAUSE_SECONDS))).errorName).toBe("PauseCoolingDown");
        await travelTo(available);
        continue;
      }
      await confirm(f.home, pause(MAX_PAUSE_SECONDS));
      pauses++;
      const until = await read("pausedUntil");
      pausedSeconds += (until < start + horizon ? until : start + horizon) - (await f.home.timestamp());
      await f.home.travel(60);
    }
    expect(pauses).toBeGreaterThan(1);
    expect(pausedSeconds * 2n).toBeLessThanOrEqual(horizon + MAX_PAUSE_SECONDS);
  });

  it("an owner's unpause restarts the cooldown, and a new pauser inherits it", async () => {
    await confirm(f.home, pause(MAX_PAUSE_SECONDS));
    await f.home.travel(100);
    const unpaused = await ownerWrite("unpause");
    const unpausedAt = (await f.home.publicClient.getBlock({ blockNumber: unpaused.blockNumber })).timestamp;
    const availableAt = unpausedAt + MAX_PAUSE_SECONDS;
    expect(await read("pauseAvailableAt")).toBe(availableAt);
    await f.lock(1n * USDC_UNIT);
    // The stolen pauser key cannot answer the unpause with a new pause...
    expect(await revertOf(pause(MAX_PAUSE_SECONDS))).toEqual({
      errorName: "PauseCoolingDown",
      args: [availableAt],
    });
    // ...nor can a pauser the owner just appointed (otherwise setPauser + pause would chain pauses). The
    // outsider holds no ether; give it some so it can act as the new pauser.
    await f.home.testClient.setBalance({ address: f.outsiders[0]!.address, value: 10n ** 18n });
    await ownerWrite("setPauser", [f.outsiders[0]!.address]);
    expect((await revertOf(pause(1n, f.outsiders[0]!))).errorName).toBe("PauseCoolingDown");
    // An unpause with nothing paused does not push the cooldown further.
    await ownerWrite("unpause");
    expect(await read("pauseAvailableAt")).toBe(availableAt);
    await travelTo(availableAt);
    await confirm(f.home, pause(1n, f.outsiders[0]!));
  });
});
