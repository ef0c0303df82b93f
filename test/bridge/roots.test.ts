import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { createWalletClient, decodeFunctionData, type Hex, http, parseEventLogs } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bridgeMinterAbi, wrappedTokenAbi } from "../../contracts/generated/index.js";
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
import { devnetKeys } from "../../lib/devnet/accounts.js";
import { fetchRootAttestations } from "../../lib/rootApi.js";
import type { RunningRelayer } from "../../relayer/service.js";
import type { RunningValidator } from "../../validator/service.js";

const run = promisify(execFile);

/** Batched attestations end to end: validators sign roots, the relayer batches proofs, the CLI self-relays. */
describe("root path", () => {
  let net: BridgeNet;
  let validators: RunningValidator[] = [];
  let relayer: RunningRelayer | undefined;

  beforeAll(async () => {
    // Whole-second blocks: lockInOneBlock pauses and resumes anvil's interval mining in seconds.
    net = await startBridgeNet({ remotes: 1, blockTimeSeconds: 1, finalityBlocks: 2 });
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

  const remote = () => net.chains[1]!;
  const minter = () => net.deployment.chains[1]!.bridge.address;
  const owner = () =>
    createWalletClient({
      account: privateKeyToAccount(devnetKeys.deployer),
      chain: remote().chain,
      transport: http(remote().anvil.rpcUrl),
    });
  const setMintCeiling = async (ceiling: bigint) =>
    remote().publicClient.waitForTransactionReceipt({
      hash: await owner().writeContract({
        address: minter(),
        abi: bridgeMinterAbi,
        functionName: "setMintCeiling",
        args: [net.usdc, ceiling],
      }),
    });
  const rootEvents = async (hash: Hex) =>
    parseEventLogs({
      abi: bridgeMinterAbi,
      eventName: "DeliveredUnderRoot",
      logs: (await remote().publicClient.getTransactionReceipt({ hash })).logs,
    });

  it("delivers several transfers of one source block under one root, submitted once, in one batch transaction", async () => {
    const { sent } = await lockInOneBlock(
      net,
      [1n, 2n, 3n, 4n, 5n].map((n) => n * USDC),
    );
    await waitFor(
      "all five delivered",
      async () => (await Promise.all(sent.map((s) => isDelivered(net, s.message)))).every(Boolean),
      40_000,
    );
    const events = await Promise.all(sent.map((s) => deliveryEvents(net, s.message)));
    for (const e of events) expect(e).toHaveLength(1);
    // Batched: the five go out in batch transactions under one root. Usually one; the relayer never
    // holds a message longer than one destination block for more, so when the suite's load spreads
    // the five jobs over more than a block (seen once in a fresh-clone run: two transactions) the
    // batch splits. What must hold either way: several messages share a transaction, the batches'
    // DeliveredUnderRoot counts add up to five, all under the same root.
    const txs = [...new Set(events.map((e) => e[0]!.transactionHash))] as Hex[];
    expect(txs.length).toBeLessThan(sent.length);
    const batches = (await Promise.all(txs.map((tx) => rootEvents(tx)))).map(([e]) => e!);
    expect(batches.reduce((n, b) => n + b.args.delivered, 0n)).toBe(5n);
    expect(Math.max(...batches.map((b) => Number(b.args.delivered)))).toBeGreaterThan(1);
    const root = batches[0]!.args.root;
    for (const b of batches) expect(b.args.root).toBe(root);

    // Every validator signed the same root over the same leaves, without talking to the others.
    const fetched = await fetchRootAttestations(
      validators.map((v) => v.url),
      sent[0]!.id,
    );
    for (const f of fetched) {
      expect("root" in f && f.root.root).toBe(root);
      expect("root" in f && f.root.messageIds).toEqual(sent.map((s) => s.id));
    }
    const range = await remote().publicClient.readContract({
      address: minter(),
      abi: bridgeMinterAbi,
      functionName: "rootRange",
      args: [sent[0]!.message.sourceChainId, sent[0]!.message.sourceBridge, root],
    });
    expect([range.firstNonce, range.lastNonce]).toEqual([sent[0]!.message.nonce, sent[4]!.message.nonce]);
    const submissions = await remote().publicClient.getContractEvents({
      address: minter(),
      abi: bridgeMinterAbi,
      eventName: "RootSubmitted",
      args: { root },
      fromBlock: 0n,
    });
    expect(submissions).toHaveLength(1);
    for (const [i, s] of sent.entries()) {
      const record = await waitFor("delivered record", async () => {
        const r = await relayerRecord(relayer!, s.id);
        return r?.message.status === "delivered" ? r : undefined;
      });
      expect(record.message).toMatchObject({
        deliveredBy: "self",
        deliveredRoot: root,
        destinationTxHash: events[i]![0]!.transactionHash,
      });
    }
    // Every stage of the five was observed once, measured from the source block's timestamp.
    const metrics = await (await fetch(`${relayer!.url}/metrics`)).text();
    for (const stage of ["observed", "finalized", "attested", "root_quorum", "submitted", "confirmed"]) {
      const line = new RegExp(`relayer_stage_latency_seconds_count\\{stage="${stage}",[^}]*\\} (\\d+)`);
      expect(Number(metrics.match(line)?.[1]), stage).toBe(5);
    }
  });

  it("splits a batch one message of which would fail, delivers the rest together, and the last once the cause is fixed", async () => {
    const supply = await remote().publicClient.readContract({
      address: net.wrappedUsdc.get(remote().chainId)!,
      abi: wrappedTokenAbi,
      functionName: "totalSupply",
    });
    // Room for three of the four: each passes alone, all four together exceed the ceiling. The batch
    // goes in nonce order, so the oldest three are delivered together and the newest waits.
    await setMintCeiling(supply + 3n * USDC);
    const { sent } = await lockInOneBlock(net, [USDC, USDC, USDC, USDC]);
    const [a, b, c, d] = sent;
    // Finality, k root signatures and one submission: seconds when quiet, over 40 s seen in a fresh-clone
    // run beside the Aave property test and the explorer's devnet.
    await waitFor(
      "three delivered",
      async () => (await Promise.all([a, b, c].map((s) => isDelivered(net, s!.message)))).every(Boolean),
      120_000,
    );
    const first = await Promise.all([a, b, c].map((s) => deliveryEvents(net, s!.message)));
    expect(new Set(first.map((e) => e[0]!.transactionHash)).size).toBe(1);
    // The record can pass through other waiting states first (under load a root-quorum poll of the
    // re-queued message may see fewer than k validators answer in time and say so); what must come, and
    // stay until the ceiling is raised, is the ceiling as the reason.
    const ceilingReason = "destination mint ceiling reached (owner must raise it)";
    let lastSeen: unknown;
    const stuck = await waitFor(
      "the fourth waiting with the mint ceiling as its reason",
      async () => {
        const r = await relayerRecord(relayer!, d!.id);
        lastSeen = r?.message;
        return r?.message.status === "stuck" && r.message.stuckReason === ceilingReason ? r : undefined;
      },
      60_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}; last record: ${JSON.stringify(lastSeen)}`);
    });
    expect(stuck.message.stuckReason).toBe(ceilingReason);
    expect(await isDelivered(net, d!.message)).toBe(false);

    await setMintCeiling(10n ** 15n);
    await waitFor("the fourth delivered", () => isDelivered(net, d!.message), 40_000);
    const [last] = await deliveryEvents(net, d!.message);
    const [lastRoot] = await rootEvents(last!.transactionHash);
    const [firstRoot] = await rootEvents(first[0]![0]!.transactionHash);
    expect(lastRoot!.args.root).toBe(firstRoot!.args.root);
    expect(lastRoot!.args.delivered).toBe(1n);
  }, 300_000);

  it("bridge status waits for a root, and bridge relay self-relays one message alone by proof", async () => {
    // No relayer from here on: the user delivers. The ceiling is raised here too, so a failure of the
    // test before (which lowers it) cannot make this one's mint revert.
    await relayer?.stop();
    relayer = undefined;
    await setMintCeiling(10n ** 15n);
    const {
      sent: [only],
    } = await lockInOneBlock(net, [7n * USDC]);
    const cli = async (args: string[], validatorUrls: string[]) =>
      run(process.execPath, ["--import", "tsx", "cli/main.ts", ...args], {
        env: {
          ...process.env,
          ...net.rpcEnv,
          DEPLOYMENT_FILE: net.deploymentFile,
          VALIDATOR_URLS: validatorUrls.join(","),
          RELAYER_URL: "http://127.0.0.1:9",
          LOG_LEVEL: "silent",
        },
        timeout: 90_000,
      });
    await waitFor(
      "a quorum of root signatures",
      async () =>
        (
          await fetchRootAttestations(
            validators.map((v) => v.url),
            only!.id,
          )
        ).filter((f) => "root" in f).length >= 4,
      30_000,
    );
    // Final, but the validators asked (none answering here) have signed no root covering it.
    const waiting = await cli(["status", only!.id], ["http://127.0.0.1:9"]);
    expect(waiting.stdout).toMatch(
      new RegExp(`status\\s+waiting for a root covering nonce ${only!.message.nonce}`),
    );
    expect(waiting.stdout).toMatch(/root\s+none signed by a quorum yet/);

    const relayed = await cli(
      ["relay", only!.id],
      validators.map((v) => v.url),
    );
    const hash = relayed.stdout.trim() as Hex;
    expect(relayed.stderr).toMatch(/submitted root 0x[0-9a-f]{64}/);
    const transaction = await remote().publicClient.getTransaction({ hash });
    expect(decodeFunctionData({ abi: bridgeMinterAbi, data: transaction.input }).functionName).toBe(
      "mintWithProof",
    );
    const [delivered] = await rootEvents(hash);
    expect(delivered?.args.delivered).toBe(1n);
    expect(await deliveryEvents(net, only!.message)).toEqual([
      { transactionHash: hash, blockNumber: transaction.blockNumber },
    ]);
    const after = await cli(
      ["status", only!.id],
      validators.map((v) => v.url),
    );
    expect(after.stdout).toMatch(/status\s+delivered/);
    expect(after.stdout).toContain(`root         ${delivered!.args.root}`);
  });
});
