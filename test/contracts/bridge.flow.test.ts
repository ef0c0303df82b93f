import { parseEventLogs, toFunctionSelector } from "viem";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { bridgeMinterAbi, bridgeVaultAbi, wrappedTokenAbi } from "../../contracts/generated/index.js";
import { type BridgeMessage, messageId } from "../../lib/bridge/message.js";
import { attestationTypedData } from "../../lib/bridge/typedData.js";
import { usdcBalance, vaultOutstanding, wrappedBalance } from "../helpers/bridgeBalances.js";
import {
  type BridgeFixture,
  HOME_CHAIN_ID,
  MINT_CEILING,
  REMOTE_CHAIN_ID,
  revertOf,
  startBridgeFixture,
  TWIN_CHAIN_ID,
  USDC_UNIT,
} from "../helpers/bridgeFixture.js";
import { snapshotChains } from "../helpers/chainSnapshots.js";
import { deployFeeToken } from "../helpers/feeToken.js";

let f: BridgeFixture;

beforeAll(async () => {
  f = await startBridgeFixture({ twin: true });
});
afterAll(async () => {
  await f?.stop();
});
// Every test starts from the freshly deployed state.
beforeEach(() => snapshotChains([f.home, f.remote, f.twin!]));

describe("lock -> mint", () => {
  it("mints wrapped tokens for a lock attested by 4 of 5 validators", async () => {
    const amount = 250n * USDC_UNIT;
    const message = await f.lock(amount);
    expect(message).toMatchObject({
      version: 1,
      sourceChainId: BigInt(HOME_CHAIN_ID),
      destinationChainId: BigInt(REMOTE_CHAIN_ID),
      sourceBridge: f.vault,
      destinationBridge: f.minter,
      nonce: 1n,
      token: f.usdc,
      sender: f.user.address,
      recipient: f.user.address,
      amount,
    });
    expect(await usdcBalance(f, f.vault)).toBe(amount);
    expect(await vaultOutstanding(f, REMOTE_CHAIN_ID)).toBe(amount);

    const hash = await f.remote.wallet(f.user).writeContract({
      address: f.minter,
      abi: bridgeMinterAbi,
      functionName: "mint",
      args: [message, 1n, await f.signAttestation(message)],
    });
    const receipt = await f.remote.publicClient.waitForTransactionReceipt({ hash });
    const [minted] = parseEventLogs({ abi: bridgeMinterAbi, eventName: "Minted", logs: receipt.logs });
    expect(minted?.args).toMatchObject({
      messageId: messageId(message),
      token: f.usdc,
      recipient: f.user.address,
      wrappedToken: f.wrappedUsdc,
      sourceChainId: BigInt(HOME_CHAIN_ID),
      amount,
    });
    expect(await wrappedBalance(f, f.user.address)).toBe(amount);
  });

  it("computes the same message id in TypeScript and Solidity, and numbers nonces from 1", async () => {
    const first = await f.lock(1n);
    const second = await f.lock(2n);
    expect([first.nonce, second.nonce]).toEqual([1n, 2n]);
    const onChain = await f.home.publicClient.readContract({
      address: f.vault,
      abi: bridgeVaultAbi,
      functionName: "messageId",
      args: [second],
    });
    expect(onChain).toBe(messageId(second));
  });

  it("rejects a replayed attestation with AlreadyProcessed", async () => {
    const message = await f.lock(10n * USDC_UNIT);
    await f.mint(message);
    const signatures = await f.signAttestation(message);
    expect(
      await revertOf(
        f.remote.wallet(f.user).writeContract({
          address: f.minter,
          abi: bridgeMinterAbi,
          functionName: "mint",
          args: [message, 1n, signatures],
        }),
      ),
    ).toEqual({ errorName: "AlreadyProcessed", args: [messageId(message)] });
  });

  it("rejects the same attestation on another chain running identical contracts", async () => {
    const twin = f.twin!;
    const message = await f.lock(10n * USDC_UNIT);
    const signatures = await f.signAttestation(message);
    // Same deployer, same nonces: the twin chain's minter sits at the same address.
    expect(await twin.publicClient.getCode({ address: f.minter })).toBeDefined();
    const submitOnTwin = (m: BridgeMessage) =>
      revertOf(
        twin.wallet(f.user).writeContract({
          address: f.minter,
          abi: bridgeMinterAbi,
          functionName: "mint",
          args: [m, 1n, signatures],
        }),
      );
    expect((await submitOnTwin(message)).errorName).toBe("WrongDestinationChain");
    // Rewriting the destination changes the EIP-712 digest: the recovered signers are not validators.
    const rewritten = await submitOnTwin({ ...message, destinationChainId: BigInt(TWIN_CHAIN_ID) });
    expect(["SignerNotInSet", "SignersNotAscending"]).toContain(rewritten.errorName);
  });

  it("rejects a mint that would push the wrapped supply above the credit ceiling", async () => {
    // Compromised validators attest a lock that never happened: the ceiling still caps the damage.
    const forged: BridgeMessage = {
      version: 1,
      sourceChainId: BigInt(HOME_CHAIN_ID),
      destinationChainId: BigInt(REMOTE_CHAIN_ID),
      sourceBridge: f.vault,
      destinationBridge: f.minter,
      nonce: 999n,
      token: f.usdc,
      sender: f.user.address,
      recipient: f.user.address,
      amount: MINT_CEILING + 1n,
    };
    expect(
      await revertOf(
        f.remote.wallet(f.user).writeContract({
          address: f.minter,
          abi: bridgeMinterAbi,
          functionName: "mint",
          args: [forged, 1n, await f.signAttestation(forged)],
        }),
      ),
    ).toEqual({ errorName: "MintExceedsCredit", args: [MINT_CEILING, MINT_CEILING + 1n] });
    // Up to the ceiling is fine.
    await f.mint({ ...forged, amount: MINT_CEILING });
    expect(await wrappedBalance(f, f.user.address)).toBe(MINT_CEILING);
  });

  it("refuses a fee-on-transfer token whose received amount differs", async () => {
    const wallet = f.home.wallet(f.owner);
    const fee = await deployFeeToken(f, 100, 1000n);
    expect(
      await revertOf(
        wallet.writeContract({
          address: f.vault,
          abi: bridgeVaultAbi,
          functionName: "lock",
          args: [fee, 1000n, BigInt(REMOTE_CHAIN_ID), f.owner.address],
        }),
      ),
    ).toEqual({ errorName: "TransferAmountMismatch", args: [1000n, 990n] });
  });

  it("rejects locks of unsupported tokens, to unknown routes, of zero amounts", async () => {
    const lock = (token: `0x${string}`, amount: bigint, chainId: number) =>
      revertOf(
        f.home.wallet(f.user).writeContract({
          address: f.vault,
          abi: bridgeVaultAbi,
          functionName: "lock",
          args: [token, amount, BigInt(chainId), f.user.address],
        }),
      );
    expect((await lock(f.wrappedUsdc, 1n, REMOTE_CHAIN_ID)).errorName).toBe("UnsupportedToken");
    expect((await lock(f.usdc, 1n, 4242)).errorName).toBe("UnknownRoute");
    expect((await lock(f.usdc, 0n, REMOTE_CHAIN_ID)).errorName).toBe("ZeroAmount");
  });
});

describe("burn -> release", () => {
  it("releases home tokens for a burn attested by 4 of 5 validators", async () => {
    const locked = 300n * USDC_UNIT;
    await f.mint(await f.lock(locked));
    const before = await usdcBalance(f, f.user.address);

    const message = await f.burn(100n * USDC_UNIT);
    expect(message).toMatchObject({
      sourceChainId: BigInt(REMOTE_CHAIN_ID),
      destinationChainId: BigInt(HOME_CHAIN_ID),
      sourceBridge: f.minter,
      destinationBridge: f.vault,
      nonce: 1n,
      token: f.usdc, // the home token identifies the asset on every leg
      amount: 100n * USDC_UNIT,
    });
    expect(await wrappedBalance(f, f.user.address)).toBe(200n * USDC_UNIT);

    const hash = await f.home.wallet(f.user).writeContract({
      address: f.vault,
      abi: bridgeVaultAbi,
      functionName: "release",
      args: [message, 1n, await f.signAttestation(message)],
    });
    const receipt = await f.home.publicClient.waitForTransactionReceipt({ hash });
    const [released] = parseEventLogs({ abi: bridgeVaultAbi, eventName: "Released", logs: receipt.logs });
    expect(released?.args.messageId).toBe(messageId(message));
    expect(await usdcBalance(f, f.user.address)).toBe(before + 100n * USDC_UNIT);
    expect(await vaultOutstanding(f, REMOTE_CHAIN_ID)).toBe(200n * USDC_UNIT);
  });

  it("burns through the wrapped token's own burn(amount, chain, recipient)", async () => {
    await f.mint(await f.lock(50n * USDC_UNIT));
    const hash = await f.remote.wallet(f.user).writeContract({
      address: f.wrappedUsdc,
      abi: wrappedTokenAbi,
      functionName: "burn",
      args: [20n * USDC_UNIT, BigInt(HOME_CHAIN_ID), f.user.address],
    });
    const receipt = await f.remote.publicClient.waitForTransactionReceipt({ hash });
    const [burned] = parseEventLogs({ abi: bridgeMinterAbi, eventName: "Burned", logs: receipt.logs });
    expect(burned?.args).toMatchObject({ token: f.usdc, sender: f.user.address, amount: 20n * USDC_UNIT });
    expect(await wrappedBalance(f, f.user.address)).toBe(30n * USDC_UNIT);
  });

  it("rejects a burn toward a chain that is not the token's home", async () => {
    await f.mint(await f.lock(50n * USDC_UNIT));
    expect(
      (
        await revertOf(
          f.remote.wallet(f.user).writeContract({
            address: f.minter,
            abi: bridgeMinterAbi,
            functionName: "burn",
            args: [f.wrappedUsdc, 1n, BigInt(TWIN_CHAIN_ID), f.user.address],
          }),
        )
      ).errorName,
    ).toBe("NotHomeChain");
  });

  it("never releases more than was locked toward the source chain, even with valid signatures", async () => {
    await f.mint(await f.lock(100n * USDC_UNIT));
    // Another user's funds sit in the vault for a different route: they must stay out of reach.
    await f.lock(1_000n * USDC_UNIT, { destinationChainId: TWIN_CHAIN_ID });
    const forged: BridgeMessage = {
      version: 1,
      sourceChainId: BigInt(REMOTE_CHAIN_ID),
      destinationChainId: BigInt(HOME_CHAIN_ID),
      sourceBridge: f.minter,
      destinationBridge: f.vault,
      nonce: 77n,
      token: f.usdc,
      sender: f.user.address,
      recipient: f.user.address,
      amount: 100n * USDC_UNIT + 1n,
    };
    expect(
      await revertOf(
        f.home.wallet(f.user).writeContract({
          address: f.vault,
          abi: bridgeVaultAbi,
          functionName: "release",
          args: [forged, 1n, await f.signAttestation(forged)],
        }),
      ),
    ).toEqual({ errorName: "ReleaseExceedsOutstanding", args: [100n * USDC_UNIT, 100n * USDC_UNIT + 1n] });
  });
});

describe("owner powers", () => {
  it("has no vault function that moves tokens besides lock and the signature-gated release (and its batch form)", () => {
    const writes = bridgeVaultAbi
      .filter(
        (item) =>
          item.type === "function" && item.stateMutability !== "view" && item.stateMutability !== "pure",
      )
      .map((item) => (item as { name: string }).name)
      .sort();
    expect(writes).toEqual([
      "acceptOwnership",
      "lock",
      "pause",
      "release",
      // Each message of a batch goes through exactly release's checks (test/contracts/bridge.batch.test.ts).
      "releaseBatch",
      // The root path: a quorum-signed root, then each message proven against it under release's own
      // checks (test/contracts/bridge.roots.test.ts).
      "releaseBatchWithProof",
      "releaseWithProof",
      "setPauser",
      "setRateLimit",
      "setRoute",
      "setToken",
      "submitRoot",
      "transferOwnership",
      "unpause",
    ]);
    for (const name of ["withdraw", "sweep", "rescue", "emergencyWithdraw", "setValidatorSet"]) {
      expect(writes).not.toContain(name);
    }
    // transfer/transferFrom selectors are not callable on the vault either.
    const selectors = bridgeVaultAbi
      .filter((item) => item.type === "function")
      .map((item) => toFunctionSelector(item as never));
    expect(selectors).not.toContain("0xa9059cbb");
    expect(selectors).not.toContain("0x23b872dd");
  });

  it("cannot withdraw: re-routing to itself and releasing without a quorum fails", async () => {
    await f.lock(500n * USDC_UNIT);
    const owner = f.home.wallet(f.owner);
    // The owner can re-point a route to a contract it controls, but still needs a validator quorum.
    await f.home.publicClient.waitForTransactionReceipt({
      hash: await owner.writeContract({
        address: f.vault,
        abi: bridgeVaultAbi,
        functionName: "setRoute",
        args: [BigInt(REMOTE_CHAIN_ID), f.owner.address],
      }),
    });
    const theft: BridgeMessage = {
      version: 1,
      sourceChainId: BigInt(REMOTE_CHAIN_ID),
      destinationChainId: BigInt(HOME_CHAIN_ID),
      sourceBridge: f.owner.address,
      destinationBridge: f.vault,
      nonce: 1n,
      token: f.usdc,
      sender: f.owner.address,
      recipient: f.owner.address,
      amount: 500n * USDC_UNIT,
    };
    const ownerSigned = [await f.owner.signTypedData(attestationTypedData(theft, 1n))];
    expect(
      (
        await revertOf(
          owner.writeContract({
            address: f.vault,
            abi: bridgeVaultAbi,
            functionName: "release",
            args: [theft, 1n, ownerSigned],
          }),
        )
      ).errorName,
    ).toBe("BelowThreshold");
    expect(await usdcBalance(f, f.vault)).toBe(500n * USDC_UNIT);
  });

  it("transfers ownership in two steps", async () => {
    const owner = f.home.wallet(f.owner);
    await f.home.publicClient.waitForTransactionReceipt({
      hash: await owner.writeContract({
        address: f.vault,
        abi: bridgeVaultAbi,
        functionName: "transferOwnership",
        args: [f.pauser.address],
      }),
    });
    const read = () =>
      f.home.publicClient.readContract({ address: f.vault, abi: bridgeVaultAbi, functionName: "owner" });
    expect(await read()).toBe(f.owner.address);
    expect(
      (
        await revertOf(
          f.home.wallet(f.user).writeContract({
            address: f.vault,
            abi: bridgeVaultAbi,
            functionName: "acceptOwnership",
          }),
        )
      ).errorName,
    ).toBe("NotPendingOwner");
    await f.home.publicClient.waitForTransactionReceipt({
      hash: await f.home.wallet(f.pauser).writeContract({
        address: f.vault,
        abi: bridgeVaultAbi,
        functionName: "acceptOwnership",
      }),
    });
    expect(await read()).toBe(f.pauser.address);
  });
});
