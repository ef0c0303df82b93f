import { type Hex, parseEventLogs } from "viem";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { bridgeMinterAbi, bridgeVaultAbi, wrappedTokenAbi } from "../../contracts/generated/index.js";
import type { BridgeMessage } from "../../lib/bridge/message.js";
import { messageId } from "../../lib/bridge/message.js";
import {
  type BridgeFixture,
  HOME_CHAIN_ID,
  MINT_CEILING,
  REMOTE_CHAIN_ID,
  revertOf,
  startBridgeFixture,
  USDC_UNIT,
} from "../helpers/bridgeFixture.js";

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

async function signAll(messages: BridgeMessage[], options?: Parameters<BridgeFixture["signAttestation"]>[1]) {
  return Promise.all(messages.map((m) => f.signAttestation(m, options)));
}

function mintBatch(messages: BridgeMessage[], signatures: Hex[][], epoch = 1n) {
  return f.remote.wallet(f.user).writeContract({
    address: f.minter,
    abi: bridgeMinterAbi,
    functionName: "mintBatch",
    args: [messages, epoch, signatures],
  });
}

async function mintedIds(hash: Hex): Promise<Hex[]> {
  const receipt = await f.remote.publicClient.waitForTransactionReceipt({ hash });
  expect(receipt.status).toBe("success");
  return parseEventLogs({ abi: bridgeMinterAbi, eventName: "Minted", logs: receipt.logs }).map(
    (l) => l.args.messageId,
  );
}

const processed = (id: Hex) =>
  f.remote.publicClient.readContract({
    address: f.minter,
    abi: bridgeMinterAbi,
    functionName: "processed",
    args: [id],
  });
const wrappedSupply = () =>
  f.remote.publicClient.readContract({
    address: f.wrappedUsdc,
    abi: wrappedTokenAbi,
    functionName: "totalSupply",
  });

async function locks(...amounts: bigint[]): Promise<BridgeMessage[]> {
  const messages: BridgeMessage[] = [];
  for (const amount of amounts) messages.push(await f.lock(amount * USDC_UNIT));
  return messages;
}

describe("mintBatch", () => {
  it("mints every message of a batch once, like separate mints", async () => {
    const messages = await locks(1n, 2n, 3n);
    const ids = await mintedIds(await mintBatch(messages, await signAll(messages)));
    expect(ids).toEqual(messages.map(messageId));
    for (const m of messages) expect(await processed(messageId(m))).toBe(true);
    expect(await wrappedSupply()).toBe(6n * USDC_UNIT);
  });

  it("skips ids already processed (a racing relayer, or a duplicate inside the batch) instead of reverting", async () => {
    const [first, second] = await locks(1n, 2n);
    await f.mint(first!);
    const batch = [first!, second!, second!];
    const ids = await mintedIds(await mintBatch(batch, await signAll(batch)));
    expect(ids).toEqual([messageId(second!)]);
    expect(await wrappedSupply()).toBe(3n * USDC_UNIT);
    // A batch of only processed ids mints nothing and does not revert.
    expect(await mintedIds(await mintBatch(batch, await signAll(batch)))).toEqual([]);
  });

  it("checks every message's signatures: one forged, short, unsorted or outsider quorum reverts the batch", async () => {
    const messages = await locks(1n, 2n);
    const good = await signAll(messages);
    const forged = { ...messages[1]!, amount: messages[1]!.amount * 100n };
    const cases: [BridgeMessage[], Hex[][], string][] = [
      [[messages[0]!, forged], [good[0]!, good[1]!], "SignerNotInSet"],
      [messages, [good[0]!, good[1]!.slice(0, 3)], "BelowThreshold"],
      [messages, [good[0]!, [...good[1]!].reverse()], "SignersNotAscending"],
      [messages, [good[0]!, [good[1]![0]!, good[1]![0]!, good[1]![1]!, good[1]![2]!]], "DuplicateSigner"],
      [
        messages,
        [good[0]!, (await signAll([messages[1]!], { signers: f.outsiders.slice(0, 4) }))[0]!],
        "SignerNotInSet",
      ],
      [messages, [good[0]!], "BatchLengthMismatch"],
    ];
    for (const [batch, signatures, error] of cases) {
      expect((await revertOf(mintBatch(batch, signatures))).errorName).toBe(error);
    }
    expect((await revertOf(mintBatch(messages, good, 2n))).errorName).toBe("UnknownEpoch");
    for (const m of messages) expect(await processed(messageId(m))).toBe(false);
    expect(await wrappedSupply()).toBe(0n);
  });

  it("holds the supply ceiling and the inbound rate limit per message inside a batch", async () => {
    const messages = await locks(6n, 6n);
    await f.remote.publicClient.waitForTransactionReceipt({
      hash: await f.remote.wallet(f.owner).writeContract({
        address: f.minter,
        abi: bridgeMinterAbi,
        functionName: "setRateLimit",
        args: [BigInt(HOME_CHAIN_ID), f.usdc, INBOUND, 10n * USDC_UNIT, 0n],
      }),
    });
    expect(await revertOf(mintBatch(messages, await signAll(messages)))).toEqual({
      errorName: "RateLimited",
      args: [4n * USDC_UNIT, 6n * USDC_UNIT],
    });
    await f.remote.publicClient.waitForTransactionReceipt({
      hash: await f.remote.wallet(f.owner).writeContract({
        address: f.minter,
        abi: bridgeMinterAbi,
        functionName: "setRateLimit",
        args: [BigInt(HOME_CHAIN_ID), f.usdc, INBOUND, 0n, 0n],
      }),
    });
    await f.remote.publicClient.waitForTransactionReceipt({
      hash: await f.remote.wallet(f.owner).writeContract({
        address: f.minter,
        abi: bridgeMinterAbi,
        functionName: "setMintCeiling",
        args: [f.usdc, 10n * USDC_UNIT],
      }),
    });
    expect(await revertOf(mintBatch(messages, await signAll(messages)))).toEqual({
      errorName: "MintExceedsCredit",
      args: [10n * USDC_UNIT, 12n * USDC_UNIT],
    });
    expect(await wrappedSupply()).toBe(0n);
    expect(MINT_CEILING).toBeGreaterThan(12n * USDC_UNIT);
  });

  it("is stopped by a pause, and rejects a message for another chain inside a batch", async () => {
    const messages = await locks(1n, 1n);
    const twinBound = { ...messages[1]!, destinationChainId: BigInt(REMOTE_CHAIN_ID + 5) };
    const batch = [messages[0]!, twinBound];
    expect((await revertOf(mintBatch(batch, await signAll(batch)))).errorName).toBe("WrongDestinationChain");
    await f.remote.publicClient.waitForTransactionReceipt({
      hash: await f.remote.wallet(f.pauser).writeContract({
        address: f.minter,
        abi: bridgeMinterAbi,
        functionName: "pause",
        args: [600n],
      }),
    });
    expect((await revertOf(mintBatch(messages, await signAll(messages)))).errorName).toBe("Paused");
  });
});

describe("releaseBatch", () => {
  function releaseBatch(messages: BridgeMessage[], signatures: Hex[][]) {
    return f.home.wallet(f.user).writeContract({
      address: f.vault,
      abi: bridgeVaultAbi,
      functionName: "releaseBatch",
      args: [messages, 1n, signatures],
    });
  }

  it("releases attested burns once each, skips processed ids, and never more than was locked toward the chain", async () => {
    const [locked] = await locks(10n);
    await f.mint(locked!);
    const burns = [await f.burn(2n * USDC_UNIT), await f.burn(3n * USDC_UNIT)];
    const batch = [burns[0]!, burns[1]!, burns[0]!];
    const receipt = await f.home.publicClient.waitForTransactionReceipt({
      hash: await releaseBatch(batch, await signAll(batch)),
    });
    const released = parseEventLogs({ abi: bridgeVaultAbi, eventName: "Released", logs: receipt.logs });
    expect(released.map((l) => l.args.messageId)).toEqual(burns.map(messageId));
    const outstanding = await f.home.publicClient.readContract({
      address: f.vault,
      abi: bridgeVaultAbi,
      functionName: "outstanding",
      args: [BigInt(REMOTE_CHAIN_ID), f.usdc],
    });
    expect(outstanding).toBe(5n * USDC_UNIT);

    // A quorum-signed burn above what is outstanding still cannot drain the vault inside a batch.
    const third = await f.burn(1n * USDC_UNIT);
    const inflated = { ...third, amount: 6n * USDC_UNIT };
    expect(await revertOf(releaseBatch([inflated], await signAll([inflated])))).toEqual({
      errorName: "ReleaseExceedsOutstanding",
      args: [5n * USDC_UNIT, 6n * USDC_UNIT],
    });
  });
});
