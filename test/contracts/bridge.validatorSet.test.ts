import {
  type Address,
  type BaseError,
  decodeErrorResult,
  encodeDeployData,
  type Hex,
  parseEventLogs,
} from "viem";
import type { HDAccount } from "viem/accounts";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { bridgeMinterAbi, validatorSetAbi, validatorSetBytecode } from "../../contracts/generated/index.js";
import type { BridgeMessage } from "../../lib/bridge/message.js";
import { rotationTypedData } from "../../lib/bridge/typedData.js";
import {
  type BridgeFixture,
  GRACE_SECONDS,
  REMOTE_CHAIN_ID,
  revertOf,
  startBridgeFixture,
  USDC_UNIT,
} from "../helpers/bridgeFixture.js";

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

const addresses = (accounts: HDAccount[]) => accounts.map((a) => a.address);

/** The custom error a ValidatorSet constructor reverts with (deployment dry-run through eth_call). */
async function constructorRevert(validators: Address[], threshold: bigint): Promise<string> {
  const data = encodeDeployData({
    abi: validatorSetAbi,
    bytecode: validatorSetBytecode,
    args: [validators, threshold, GRACE_SECONDS, f.owner.address],
  });
  try {
    await f.remote.publicClient.call({ account: f.owner.address, data });
  } catch (error) {
    const raw = (error as BaseError).walk(
      (e) => typeof (e as { data?: unknown }).data === "string",
    ) as unknown as { data: Hex } | null;
    if (!raw) throw error;
    return decodeErrorResult({ abi: validatorSetAbi, data: raw.data }).errorName;
  }
  throw new Error("constructor did not revert");
}

async function signRotation(
  signers: HDAccount[],
  newEpoch: bigint,
  validators: Address[],
  threshold: bigint,
) {
  const typedData = rotationTypedData({
    chainId: REMOTE_CHAIN_ID,
    validatorSet: f.remoteValidatorSet,
    newEpoch,
    validators,
    threshold,
  });
  return Promise.all(signers.map((signer) => signer.signTypedData(typedData)));
}

function rotate(validators: Address[], threshold: bigint, signatures: Hex[]) {
  return f.remote.wallet(f.user).writeContract({
    address: f.remoteValidatorSet,
    abi: validatorSetAbi,
    functionName: "rotate",
    args: [validators, threshold, signatures],
  });
}

async function rotateToOutsiders() {
  const next = addresses(f.outsiders);
  const hash = await rotate(next, 4n, await signRotation(f.validators.slice(0, 4), 2n, next, 4n));
  return f.remote.publicClient.waitForTransactionReceipt({ hash });
}

const readSet = <N extends "epoch" | "graceSeconds">(functionName: N) =>
  f.remote.publicClient.readContract({ address: f.remoteValidatorSet, abi: validatorSetAbi, functionName });

function mintWith(message: BridgeMessage, epoch: bigint, signatures: Hex[]) {
  return f.remote.wallet(f.user).writeContract({
    address: f.minter,
    abi: bridgeMinterAbi,
    functionName: "mint",
    args: [message, epoch, signatures],
  });
}

describe("ValidatorSet construction", () => {
  it("starts at epoch 1 and announces the initial set", async () => {
    expect(await readSet("epoch")).toBe(1n);
    const logs = await f.remote.publicClient.getContractEvents({
      address: f.remoteValidatorSet,
      abi: validatorSetAbi,
      eventName: "ValidatorSetRotated",
      fromBlock: 0n,
    });
    expect(logs[0]?.args).toMatchObject({ epoch: 1n, validators: addresses(f.validators), threshold: 4n });
  });

  it("rejects a 3-of-5 threshold (floor > 2n/3), a threshold above n, and bad validator lists", async () => {
    const five = addresses(f.validators);
    expect(await constructorRevert(five, 3n)).toBe("ThresholdTooLow");
    expect(await constructorRevert(five, 6n)).toBe("ThresholdTooHigh");
    expect(await constructorRevert([], 0n)).toBe("EmptyValidatorSet");
    expect(await constructorRevert([five[1]!, five[0]!, five[2]!], 3n)).toBe("ValidatorsNotAscending");
    expect(await constructorRevert([five[0]!, five[0]!, five[2]!], 3n)).toBe("ValidatorsNotAscending");
    expect(await constructorRevert(["0x0000000000000000000000000000000000000000", five[0]!], 2n)).toBe(
      "ZeroValidator",
    );
    // 4 of 5, 3 of 4 and 1 of 1 are the smallest accepted thresholds.
    await f.remote.publicClient.call({
      account: f.owner.address,
      data: encodeDeployData({
        abi: validatorSetAbi,
        bytecode: validatorSetBytecode,
        args: [five.slice(0, 4), 3n, 0n, f.owner.address],
      }),
    });
  });
});

describe("ValidatorSet rotation", () => {
  it("installs the next set when a quorum of the current set signs", async () => {
    const receipt = await rotateToOutsiders();
    const [event] = parseEventLogs({
      abi: validatorSetAbi,
      eventName: "ValidatorSetRotated",
      logs: receipt.logs,
    });
    const block = await f.remote.publicClient.getBlock({ blockNumber: receipt.blockNumber });
    expect(event?.args).toEqual({
      epoch: 2n,
      validators: addresses(f.outsiders),
      threshold: 4n,
      previousEpochValidUntil: block.timestamp + GRACE_SECONDS,
    });
    expect(await readSet("epoch")).toBe(2n);
    expect(
      await f.remote.publicClient.readContract({
        address: f.remoteValidatorSet,
        abi: validatorSetAbi,
        functionName: "isValidator",
        args: [2n, f.outsiders[0]!.address],
      }),
    ).toBe(true);
  });

  it("rejects a rotation signed by too few current validators", async () => {
    const next = addresses(f.outsiders);
    const signatures = await signRotation(f.validators.slice(0, 3), 2n, next, 4n);
    expect(await revertOf(rotate(next, 4n, signatures))).toEqual({
      errorName: "BelowThreshold",
      args: [3n, 4n],
    });
  });

  it("rejects a rotation signed by the incoming set", async () => {
    const next = addresses(f.outsiders);
    const signatures = await signRotation(f.outsiders, 2n, next, 4n);
    expect(await revertOf(rotate(next, 4n, signatures))).toEqual({
      errorName: "SignerNotInSet",
      args: [f.outsiders[0]!.address],
    });
  });

  it("rejects a rotation signed for another epoch (no replay of old rotations)", async () => {
    const next = addresses(f.outsiders);
    const signatures = await signRotation(f.validators.slice(0, 4), 3n, next, 4n);
    const { errorName } = await revertOf(rotate(next, 4n, signatures));
    expect(["SignerNotInSet", "SignersNotAscending", "DuplicateSigner"]).toContain(errorName);
  });

  it("rejects a rotation to a 3-of-5 threshold even with a full quorum", async () => {
    const next = addresses(f.outsiders);
    const signatures = await signRotation(f.validators, 2n, next, 3n);
    expect(await revertOf(rotate(next, 3n, signatures))).toEqual({
      errorName: "ThresholdTooLow",
      args: [3n, 5n],
    });
  });

  it("keeps the old set valid only inside its grace window", async () => {
    const message = await f.lock(7n * USDC_UNIT);
    const second = await f.lock(8n * USDC_UNIT);
    const receipt = await rotateToOutsiders();
    const rotatedAt = (await f.remote.publicClient.getBlock({ blockNumber: receipt.blockNumber })).timestamp;

    // Inside the window the old set (epoch 1) still mints.
    await f.remote.publicClient.waitForTransactionReceipt({
      hash: await mintWith(message, 1n, await f.signAttestation(message)),
    });
    // The new set signs under epoch 2.
    await f.remote.publicClient.waitForTransactionReceipt({
      hash: await mintWith(second, 2n, await f.signAttestation(second, { epoch: 2n, signers: f.outsiders })),
    });

    const third = await f.lock(9n * USDC_UNIT);
    await f.remote.travel(Number(GRACE_SECONDS));
    expect(await revertOf(mintWith(third, 1n, await f.signAttestation(third)))).toEqual({
      errorName: "EpochExpired",
      args: [1n, rotatedAt + GRACE_SECONDS],
    });
    // The old set under the new epoch number is not a member either.
    expect(
      (await revertOf(mintWith(third, 2n, await f.signAttestation(third, { epoch: 2n })))).errorName,
    ).toBe("SignerNotInSet");
  });

  it("ends the grace of older sets at the next rotation", async () => {
    await rotateToOutsiders();
    const back = addresses(f.validators);
    await f.remote.publicClient.waitForTransactionReceipt({
      hash: await rotate(back, 4n, await signRotation(f.outsiders.slice(1), 3n, back, 4n)),
    });
    const message = await f.lock(1n);
    expect((await revertOf(mintWith(message, 1n, await f.signAttestation(message)))).errorName).toBe(
      "EpochExpired",
    );
    // Epoch 2 (previous) is inside its grace; epoch 3 (current) works.
    await f.remote.publicClient.waitForTransactionReceipt({
      hash: await mintWith(message, 3n, await f.signAttestation(message, { epoch: 3n })),
    });
  });

  it("gives the owner the grace period only: no other write besides ownership and rotate", async () => {
    const writes = validatorSetAbi
      .filter((item) => item.type === "function" && item.stateMutability === "nonpayable")
      .map((item) => (item as { name: string }).name)
      .sort();
    expect(writes).toEqual(["acceptOwnership", "rotate", "setGraceSeconds", "transferOwnership"]);
    await f.remote.publicClient.waitForTransactionReceipt({
      hash: await f.remote.wallet(f.owner).writeContract({
        address: f.remoteValidatorSet,
        abi: validatorSetAbi,
        functionName: "setGraceSeconds",
        args: [60n],
      }),
    });
    expect(await readSet("graceSeconds")).toBe(60n);
    // The owner signing a rotation is no quorum.
    const next = addresses(f.outsiders);
    const ownerSignature = await signRotation([f.owner], 2n, next, 4n);
    expect((await revertOf(rotate(next, 4n, ownerSignature))).errorName).toBe("BelowThreshold");
  });
});
