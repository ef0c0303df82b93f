import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BridgeNet, startBridgeNet, USDC } from "../../harness/bridgeNet.js";
import {
  isDelivered,
  lockUsdc,
  relayerRecord,
  startTestRelayer,
  startTestValidator,
  waitFor,
} from "../../harness/bridgeServices.js";
import type { RunningRelayer } from "../../relayer/service.js";
import type { RunningValidator } from "../../validator/service.js";

/**
 * A reorg on the destination can drop a delivery the relayer has already recorded. The chaos soak lost
 * a burn this way: the home chain (also the destination of burns) reorganised two blocks, taking the
 * Released transaction with it, while the relayer's record said "delivered". The relayer must notice
 * (the destination's bitmap no longer has the nonce) and deliver again.
 */
describe("relayer and a reorg on the destination chain", () => {
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

  it("delivers again a message whose delivery a destination reorg removed", async () => {
    const remote = net.chains[1]!;
    const beforeDelivery = await remote.testClient.snapshot();
    const lock = await lockUsdc(net, 3n * USDC);
    await waitFor("first delivery", () => isDelivered(net, lock.message), 60_000);
    await waitFor("relayer records the delivery", async () => {
      const record = await relayerRecord(relayer!, lock.id);
      return record?.message.status === "delivered";
    });
    // The destination drops every block since before the delivery (the chain goes on from there).
    await remote.testClient.revert({ id: beforeDelivery });
    expect(await isDelivered(net, lock.message)).toBe(false);

    await waitFor("delivery again after the reorg", () => isDelivered(net, lock.message), 60_000);
    const record = await waitFor("relayer records the new delivery", async () => {
      const r = await relayerRecord(relayer!, lock.id);
      return r?.message.status === "delivered" ? r : undefined;
    });
    expect(record.message.status).toBe("delivered");
  }, 180_000);
});
