import { type Hex, keccak256, parseEventLogs, toHex } from "viem";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { bridgeVaultAbi } from "../../contracts/generated/index.js";
import { buildMessageTree, leafHash, messageProof, nodeHash } from "../../lib/bridge/merkle.js";
import { type BridgeMessage, messageId } from "../../lib/bridge/message.js";
import { usdcBalance, vaultOutstanding } from "../helpers/bridgeBalances.js";
import {
  type BridgeFixture,
  REMOTE_CHAIN_ID,
  revertOf,
  startBridgeFixture,
  USDC_UNIT,
} from "../helpers/bridgeFixture.js";
import { snapshotChains } from "../helpers/chainSnapshots.js";
import { burnAndSubmit, submitTreeRoot } from "../helpers/rootActions.js";
import { rootAttestationOf, rootPath, signRoot } from "../helpers/roots.js";

/**
 * The Merkle attacks of bridge.roots.test.ts, on the release side: the vault holds the locked funds, so
 * a proof bug there would pay out real tokens. Each attack is followed by its positive control.
 */

let f: BridgeFixture;
let vault: ReturnType<typeof rootPath>;

beforeAll(async () => {
  f = await startBridgeFixture();
  vault = rootPath(f, "vault");
});
afterAll(async () => {
  await f?.stop();
});
beforeEach(() => snapshotChains([f.home, f.remote]));

const releasedIds = (logs: Parameters<typeof parseEventLogs>[0]["logs"]) =>
  parseEventLogs({ abi: bridgeVaultAbi, eventName: "Released", logs }).map((l) => l.args.messageId);

describe("Merkle attacks on the vault's root path", () => {
  it("an inner node presented as a leaf releases nothing; the real proof releases", async () => {
    const { burns, tree } = await burnAndSubmit(f, 10n, 1n, 1n, 1n, 1n);
    const [l1, l2, l3, l4] = burns.map((m) => leafHash(messageId(m)));
    const n34 = nodeHash(l3!, l4!);
    expect(nodeHash(nodeHash(l1!, l2!), n34)).toBe(tree.root);
    expect((await revertOf(vault.deliverOne(burns[0]!, tree.root, [n34]))).errorName).toBe("InvalidProof");
    expect((await revertOf(vault.deliverBatch([burns[0]!], tree.root, [n34], [false]))).errorName).toBe(
      "InvalidProof",
    );
    expect(await vaultOutstanding(f, REMOTE_CHAIN_ID)).toBe(10n * USDC_UNIT);
    await vault.confirm(vault.deliverOne(burns[0]!, tree.root, messageProof(tree, burns[0]!.nonce)));
    expect(await vaultOutstanding(f, REMOTE_CHAIN_ID)).toBe(9n * USDC_UNIT);
  });

  it("a forged, truncated or padded proof, or a redirected burn, fails; the honest proof passes", async () => {
    const { burns, tree } = await burnAndSubmit(f, 10n, 1n, 2n, 3n);
    const proof = messageProof(tree, burns[0]!.nonce);
    for (const bad of [
      [keccak256(toHex("forged")), ...proof.slice(1)],
      proof.slice(0, -1),
      [...proof, keccak256(toHex("extra"))],
    ]) {
      expect((await revertOf(vault.deliverOne(burns[0]!, tree.root, bad))).errorName).toBe("InvalidProof");
    }
    const redirected = { ...burns[0]!, recipient: f.outsiders[0]!.address };
    expect((await revertOf(vault.deliverOne(redirected, tree.root, proof))).errorName).toBe("InvalidProof");
    expect((await revertOf(vault.deliverBatch(burns, tree.root, [], [true, false]))).errorName).toBe(
      "InvalidMultiProof",
    );
    const before = await usdcBalance(f, f.user.address);
    await vault.confirm(vault.deliverBatch(burns, tree.root, [], [true, true]));
    expect(await usdcBalance(f, f.user.address)).toBe(before + 6n * USDC_UNIT);
  });

  it("a burn duplicated inside one batch cannot be proven twice, and an empty batch is refused", async () => {
    const { burns, tree } = await burnAndSubmit(f, 10n, 1n, 2n);
    const [b1, b2] = burns as [BridgeMessage, BridgeMessage];
    const attempts: [BridgeMessage[], Hex[], boolean[]][] = [
      [[b1, b1], [], [true]],
      [[b1, b1], [leafHash(messageId(b2))], [true, false]],
      [[b1, b2, b1], [], [true, true]],
    ];
    for (const [batch, proof, flags] of attempts) {
      expect((await revertOf(vault.deliverBatch(batch, tree.root, proof, flags))).errorName).toBe(
        "InvalidProof",
      );
    }
    expect((await revertOf(vault.deliverBatch([], tree.root, [], []))).errorName).toBe("EmptyBatch");
    expect(await vaultOutstanding(f, REMOTE_CHAIN_ID)).toBe(10n * USDC_UNIT);
    const receipt = await vault.confirm(vault.deliverNonces(tree, [b1.nonce, b2.nonce]));
    expect(releasedIds(receipt.logs)).toEqual([messageId(b1), messageId(b2)]);
    expect(await vaultOutstanding(f, REMOTE_CHAIN_ID)).toBe(7n * USDC_UNIT);
  });

  it("a burn proven under two overlapping roots is released once", async () => {
    const { burns } = await burnAndSubmit(f, 10n, 1n, 2n, 3n);
    const overlapping = buildMessageTree(burns.slice(1));
    await submitTreeRoot(f, "vault", overlapping);
    const first = buildMessageTree(burns);
    await vault.confirm(vault.deliverNonces(first, [burns[1]!.nonce]));
    expect((await revertOf(vault.deliverNonce(overlapping, burns[1]!.nonce))).errorName).toBe(
      "NonceAlreadyDelivered",
    );
    const receipt = await vault.confirm(vault.deliverNonces(overlapping, [burns[1]!.nonce, burns[2]!.nonce]));
    expect(releasedIds(receipt.logs)).toEqual([messageId(burns[2]!)]);
    expect(await vaultOutstanding(f, REMOTE_CHAIN_ID)).toBe(5n * USDC_UNIT);
  });

  it("a root signed by fewer than k, by an outsider, or for the minter's domain is refused; a quorum's is stored", async () => {
    await burnAndSubmit(f, 10n, 1n);
    const burn = await f.burn(2n * USDC_UNIT);
    const attestation = rootAttestationOf(buildMessageTree([burn]));
    const good = await signRoot(f, attestation);
    expect((await revertOf(vault.submitRoot(attestation, good.slice(0, 3)))).errorName).toBe(
      "BelowThreshold",
    );
    const withOutsider = [...f.validators.slice(0, 3), f.outsiders[0]!].sort((a, b) =>
      BigInt(a.address) < BigInt(b.address) ? -1 : 1,
    );
    expect(
      (await revertOf(vault.submitRoot(attestation, await signRoot(f, attestation, withOutsider)))).errorName,
    ).toBe("SignerNotInSet");
    const forMinter = await signRoot(f, { ...attestation, destinationBridge: f.minter });
    expect((await revertOf(vault.submitRoot(attestation, forMinter))).errorName).toBe("SignerNotInSet");
    await vault.confirm(vault.submitRoot(attestation, good));
    await vault.confirm(vault.deliverOne(burn, attestation.root, []));
    // 10 locked, the 2 of this burn released (the first burn's own root was never used).
    expect(await vaultOutstanding(f, REMOTE_CHAIN_ID)).toBe(8n * USDC_UNIT);
  });
});
