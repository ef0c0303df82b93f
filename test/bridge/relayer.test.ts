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

describe("relayer with validators down", () => {
  let net: BridgeNet;
  let validators: (RunningValidator | undefined)[] = [];
  let relayer: RunningRelayer | undefined;

  beforeAll(async () => {
    net = await startBridgeNet({ remotes: 1, blockTimeSeconds: 0.5, finalityBlocks: 2 });
    validators = await Promise.all([0, 1, 2, 3, 4].map((i) => startTestValidator(net, i)));
  });
  afterAll(async () => {
    await relayer?.stop();
    await Promise.all(validators.map((v) => v?.stop()));
    await net?.stop();
  });

  it("delivers with one validator down, waits with '3 of 4 signatures' with two down, and delivers once one returns", async () => {
    const urls = validators.map((v) => v!.url);
    relayer = await startTestRelayer(net, urls);

    await validators[4]!.stop();
    validators[4] = undefined;
    const first = await lockUsdc(net, 3n * USDC);
    await waitFor("delivery with one validator down", () => isDelivered(net, first.message), 30_000);
    const record = await waitFor("delivered record", async () => {
      const r = await relayerRecord(relayer!, first.id);
      return r?.message.status === "delivered" ? r : undefined;
    });
    expect(record.message.deliveredBy).toBe("self");
    expect(record.message.deliveredRoot).toMatch(/^0x[0-9a-f]{64}$/);

    const port = Number(new URL(validators[3]!.url).port);
    await validators[3]!.stop();
    validators[3] = undefined;
    const second = await lockUsdc(net, 4n * USDC);
    const stuck = await waitFor(
      "stuck reason",
      async () => {
        const r = await relayerRecord(relayer!, second.id);
        return r?.message.status === "stuck" ? r : undefined;
      },
      30_000,
    );
    expect(stuck.message.stuckReason).toBe("3 of 4 signatures");
    expect(await isDelivered(net, second.message)).toBe(false);

    validators[3] = await startTestValidator(net, 3, { port });
    await waitFor("delivery after a validator returned", () => isDelivered(net, second.message), 40_000);
  });
});
