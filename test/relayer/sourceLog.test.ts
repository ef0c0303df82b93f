import { createPublicClient, custom, type Hex, http, keccak256, type PublicClient, toHex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalChain, startLocalChain } from "../../harness/localChain.js";
import { checkSourceLog } from "../../relayer/sourceLog.js";

/**
 * The reorg verdict must come only from the node saying "no such transaction". A chaos soak found
 * canonical messages failed for good because a 5xx on the receipt read was taken for a reorg.
 */
describe("checkSourceLog", () => {
  let local: LocalChain;
  let txHash: Hex;
  let block: bigint;

  beforeAll(async () => {
    local = await startLocalChain("source-log");
    const sender = local.wallet(0);
    txHash = await sender.sendTransaction({ to: local.wallet(1).account.address, value: 1n });
    block = (await local.publicClient.waitForTransactionReceipt({ hash: txHash })).blockNumber;
    await local.testClient.mine({ blocks: 3 });
  }, 60_000);
  afterAll(async () => {
    await local?.stop();
  });

  const check = (client: PublicClient, hash: Hex) =>
    checkSourceLog({
      client,
      finality: { kind: "confirmations", blocks: 2 },
      bridge: "0x0000000000000000000000000000000000000001",
      id: keccak256(toHex("message")),
      txHash: hash,
      block,
    });

  it("gives the verdict when the node knows no such transaction (positive control)", async () => {
    const unknown = keccak256(toHex("never sent"));
    expect(await check(local.publicClient, unknown)).toMatchObject({ state: "reorged" });
  });

  it("throws, so the job retries, when the receipt read fails instead of answering", async () => {
    const upstream = http(local.anvil.rpcUrl)({ chain: local.chain });
    // The node is fine; the endpoint in front of it answers 503 to receipt reads (as a loaded public RPC does).
    const flaky = createPublicClient({
      chain: local.chain,
      transport: custom({
        async request({ method, params }) {
          if (method === "eth_getTransactionReceipt") throw new Error("HTTP 503: upstream overloaded");
          return upstream.request({ method, params } as never);
        },
      }),
    }) as PublicClient;
    await expect(check(flaky, txHash)).rejects.toThrow(/503/);
    // Read without faults the transaction is found on chain: the check goes on to its logs (it carries no
    // bridge log, so the verdict names the log, not a missing transaction).
    const healthy = await check(local.publicClient, txHash);
    expect(healthy).toMatchObject({ state: "reorged" });
    expect(healthy.state === "reorged" && healthy.detail).toMatch(/no longer emits/);
  });
});
