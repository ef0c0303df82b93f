import { type Hex, keccak256, parseEventLogs, toHex } from "viem";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { bridgeMinterAbi, bridgeVaultAbi } from "../../contracts/generated/index.js";
import { buildMessageTree, leafHash, messageProof, nodeHash } from "../../lib/bridge/merkle.js";
import { type BridgeMessage, messageId } from "../../lib/bridge/message.js";
import { sortAddresses } from "../../lib/bridge/typedData.js";
import { vaultOutstanding, wrappedSupply } from "../helpers/bridgeBalances.js";
import {
  type BridgeFixture,
  GRACE_SECONDS,
  HOME_CHAIN_ID,
  REMOTE_CHAIN_ID,
  revertOf,
  startBridgeFixture,
  TWIN_CHAIN_ID,
  USDC_UNIT,
} from "../helpers/bridgeFixture.js";
import { snapshotChains } from "../helpers/chainSnapshots.js";
import {
  burnAndSubmit,
  fabricatedBurn,
  lockAndSubmit,
  locks,
  mintedIds,
  minterRootRange,
  ownerWrite,
  pause,
  perMessageMint,
  perMessageMintBatch,
  rotateRemoteSet,
  submitTreeRoot,
} from "../helpers/rootActions.js";
import { rootAttestationOf, rootPath, signRoot } from "../helpers/roots.js";

const INBOUND = 1;
let f: BridgeFixture;
let minter: ReturnType<typeof rootPath>;
let vault: ReturnType<typeof rootPath>;

beforeAll(async () => {
  f = await startBridgeFixture();
  minter = rootPath(f, "minter");
  vault = rootPath(f, "vault");
});
afterAll(async () => {
  await f?.stop();
});
beforeEach(() => snapshotChains([f.home, f.remote]));

describe("submitRoot and proof delivery (positive path)", () => {
  it("stores a quorum-signed root once and mints each message once, by single proof and by multiproof", async () => {
    const { messages, tree, attestation } = await lockAndSubmit(f, 1n, 2n, 3n, 4n, 5n);
    const range = await minterRootRange(f, tree.root);
    expect([range.firstNonce, range.lastNonce, range.epoch]).toEqual([1n, 5n, 1n]);
    // Re-submitting the same root is a harmless no-op (racing relayers).
    await minter.confirm(minter.submitRoot(attestation, await signRoot(f, attestation)));

    const single = await minter.confirm(minter.deliverNonce(tree, 2n));
    expect(mintedIds(single.logs)).toEqual([messageId(messages[1]!)]);
    const batch = await minter.confirm(minter.deliverNonces(tree, [5n, 1n, 3n, 4n]));
    expect(mintedIds(batch.logs)).toEqual([1, 3, 4, 5].map((n) => messageId(messages[n - 1]!)));
    const [under] = parseEventLogs({
      abi: bridgeMinterAbi,
      eventName: "DeliveredUnderRoot",
      logs: batch.logs,
    });
    expect(under!.args).toEqual({ root: tree.root, sourceChainId: BigInt(HOME_CHAIN_ID), delivered: 4n });
    expect(await wrappedSupply(f)).toBe(15n * USDC_UNIT);
    for (const m of messages) expect(await minter.isNonceDelivered(m)).toBe(true);
    // Everything again: single reverts, batch mints nothing.
    expect((await revertOf(minter.deliverNonce(tree, 2n))).errorName).toBe("NonceAlreadyDelivered");
    expect(mintedIds((await minter.confirm(minter.deliverNonces(tree, [1n, 2n, 3n, 4n, 5n]))).logs)).toEqual(
      [],
    );
    expect(await wrappedSupply(f)).toBe(15n * USDC_UNIT);
  });

  it("releases burns on the vault by proof, never above what is outstanding toward the source chain", async () => {
    const { burns, tree } = await burnAndSubmit(f, 10n, 2n, 3n);
    const receipt = await vault.confirm(vault.deliverNonces(tree, [1n, 2n]));
    const released = parseEventLogs({ abi: bridgeVaultAbi, eventName: "Released", logs: receipt.logs });
    expect(released.map((l) => l.args.messageId)).toEqual(burns.map(messageId));
    expect(await vaultOutstanding(f, REMOTE_CHAIN_ID)).toBe(5n * USDC_UNIT);

    // A quorum-signed root whose burn claims more than is outstanding still cannot drain the vault.
    const third = await f.burn(1n * USDC_UNIT);
    const inflated = buildMessageTree([{ ...third, amount: 6n * USDC_UNIT }]);
    await submitTreeRoot(f, "vault", inflated);
    expect(await revertOf(vault.deliverNonce(inflated, third.nonce))).toEqual({
      errorName: "ReleaseExceedsOutstanding",
      args: [5n * USDC_UNIT, 6n * USDC_UNIT],
    });
    expect(await vaultOutstanding(f, REMOTE_CHAIN_ID)).toBe(5n * USDC_UNIT);
  });
});

describe("Merkle attacks on chain (each with its positive control)", () => {
  it("an inner node presented as a leaf: its path proves nothing for any message", async () => {
    const { messages, tree } = await lockAndSubmit(f, 1n, 1n, 1n, 1n);
    const [l1, l2, l3, l4] = messages.map((m) => leafHash(messageId(m)));
    const n12 = nodeHash(l1!, l2!);
    expect(nodeHash(n12, nodeHash(l3!, l4!))).toBe(tree.root);
    // Message 1 placed where its parent node sits (the parent's path: [n34]).
    expect((await revertOf(minter.deliverOne(messages[0]!, tree.root, [nodeHash(l3!, l4!)]))).errorName).toBe(
      "InvalidProof",
    );
    // The same in a multiproof: message 1's leaf consumed as if it were the inner node n12.
    expect(
      (await revertOf(minter.deliverBatch([messages[0]!], tree.root, [nodeHash(l3!, l4!)], [false])))
        .errorName,
    ).toBe("InvalidProof");
    // Positive control: the real proof.
    await minter.confirm(minter.deliverOne(messages[0]!, tree.root, messageProof(tree, 1n)));
    expect(await wrappedSupply(f)).toBe(1n * USDC_UNIT);
  });

  it("a forged, tampered or truncated proof, or a forged message, fails; the honest proof passes", async () => {
    const { messages, tree } = await lockAndSubmit(f, 1n, 2n, 3n);
    const proof = messageProof(tree, 1n);
    const cases: Hex[][] = [
      [keccak256(toHex("forged")), ...proof.slice(1)],
      proof.slice(0, -1),
      [...proof, keccak256(toHex("extra"))],
      [],
    ];
    for (const bad of cases) {
      expect((await revertOf(minter.deliverOne(messages[0]!, tree.root, bad))).errorName).toBe(
        "InvalidProof",
      );
    }
    const forged = { ...messages[0]!, amount: 1_000n * USDC_UNIT };
    expect((await revertOf(minter.deliverOne(forged, tree.root, proof))).errorName).toBe("InvalidProof");
    const redirected = { ...messages[0]!, recipient: f.owner.address };
    expect((await revertOf(minter.deliverOne(redirected, tree.root, proof))).errorName).toBe("InvalidProof");
    // Multiproof with a flag flipped or a hash missing.
    expect((await revertOf(minter.deliverBatch(messages, tree.root, [], [true, false]))).errorName).toBe(
      "InvalidMultiProof",
    );
    expect(await wrappedSupply(f)).toBe(0n);
    await minter.confirm(minter.deliverOne(messages[0]!, tree.root, proof));
    await minter.confirm(minter.deliverBatch(messages, tree.root, [], [true, true]));
    expect(await wrappedSupply(f)).toBe(6n * USDC_UNIT);
  });

  it("a proof against another route's root fails with UnknownRoot; under its own route's root it passes", async () => {
    // The vault trusts the minter on REMOTE and (for this test) on TWIN too; burns are fabricated, the
    // vault only checks quorum, proof and outstanding.
    await ownerWrite(f, "vault", "setRoute", [BigInt(TWIN_CHAIN_ID), f.minter]);
    await f.lock(10n * USDC_UNIT);
    await f.lock(10n * USDC_UNIT, { destinationChainId: TWIN_CHAIN_ID });
    const treeA = buildMessageTree([
      fabricatedBurn(f, REMOTE_CHAIN_ID, 1n),
      fabricatedBurn(f, REMOTE_CHAIN_ID, 2n),
    ]);
    const treeB = buildMessageTree([
      fabricatedBurn(f, TWIN_CHAIN_ID, 1n),
      fabricatedBurn(f, TWIN_CHAIN_ID, 2n),
    ]);
    for (const tree of [treeA, treeB]) await submitTreeRoot(f, "vault", tree);
    // Twin's message with twin's (valid) proof shape, pointed at route A's root.
    const twinMessage = treeB.messages[0]!;
    expect(await revertOf(vault.deliverOne(twinMessage, treeA.root, messageProof(treeA, 1n)))).toEqual({
      errorName: "UnknownRoot",
      args: [BigInt(TWIN_CHAIN_ID), f.minter, treeA.root],
    });
    // A batch mixing the routes is refused before any proof is checked.
    expect(
      (await revertOf(vault.deliverBatch([treeA.messages[0]!, twinMessage], treeA.root, [], [true])))
        .errorName,
    ).toBe("MixedRoutes");
    await vault.confirm(vault.deliverNonce(treeB, 1n));
    await vault.confirm(vault.deliverNonce(treeA, 1n));
  });

  it("a root signed for another chain id, contract, epoch or as a per-message attestation is refused", async () => {
    const messages = await locks(f, 1n, 2n);
    const tree = buildMessageTree(messages);
    const attestation = rootAttestationOf(tree);
    const signers = f.validators.slice(0, 4);
    const forChain = await signRoot(f, { ...attestation, destinationChainId: BigInt(TWIN_CHAIN_ID) });
    const forContract = await signRoot(f, { ...attestation, destinationBridge: f.vault });
    const forEpoch2 = await signRoot(f, { ...attestation, epoch: 2n });
    const forOtherRange = await signRoot(f, { ...attestation, lastNonce: 3n });
    const perMessage = await Promise.all(
      signers.map((s) => f.signAttestation(messages[0]!, { signers: [s] })),
    );
    for (const signatures of [forChain, forContract, forEpoch2, forOtherRange, perMessage.flat()]) {
      expect((await revertOf(minter.submitRoot(attestation, signatures))).errorName).toBe("SignerNotInSet");
    }
    // Signed for epoch 1 but submitted as epoch 2: no such epoch.
    expect(
      (await revertOf(minter.submitRoot({ ...attestation, epoch: 2n }, await signRoot(f, attestation))))
        .errorName,
    ).toBe("UnknownEpoch");
    // The vault, whose validators hold the same keys, has no route from its own chain.
    expect((await revertOf(vault.submitRoot(attestation, await signRoot(f, attestation)))).errorName).toBe(
      "UnknownRoute",
    );
    await minter.confirm(minter.submitRoot(attestation, await signRoot(f, attestation)));
  });

  it("a message proven under two overlapping roots mints once", async () => {
    const messages = await locks(f, 1n, 2n, 3n, 4n, 5n, 6n);
    const first = buildMessageTree(messages.slice(0, 4));
    const second = buildMessageTree(messages.slice(2));
    for (const tree of [first, second]) await submitTreeRoot(f, "minter", tree);
    await minter.confirm(minter.deliverNonces(first, [1n, 2n, 3n, 4n]));
    expect((await revertOf(minter.deliverNonce(second, 3n))).errorName).toBe("NonceAlreadyDelivered");
    const receipt = await minter.confirm(minter.deliverNonces(second, [3n, 4n, 5n, 6n]));
    expect(mintedIds(receipt.logs)).toEqual([messageId(messages[4]!), messageId(messages[5]!)]);
    expect(await wrappedSupply(f)).toBe(21n * USDC_UNIT);
  });

  it("a message duplicated inside one batch cannot be proven twice; a repeat of a delivered one is skipped", async () => {
    const { messages, tree } = await lockAndSubmit(f, 1n, 2n);
    const [m1, m2] = messages as [BridgeMessage, BridgeMessage];
    const l2 = leafHash(messageId(m2));
    const attempts: [BridgeMessage[], Hex[], boolean[]][] = [
      [[m1, m1], [], [true]],
      [[m1, m1], [l2], [true, false]],
      [[m1, m1], [l2], [false, true]],
      [[m1, m1, m2], [], [true, true]],
      [[m1, m2, m1], [], [true, true]],
    ];
    for (const [batch, proof, flags] of attempts) {
      expect((await revertOf(minter.deliverBatch(batch, tree.root, proof, flags))).errorName).toBe(
        "InvalidProof",
      );
    }
    expect(await wrappedSupply(f)).toBe(0n);
    await minter.confirm(minter.deliverNonce(tree, 1n));
    const receipt = await minter.confirm(minter.deliverNonces(tree, [1n, 2n]));
    expect(mintedIds(receipt.logs)).toEqual([messageId(m2)]);
    expect(await wrappedSupply(f)).toBe(3n * USDC_UNIT);
  });

  it("an empty batch, a zero root, an inverted or zero range, and an unknown root are refused", async () => {
    const { messages, tree, attestation } = await lockAndSubmit(f, 1n);
    expect((await revertOf(minter.deliverBatch([], tree.root, [], []))).errorName).toBe("EmptyBatch");
    const zero = `0x${"00".repeat(32)}` as Hex;
    const zeroRoot = { ...attestation, root: zero };
    expect((await revertOf(minter.submitRoot(zeroRoot, await signRoot(f, zeroRoot)))).errorName).toBe(
      "ZeroRoot",
    );
    expect((await revertOf(minter.deliverOne(messages[0]!, zero, []))).errorName).toBe("UnknownRoot");
    const inverted = { ...attestation, firstNonce: 2n, lastNonce: 1n };
    expect((await revertOf(minter.submitRoot(inverted, await signRoot(f, inverted)))).errorName).toBe(
      "InvalidNonceRange",
    );
    const fromZero = { ...attestation, firstNonce: 0n };
    expect((await revertOf(minter.submitRoot(fromZero, await signRoot(f, fromZero)))).errorName).toBe(
      "InvalidNonceRange",
    );
    const conflicting = { ...attestation, lastNonce: 2n };
    expect((await revertOf(minter.submitRoot(conflicting, await signRoot(f, conflicting)))).errorName).toBe(
      "RootConflict",
    );
    const unknown = buildMessageTree([{ ...messages[0]!, amount: 2n }]);
    expect((await revertOf(minter.deliverNonce(unknown, 1n))).errorName).toBe("UnknownRoot");
    await minter.confirm(minter.deliverNonce(tree, 1n));
  });

  it("a message outside the signed range is refused even if the tree contains it", async () => {
    const messages = await locks(f, 1n, 2n, 3n);
    const tree = buildMessageTree(messages);
    const narrow = { ...rootAttestationOf(tree), lastNonce: 2n };
    await minter.confirm(minter.submitRoot(narrow, await signRoot(f, narrow)));
    expect(await revertOf(minter.deliverNonce(tree, 3n))).toEqual({
      errorName: "NonceOutsideRoot",
      args: [3n, 1n, 2n],
    });
    await minter.confirm(minter.deliverNonce(tree, 2n));
  });
});

describe("root quorum rules (same as the per-message path)", () => {
  it("refuses fewer than k, unsorted, duplicated or outsider signatures", async () => {
    const tree = buildMessageTree(await locks(f, 1n));
    const attestation = rootAttestationOf(tree);
    const good = await signRoot(f, attestation);
    const withOutsider = [...f.validators.slice(0, 3), f.outsiders[0]!];
    const outsider = await signRoot(
      f,
      attestation,
      sortAddresses(withOutsider.map((a) => a.address)).map(
        (a) => withOutsider.find((v) => v.address === a)!,
      ),
    );
    const cases: [Hex[], string][] = [
      [good.slice(0, 3), "BelowThreshold"],
      [[...good].reverse(), "SignersNotAscending"],
      [[good[0]!, good[0]!, good[1]!, good[2]!], "DuplicateSigner"],
      [outsider, "SignerNotInSet"],
      [[good[0]!, good[1]!, good[2]!, `0x${"00".repeat(65)}`], "InvalidSignature"],
    ];
    for (const [signatures, error] of cases) {
      expect((await revertOf(minter.submitRoot(attestation, signatures))).errorName).toBe(error);
    }
    await minter.confirm(minter.submitRoot(attestation, good));
  });

  it("refuses a removed validator after a rotation, accepts the old epoch only inside its grace window", async () => {
    const messages = await locks(f, 1n, 2n, 3n);
    const removed = f.validators[0]!;
    const kept = f.validators.slice(1);
    const nextSet = sortAddresses([...kept.map((v) => v.address), f.outsiders[0]!.address]);
    await minter.confirm(rotateRemoteSet(f, nextSet, 4n));
    const [first, second, third] = messages.map((m) => buildMessageTree([m]));
    const epoch2 = rootAttestationOf(first!, 2n);
    expect(
      await revertOf(minter.submitRoot(epoch2, await signRoot(f, epoch2, [removed, ...kept.slice(0, 3)]))),
    ).toEqual({ errorName: "SignerNotInSet", args: [removed.address] });
    // Inside the grace window the old set still signs; after it, no longer.
    const inGrace = rootAttestationOf(second!, 1n);
    await minter.confirm(minter.submitRoot(inGrace, await signRoot(f, inGrace)));
    await f.remote.travel(Number(GRACE_SECONDS));
    const expired = rootAttestationOf(third!, 1n);
    expect((await revertOf(minter.submitRoot(expired, await signRoot(f, expired)))).errorName).toBe(
      "EpochExpired",
    );
    // Positive control: the new set's quorum.
    const newQuorum = [...kept, f.outsiders[0]!].sort((a, b) =>
      BigInt(a.address) < BigInt(b.address) ? -1 : 1,
    );
    await minter.confirm(minter.submitRoot(epoch2, await signRoot(f, epoch2, newQuorum.slice(0, 4))));
    await minter.confirm(minter.deliverNonce(first!, 1n));
    await minter.confirm(minter.deliverNonce(second!, 2n));
  });
});

describe("the root path and the per-message path share one replay guard", () => {
  it("a message minted by mint is not minted again by proof, and the reverse", async () => {
    const { messages, tree } = await lockAndSubmit(f, 1n, 2n, 3n);
    await f.mint(messages[0]!);
    expect((await revertOf(minter.deliverNonce(tree, 1n))).errorName).toBe("NonceAlreadyDelivered");
    const batch = await minter.confirm(minter.deliverNonces(tree, [1n, 2n]));
    expect(mintedIds(batch.logs)).toEqual([messageId(messages[1]!)]);
    const signatures = await f.signAttestation(messages[1]!);
    const mintAgain = perMessageMint(f, messages[1]!, signatures);
    expect((await revertOf(mintAgain)).errorName).toBe("NonceAlreadyDelivered");
    // The per-message batch skips what the root path delivered, and still mints the rest.
    const rest = [messages[1]!, messages[2]!];
    const receipt = await minter.confirm(perMessageMintBatch(f, rest));
    expect(mintedIds(receipt.logs)).toEqual([messageId(messages[2]!)]);
    expect(await wrappedSupply(f)).toBe(6n * USDC_UNIT);
  });
});

describe("rate limit, ceiling and pause hold on the root path", () => {
  it("spends the inbound rate limit and respects the mint ceiling per message, and stops while paused", async () => {
    const { tree } = await lockAndSubmit(f, 6n, 6n);
    await ownerWrite(f, "minter", "setRateLimit", [
      BigInt(HOME_CHAIN_ID),
      f.usdc,
      INBOUND,
      10n * USDC_UNIT,
      0n,
    ]);
    expect(await revertOf(minter.deliverNonces(tree, [1n, 2n]))).toEqual({
      errorName: "RateLimited",
      args: [4n * USDC_UNIT, 6n * USDC_UNIT],
    });
    await ownerWrite(f, "minter", "setRateLimit", [BigInt(HOME_CHAIN_ID), f.usdc, INBOUND, 0n, 0n]);
    await ownerWrite(f, "minter", "setMintCeiling", [f.usdc, 10n * USDC_UNIT]);
    expect(await revertOf(minter.deliverNonces(tree, [1n, 2n]))).toEqual({
      errorName: "MintExceedsCredit",
      args: [10n * USDC_UNIT, 12n * USDC_UNIT],
    });
    await minter.confirm(pause(f, "minter", 600n));
    expect((await revertOf(minter.deliverNonce(tree, 1n))).errorName).toBe("Paused");
    expect((await revertOf(minter.deliverNonces(tree, [1n]))).errorName).toBe("Paused");
    expect(await wrappedSupply(f)).toBe(0n);
    await f.remote.travel(601);
    await minter.confirm(minter.deliverNonce(tree, 1n));
    expect(await wrappedSupply(f)).toBe(6n * USDC_UNIT);
  });

  it("on the vault: spends the inbound rate limit, and stops while paused", async () => {
    const { tree, attestation } = await burnAndSubmit(f, 20n, 6n, 6n);
    await ownerWrite(f, "vault", "setRateLimit", [
      BigInt(REMOTE_CHAIN_ID),
      f.usdc,
      INBOUND,
      10n * USDC_UNIT,
      0n,
    ]);
    expect(await revertOf(vault.deliverNonces(tree, [1n, 2n]))).toEqual({
      errorName: "RateLimited",
      args: [4n * USDC_UNIT, 6n * USDC_UNIT],
    });
    await vault.confirm(pause(f, "vault", 600n));
    expect((await revertOf(vault.deliverNonce(tree, 1n))).errorName).toBe("Paused");
    expect((await revertOf(vault.submitRoot(attestation, await signRoot(f, attestation)))).errorName).toBe(
      "Paused",
    );
    await f.home.travel(601);
    await vault.confirm(vault.deliverNonce(tree, 1n));
    expect((await revertOf(vault.deliverNonce(tree, 2n))).errorName).toBe("RateLimited");
  });
});
