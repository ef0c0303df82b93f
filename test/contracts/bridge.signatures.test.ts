import { concat, type Hex, parseSignature, serializeSignature, slice } from "viem";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { bridgeMinterAbi } from "../../contracts/generated/index.js";
import type { BridgeMessage } from "../../lib/bridge/message.js";
import { attestationTypedData, sortSignaturesBySigner } from "../../lib/bridge/typedData.js";
import { type BridgeFixture, revertOf, startBridgeFixture, USDC_UNIT } from "../helpers/bridgeFixture.js";

const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

let f: BridgeFixture;
let message: BridgeMessage;

beforeAll(async () => {
  f = await startBridgeFixture();
  message = await f.lock(42n * USDC_UNIT);
});
afterAll(async () => {
  await f?.stop();
});
beforeEach(async () => {
  const id = await f.remote.testClient.snapshot();
  return async () => {
    await f.remote.testClient.revert({ id });
  };
});

function mint(m: BridgeMessage, signatures: Hex[], epoch = 1n) {
  return revertOf(
    f.remote.wallet(f.user).writeContract({
      address: f.minter,
      abi: bridgeMinterAbi,
      functionName: "mint",
      args: [m, epoch, signatures],
    }),
  );
}

describe("attestation signature rules", () => {
  it("accepts exactly 4 of 5 in ascending signer order, and 5 of 5", async () => {
    const all = await f.signAttestation(message, { signers: f.validators });
    await f.remote.publicClient.waitForTransactionReceipt({
      hash: await f.remote.wallet(f.user).writeContract({
        address: f.minter,
        abi: bridgeMinterAbi,
        functionName: "mint",
        args: [message, 1n, all],
      }),
    });
  });

  it("rejects 3 of 5 with BelowThreshold", async () => {
    const signatures = await f.signAttestation(message, { signers: f.validators.slice(0, 3) });
    expect(await mint(message, signatures)).toEqual({ errorName: "BelowThreshold", args: [3n, 4n] });
  });

  it("rejects a repeated signer with DuplicateSigner", async () => {
    const [a, b, c] = f.validators;
    const signatures = await f.signAttestation(message, { signers: [a!, a!, b!, c!] });
    expect(await mint(message, signatures)).toEqual({ errorName: "DuplicateSigner", args: [a!.address] });
  });

  it("rejects signers out of ascending order with SignersNotAscending", async () => {
    const [a, b, c, d] = f.validators;
    const signatures = await f.signAttestation(message, { signers: [b!, a!, c!, d!] });
    expect(await mint(message, signatures)).toEqual({
      errorName: "SignersNotAscending",
      args: [b!.address, a!.address],
    });
  });

  it("rejects a key outside the set with SignerNotInSet", async () => {
    const outsider = f.outsiders[4]!; // the largest outsider address, so ordering does not trip first
    const signers = [...f.validators.slice(0, 3), outsider].sort((x, y) =>
      BigInt(x.address) < BigInt(y.address) ? -1 : 1,
    );
    const signatures = await f.signAttestation(message, { signers });
    expect(await mint(message, signatures)).toEqual({
      errorName: "SignerNotInSet",
      args: [outsider.address],
    });
  });

  it("rejects an epoch that does not exist with UnknownEpoch", async () => {
    for (const epoch of [0n, 2n]) {
      const signatures = await f.signAttestation(message, { epoch });
      expect(await mint(message, signatures, epoch)).toEqual({ errorName: "UnknownEpoch", args: [epoch] });
    }
  });

  it("rejects signatures made for another epoch than the one submitted", async () => {
    const signatures = await f.signAttestation(message, { epoch: 2n });
    const { errorName } = await mint(message, signatures, 1n);
    expect(["SignerNotInSet", "SignersNotAscending", "DuplicateSigner"]).toContain(errorName);
  });

  it("rejects a signature with a bad v, r = 0, a high s, or a wrong length with InvalidSignature", async () => {
    const signatures = await f.signAttestation(message);
    const first = signatures[0]!;
    const { r, s, yParity } = parseSignature(first);
    const badV = concat([slice(first, 0, 64), "0x1d"]);
    const zeroR = concat([`0x${"00".repeat(32)}`, slice(first, 32, 64), slice(first, 64, 65)]);
    // The malleable twin (n - s, other parity) recovers the same signer; the contract must refuse it.
    const highS = serializeSignature({
      r,
      s: `0x${(SECP256K1_N - BigInt(s)).toString(16).padStart(64, "0")}`,
      yParity: yParity === 0 ? 1 : 0,
    });
    const short = slice(first, 0, 64);
    for (const bad of [badV, zeroR, highS, short]) {
      expect(await mint(message, [bad, ...signatures.slice(1)])).toEqual({
        errorName: "InvalidSignature",
        args: [],
      });
    }
  });

  it("rejects a message for another destination chain or bridge", async () => {
    const otherChain = { ...message, destinationChainId: message.destinationChainId + 1n };
    expect((await mint(otherChain, await f.signAttestation(otherChain))).errorName).toBe(
      "WrongDestinationChain",
    );
    const otherBridge = { ...message, destinationBridge: f.vault };
    expect((await mint(otherBridge, await f.signAttestation(otherBridge))).errorName).toBe(
      "WrongDestinationBridge",
    );
  });

  it("rejects a message from a bridge that is not the configured route", async () => {
    const spoofed = { ...message, sourceBridge: f.user.address };
    expect(await mint(spoofed, await f.signAttestation(spoofed))).toEqual({
      errorName: "UnknownRoute",
      args: [message.sourceChainId, f.user.address],
    });
  });

  it("rejects an unknown message version", async () => {
    const v2 = { ...message, version: 2 };
    expect(await mint(v2, await f.signAttestation(v2))).toEqual({
      errorName: "UnsupportedVersion",
      args: [2],
    });
  });
});

describe("sortSignaturesBySigner", () => {
  it("recovers, sorts ascending and drops duplicates into an order the contract accepts", async () => {
    const [a, b, c, d] = f.validators;
    const shuffled = await f.signAttestation(message, { signers: [d!, b!, a!, c!, b!] });
    const sorted = await sortSignaturesBySigner(attestationTypedData(message, 1n), shuffled);
    expect(sorted.map((s) => s.signer)).toEqual([a!.address, b!.address, c!.address, d!.address]);
    await f.remote.publicClient.waitForTransactionReceipt({
      hash: await f.remote.wallet(f.user).writeContract({
        address: f.minter,
        abi: bridgeMinterAbi,
        functionName: "mint",
        args: [message, 1n, sorted.map((s) => s.signature)],
      }),
    });
  });
});
