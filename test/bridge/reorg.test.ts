import { type Hex, keccak256 } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BridgeNet, startBridgeNet, USDC } from "../../harness/bridgeNet.js";
import {
  deliveryEvents,
  isDelivered,
  lockUsdc,
  relayerRecord,
  startTestRelayer,
  startTestValidator,
  waitFor,
} from "../../harness/bridgeServices.js";
import type { RunningRelayer } from "../../relayer/service.js";
import { REORGED_OUT_REASON } from "../../relayer/sourceLog.js";
import type { RunningValidator } from "../../validator/service.js";

describe("relayer and a reorg on the source chain", () => {
  let net: BridgeNet;
  let validators: RunningValidator[] = [];
  let relayer: RunningRelayer | undefined;

  beforeAll(async () => {
    net = await startBridgeNet({ remotes: 1, blockTimeSeconds: 0.5, finalityBlocks: 4 });
    validators = await Promise.all([0, 1, 2, 3, 4].map((i) => startTestValidator(net, i)));
    relayer = await startTestRelayer(
      net,
      validators.map((v) => v.url),
    );
  });
  afterAll(async () => {
    await relayer?.stop();
    await Promise.all(validators.map((v) => v.stop()));
    await net?.stop();
  });

  it("marks a message whose Locked log a reorg removed as dead with a reason, and still delivers the rest", async () => {
    const home = net.chains[0]!;
    const snapshot = await home.testClient.snapshot();
    const dropped = await lockUsdc(net, 7n * USDC);
    // The relayer has seen the log before the reorg.
    await waitFor("relayer discovers the lock", () => relayerRecord(relayer!, dropped.id));
    await home.testClient.revert({ id: snapshot });

    // The chain goes on; a later lock reuses heights (and the vault nonce) of the dropped one.
    const later = await lockUsdc(net, 1n * USDC);
    expect(later.id).not.toBe(dropped.id);
    await waitFor("delivery of the later lock", () => isDelivered(net, later.message), 40_000);

    const dead = await waitFor(
      "reorged-out verdict",
      async () => {
        const r = await relayerRecord(relayer!, dropped.id);
        return r?.message.status === "failed" ? r : undefined;
      },
      30_000,
    );
    expect(dead.message.stuckReason).toBe(REORGED_OUT_REASON);
    expect(REORGED_OUT_REASON).toBe("source log no longer canonical (reorged out)");
    // The later lock reused the dropped one's nonce, so the bitmap bit is set: what must not exist is
    // a delivery of the dropped message's id.
    expect(await deliveryEvents(net, dropped.message)).toHaveLength(0);
    expect(await deliveryEvents(net, later.message)).toHaveLength(1);
  });

  it("delivers, once, a lock that a reorg moved to another block (the same transaction mined again)", async () => {
    const home = net.chains[0]!;
    const snapshot = await home.testClient.snapshot();
    const from = await home.publicClient.getBlockNumber();
    const moved = await lockUsdc(net, 3n * USDC);
    const seen = await waitFor("relayer discovers the lock", () => relayerRecord(relayer!, moved.id));
    // The approval and the lock, signed as they were, to be mined again after the reorg.
    const raws: Hex[] = [];
    for (let n = from + 1n; n <= BigInt(seen.message.sourceBlock); n++) {
      const block = await home.publicClient.getBlock({ blockNumber: n });
      for (const hash of block.transactions)
        raws.push(await home.publicClient.request({ method: "eth_getRawTransactionByHash", params: [hash] }));
    }
    expect(raws.length).toBeGreaterThanOrEqual(2);
    const first = await home.publicClient.getTransactionReceipt({ hash: seen.message.sourceTxHash });
    // With interval mining paused: the reverted transactions out of the pool (anvil may keep them), empty
    // blocks up to the height the lock had, then the same transactions mined again.
    await home.testClient.setIntervalMining({ interval: 0 });
    try {
      await home.testClient.revert({ id: snapshot });
      for (const raw of raws)
        await home.testClient.dropTransaction({ hash: keccak256(raw) }).catch(() => undefined);
      const afterRevert = await home.publicClient.getBlockNumber();
      await home.testClient.mine({ blocks: Number(BigInt(seen.message.sourceBlock) - afterRevert) });
      for (const raw of raws)
        await home.publicClient.request({ method: "eth_sendRawTransaction", params: [raw] });
      await home.testClient.mine({ blocks: 1 });
    } finally {
      await home.testClient.setIntervalMining({ interval: 1 });
    }

    await waitFor("delivery of the moved lock", () => isDelivered(net, moved.message), 40_000);
    const [event] = await deliveryEvents(net, moved.message);
    expect(await deliveryEvents(net, moved.message)).toHaveLength(1);
    expect(event).toBeDefined();
    // The lock really moved: its transaction is canonical now in another block than the one first seen
    // (usually higher; anvil may mine the reverted transactions again before the empty blocks).
    const receipt = await home.publicClient.getTransactionReceipt({ hash: seen.message.sourceTxHash });
    expect(receipt.blockHash).not.toBe(first.blockHash);
    await waitFor("relayer records the delivery", async () => {
      const r = await relayerRecord(relayer!, moved.id);
      return r?.message.status === "delivered" ? r : undefined;
    });
  });
});
