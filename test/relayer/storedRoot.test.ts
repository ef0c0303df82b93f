import { createWalletClient, type Hex, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { bridgeMinterAbi } from "../../contracts/generated/index.js";
import { type BridgeNet, startBridgeNet, USDC } from "../../harness/bridgeNet.js";
import {
  deliveryEvents,
  isDelivered,
  lockInOneBlock,
  relayerRecord,
  startTestRelayer,
  startTestValidator,
  waitFor,
} from "../../harness/bridgeServices.js";
import { readValidatorSets } from "../../lib/attestationApi.js";
import { devnetKeys } from "../../lib/devnet/accounts.js";
import { collectRootQuorum, fetchRootAttestations } from "../../lib/rootApi.js";
import { submitRootData } from "../../relayer/delivery/transaction.js";
import type { RunningRelayer } from "../../relayer/service.js";
import type { RunningValidator } from "../../validator/service.js";

/**
 * A root another relayer already stored on the destination, while fewer than a quorum of validators
 * answer now: the relayer delivers by proof under the stored root instead of waiting ("stuck").
 */
describe("relayer with a stored root and no quorum", () => {
  let net: BridgeNet;
  let validators: (RunningValidator | undefined)[] = [];
  let ports: number[] = [];
  let relayer: RunningRelayer | undefined;

  beforeAll(async () => {
    // Whole-second blocks: lockInOneBlock pauses and resumes anvil's interval mining in seconds.
    net = await startBridgeNet({ remotes: 1, blockTimeSeconds: 1, finalityBlocks: 2 });
    validators = await Promise.all([0, 1, 2, 3, 4].map((i) => startTestValidator(net, i)));
    ports = validators.map((v) => Number(new URL(v!.url).port));
  });
  afterEach(async () => {
    await relayer?.stop();
    relayer = undefined;
  });
  afterAll(async () => {
    await Promise.all(validators.map((v) => v?.stop()));
    await net?.stop();
  });

  const remote = () => net.chains[1]!;
  const minter = () => net.deployment.chains[1]!.bridge.address;
  const urls = () => ports.map((p) => `http://127.0.0.1:${p}`);

  /** What another relayer did: collected the quorum over `id`'s root and submitted only the root. */
  async function submitRootElsewhere(id: Hex): Promise<Hex> {
    const sets = await readValidatorSets(
      remote().publicClient,
      net.deployment.chains[1]!.validatorSet.address,
    );
    const quorum = await waitFor(
      "a root quorum",
      async () => {
        const collected = await collectRootQuorum({
          id,
          fetched: await fetchRootAttestations(urls(), id),
          sets,
        });
        return collected.ok ? collected.quorum : undefined;
      },
      40_000,
    );
    const other = createWalletClient({
      account: privateKeyToAccount(devnetKeys.deployer),
      chain: remote().chain,
      transport: http(remote().anvil.rpcUrl),
    });
    const receipt = await remote().publicClient.waitForTransactionReceipt({
      hash: await other.sendTransaction({ to: minter(), data: submitRootData(quorum) }),
    });
    expect(receipt.status).toBe("success");
    return quorum.attestation.root;
  }

  async function stopValidators(indices: number[]): Promise<void> {
    for (const i of indices) {
      await validators[i]?.stop();
      validators[i] = undefined;
    }
  }

  async function expectDeliveredUnder(
    root: Hex,
    sent: { id: Hex; message: Parameters<typeof isDelivered>[1] }[],
  ) {
    await waitFor(
      "delivery under the stored root",
      async () => (await Promise.all(sent.map((s) => isDelivered(net, s.message)))).every(Boolean),
      40_000,
    );
    for (const s of sent) {
      expect(await deliveryEvents(net, s.message)).toHaveLength(1);
      const record = await waitFor("delivered record", async () => {
        const r = await relayerRecord(relayer!, s.id);
        return r?.message.status === "delivered" ? r : undefined;
      });
      expect(record.message).toMatchObject({ deliveredBy: "self", deliveredRoot: root });
    }
    // The root was stored once, by the other relayer: this one did not submit it again.
    const submissions = await remote().publicClient.getContractEvents({
      address: minter(),
      abi: bridgeMinterAbi,
      eventName: "RootSubmitted",
      args: { root },
      fromBlock: 0n,
    });
    expect(submissions).toHaveLength(1);
  }

  it("delivers under the stored root when only 3 of the 4 signatures needed answer", async () => {
    const { sent } = await lockInOneBlock(net, [1n * USDC, 2n * USDC, 3n * USDC]);
    const root = await submitRootElsewhere(sent[0]!.id);
    await stopValidators([3, 4]);
    relayer = await startTestRelayer(net, urls());
    await expectDeliveredUnder(root, sent);
  });

  it("delivers under the stored root, rebuilt from the source block, when no validator answers", async () => {
    for (const i of [3, 4]) validators[i] = await startTestValidator(net, i, { port: ports[i] });
    const { sent } = await lockInOneBlock(net, [4n * USDC, 5n * USDC]);
    const root = await submitRootElsewhere(sent[1]!.id);
    await stopValidators([0, 1, 2, 3, 4]);
    relayer = await startTestRelayer(net, urls());
    await expectDeliveredUnder(root, sent);
  });
});
