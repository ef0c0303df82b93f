import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { bridgeMinterAbi, bridgeVaultAbi } from "../../contracts/generated/index.js";
import {
  type BridgeFixture,
  HOME_CHAIN_ID,
  MAX_PAUSE_SECONDS,
  REMOTE_CHAIN_ID,
  revertOf,
  startBridgeFixture,
  USDC_UNIT,
} from "../helpers/bridgeFixture.js";

const OUTBOUND = 0;
const INBOUND = 1;

let f: BridgeFixture;

beforeAll(async () => {
  f = await startBridgeFixture();
});
afterAll(async () => {
  await f?.stop();
});
beforeEach(async () => {
  const home = await f.home.testClient.snapshot();
  const remote = await f.remote.testClient.snapshot();
  return async () => {
    await f.home.testClient.revert({ id: home });
    await f.remote.testClient.revert({ id: remote });
  };
});

async function ownerCall(
  functionName: "setRateLimit" | "unpause",
  args: readonly unknown[],
  where: "vault" | "minter" = "vault",
) {
  const chain = where === "vault" ? f.home : f.remote;
  const hash = await chain.wallet(f.owner).writeContract({
    address: where === "vault" ? f.vault : f.minter,
    abi: bridgeVaultAbi,
    functionName,
    args: args as never,
  });
  await chain.publicClient.waitForTransactionReceipt({ hash });
}

const vaultCapacity = (direction: number) =>
  f.home.publicClient.readContract({
    address: f.vault,
    abi: bridgeVaultAbi,
    functionName: "availableCapacity",
    args: [BigInt(REMOTE_CHAIN_ID), f.usdc, direction],
  });

const lockCall = (amount: bigint) =>
  f.home.wallet(f.user).writeContract({
    address: f.vault,
    abi: bridgeVaultAbi,
    functionName: "lock",
    args: [f.usdc, amount, BigInt(REMOTE_CHAIN_ID), f.user.address],
  });

describe("rate limits", () => {
  it("are unlimited until configured", async () => {
    expect(await vaultCapacity(OUTBOUND)).toBe(2n ** 256n - 1n);
  });

  it("reject an outbound lock above the bucket, then refill with time", async () => {
    await ownerCall("setRateLimit", [BigInt(REMOTE_CHAIN_ID), f.usdc, OUTBOUND, 100n * USDC_UNIT, USDC_UNIT]);
    expect(await vaultCapacity(OUTBOUND)).toBe(100n * USDC_UNIT);
    await f.lock(100n * USDC_UNIT);

    const refused = await revertOf(lockCall(50n * USDC_UNIT));
    expect(refused.errorName).toBe("RateLimited");
    const [available, requested] = refused.args as [bigint, bigint];
    expect(available).toBeLessThan(50n * USDC_UNIT);
    expect(requested).toBe(50n * USDC_UNIT);

    await f.home.travel(60);
    expect(await vaultCapacity(OUTBOUND)).toBeGreaterThanOrEqual(60n * USDC_UNIT);
    await f.lock(50n * USDC_UNIT);

    await f.home.travel(10_000);
    expect(await vaultCapacity(OUTBOUND)).toBe(100n * USDC_UNIT); // never above capacity
  });

  it("reject an inbound mint above the bucket on the minter", async () => {
    await ownerCall("setRateLimit", [BigInt(HOME_CHAIN_ID), f.usdc, INBOUND, 10n * USDC_UNIT, 0n], "minter");
    const message = await f.lock(11n * USDC_UNIT);
    const refused = await revertOf(
      f.remote.wallet(f.user).writeContract({
        address: f.minter,
        abi: bridgeMinterAbi,
        functionName: "mint",
        args: [message, 1n, await f.signAttestation(message)],
      }),
    );
    expect(refused).toEqual({ errorName: "RateLimited", args: [10n * USDC_UNIT, 11n * USDC_UNIT] });
    // The message is not consumed by the failed attempt: it mints once the limit allows it.
    await ownerCall("setRateLimit", [BigInt(HOME_CHAIN_ID), f.usdc, INBOUND, 0n, 0n], "minter");
    await f.mint(message);
  });

  it("can only be set by the owner, with a valid direction", async () => {
    const byUser = await revertOf(
      f.home.wallet(f.user).writeContract({
        address: f.vault,
        abi: bridgeVaultAbi,
        functionName: "setRateLimit",
        args: [BigInt(REMOTE_CHAIN_ID), f.usdc, OUTBOUND, 1n, 1n],
      }),
    );
    expect(byUser).toEqual({ errorName: "NotOwner", args: [f.user.address] });
    const badDirection = await revertOf(
      f.home.wallet(f.owner).writeContract({
        address: f.vault,
        abi: bridgeVaultAbi,
        functionName: "setRateLimit",
        args: [BigInt(REMOTE_CHAIN_ID), f.usdc, 2, 1n, 1n],
      }),
    );
    expect(badDirection.errorName).toBe("InvalidDirection");
  });
});

describe("pause", () => {
  const pause = (duration: bigint, by = f.pauser) =>
    f.home.wallet(by).writeContract({
      address: f.vault,
      abi: bridgeVaultAbi,
      functionName: "pause",
      args: [duration],
    });

  it("stops locks until it expires on its own", async () => {
    await f.home.publicClient.waitForTransactionReceipt({ hash: await pause(600n) });
    const until = await f.home.publicClient.readContract({
      address: f.vault,
      abi: bridgeVaultAbi,
      functionName: "pausedUntil",
    });
    expect(until).toBe((await f.home.timestamp()) + 600n);
    expect(await revertOf(lockCall(1n))).toEqual({ errorName: "Paused", args: [until] });

    await f.home.travel(601);
    await f.lock(1n);
  });

  it("stops releases too, and the owner can unpause early", async () => {
    await f.mint(await f.lock(10n * USDC_UNIT));
    const burn = await f.burn(5n * USDC_UNIT);
    await f.home.publicClient.waitForTransactionReceipt({ hash: await pause(MAX_PAUSE_SECONDS) });
    const release = () =>
      f.home.wallet(f.user).writeContract({
        address: f.vault,
        abi: bridgeVaultAbi,
        functionName: "release",
        args: [burn, 1n, []],
      });
    expect((await revertOf(release())).errorName).toBe("Paused");
    await ownerCall("unpause", []);
    expect((await revertOf(release())).errorName).toBe("BelowThreshold"); // past the pause check now
  });

  it("stops mints on a paused minter", async () => {
    const message = await f.lock(1n);
    await f.remote.publicClient.waitForTransactionReceipt({
      hash: await f.remote.wallet(f.pauser).writeContract({
        address: f.minter,
        abi: bridgeMinterAbi,
        functionName: "pause",
        args: [60n],
      }),
    });
    expect(
      (
        await revertOf(
          f.remote.wallet(f.user).writeContract({
            address: f.minter,
            abi: bridgeMinterAbi,
            functionName: "mint",
            args: [message, 1n, await f.signAttestation(message)],
          }),
        )
      ).errorName,
    ).toBe("Paused");
  });

  it("rejects a pause longer than the maximum, and pauses by anyone but the pauser", async () => {
    expect(await revertOf(pause(MAX_PAUSE_SECONDS + 1n))).toEqual({
      errorName: "PauseTooLong",
      args: [MAX_PAUSE_SECONDS + 1n, MAX_PAUSE_SECONDS],
    });
    expect(await revertOf(pause(1n, f.owner))).toEqual({ errorName: "NotPauser", args: [f.owner.address] });
    expect(
      await revertOf(
        f.home
          .wallet(f.user)
          .writeContract({ address: f.vault, abi: bridgeVaultAbi, functionName: "unpause" }),
      ),
    ).toEqual({ errorName: "NotPauser", args: [f.user.address] });
  });
});
