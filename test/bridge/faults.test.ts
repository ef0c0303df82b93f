import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { parseAbiItem } from "viem";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../devnet/anvil.js";
import { type BridgeNet, startBridgeNet, USDC } from "../../harness/bridgeNet.js";
import {
  DATABASE_URL,
  deliveryEvents,
  isDelivered,
  lockInOneBlock,
  lockUsdc,
  relayerRecord,
  startTestRelayer,
  startTestValidator,
  uniqueName,
  waitFor,
} from "../../harness/bridgeServices.js";
import { startLossyRpc } from "../../harness/chaos/lossyRpc.js";
import { startRedisServer } from "../../harness/redisServer.js";
import { devnetKeys } from "../../lib/devnet/accounts.js";
import type { RunningValidator } from "../../validator/service.js";

describe("faults", () => {
  let net: BridgeNet;
  let validators: (RunningValidator | undefined)[] = [];
  const cleanups: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    net = await startBridgeNet({ remotes: 1, blockTimeSeconds: 0.5, finalityBlocks: 2 });
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
    await Promise.all(validators.map((v) => v?.stop()));
    validators = [];
  });
  afterAll(async () => net?.stop());

  it("completes delivery through RPC endpoints that drop 25% and delay 25% of requests", async () => {
    const proxies = new Map<number, string>();
    for (const chain of net.chains) {
      const proxy = await startLossyRpc(chain.anvil.rpcUrl, {
        share: 0.5,
        faults: ["drop", "delay"],
        delayMs: 300,
      });
      cleanups.push(() => proxy.close());
      proxies.set(chain.chainId, proxy.url);
    }
    validators = await Promise.all(
      [0, 1, 2, 3, 4].map((i) => startTestValidator(net, i, { rpcOverride: proxies })),
    );
    const relayer = await startTestRelayer(
      net,
      validators.map((v) => v!.url),
      {
        chains: net.chains.map((c) => ({ chainId: c.chainId, rpcUrl: proxies.get(c.chainId)!, pollMs: 100 })),
      },
    );
    cleanups.push(() => relayer.stop());
    const sent = await Promise.all([lockUsdc(net, 1n * USDC), lockUsdc(net, 2n * USDC, { user: 1 })]);
    for (const { id, message } of sent)
      await waitFor(`delivery of ${id} through a flaky RPC`, () => isDelivered(net, message), 60_000);
  });

  it("delivers a root's batch through a destination node without eth_simulateV1 (root first, then the batch)", async () => {
    const remote = net.chains[1]!;
    const proxy = await startLossyRpc(remote.anvil.rpcUrl, { share: 0, refuseMethods: ["eth_simulateV1"] });
    cleanups.push(() => proxy.close());
    validators = await Promise.all([0, 1, 2, 3, 4].map((i) => startTestValidator(net, i)));
    const relayer = await startTestRelayer(
      net,
      validators.map((v) => v!.url),
      {
        chains: net.chains.map((c) => ({
          chainId: c.chainId,
          rpcUrl: c.chainId === remote.chainId ? proxy.url : c.anvil.rpcUrl,
          pollMs: 100,
        })),
      },
    );
    cleanups.push(() => relayer.stop());
    const { sent, blockNumber } = await lockInOneBlock(net, [1n * USDC, 2n * USDC, 3n * USDC]);
    for (const { id, message } of sent)
      await waitFor(`delivery of ${id} without eth_simulateV1`, () => isDelivered(net, message), 60_000);
    // The relayer asked for eth_simulateV1, was refused, and delivered by estimates instead.
    expect(proxy.counts().refused).toBeGreaterThan(0);
    const roots = await remote.publicClient.getLogs({
      address: net.deployment.chains[1]!.bridge.address,
      event: parseAbiItem(
        "event RootSubmitted(uint64 indexed sourceChainId, address indexed sourceBridge, bytes32 indexed root, uint64 epoch, uint64 firstNonce, uint64 lastNonce)",
      ),
      fromBlock: 0n,
    });
    // One root over the block's three messages; without a simulation of root + batch in one block the
    // root is mined alone first and the batch in a later block.
    const nonces = sent.map((s) => s.message.nonce);
    const root = roots.find((r) => r.args.firstNonce! <= nonces[0]! && r.args.lastNonce! >= nonces[2]!);
    expect(root, `no root covers the nonces of block ${blockNumber}`).toBeDefined();
    for (const { message } of sent) {
      const deliveries = await deliveryEvents(net, message);
      expect(deliveries).toHaveLength(1);
      expect(deliveries[0]!.blockNumber).toBeGreaterThan(root!.blockNumber);
    }
  });

  it("resumes pending work after Redis restarts and loses its data", async () => {
    const redis = await startRedisServer(await freePort());
    cleanups.push(() => redis.stop());
    validators = await Promise.all([0, 1, 2, 3, 4].map((i) => startTestValidator(net, i)));
    const ports = validators.map((v) => Number(new URL(v!.url).port));
    // Two validators down keeps the message pending while Redis goes away.
    for (const i of [3, 4]) {
      await validators[i]!.stop();
      validators[i] = undefined;
    }
    const relayer = await startTestRelayer(
      net,
      ports.map((p) => `http://127.0.0.1:${p}`),
      { redisUrl: redis.url },
    );
    cleanups.push(() => relayer.stop());
    const { id, message } = await lockUsdc(net, 3n * USDC);
    await waitFor(
      "pending in the relayer",
      async () => (await relayerRecord(relayer, id))?.message.status === "stuck",
      30_000,
    );

    await redis.restart();
    for (const i of [3, 4]) validators[i] = await startTestValidator(net, i, { port: ports[i] });
    await waitFor("delivery after the Redis restart", () => isDelivered(net, message), 60_000);
  });

  it("delivers every message exactly once when the relayer is SIGKILLed mid-delivery and restarted", async () => {
    validators = await Promise.all([0, 1, 2, 3, 4].map((i) => startTestValidator(net, i)));
    const schema = uniqueName("killed");
    const prefix = uniqueName("q");
    const relayerPort = String(await freePort());
    const start = () =>
      spawn(process.execPath, ["--enable-source-maps", "dist/relayer/main.js"], {
        env: {
          ...process.env,
          ...net.rpcEnv,
          RELAYER_PRIVATE_KEY: devnetKeys.relayer,
          DATABASE_URL,
          RELAYER_DB_SCHEMA: schema,
          RELAYER_QUEUE_PREFIX: prefix,
          VALIDATOR_URLS: validators.map((v) => v!.url).join(","),
          DEPLOYMENT_FILE: net.deploymentFile,
          RELAYER_PORT: relayerPort,
          RELAYER_DATA_DIR: join(net.dir, "unused-pglite"),
          RELAYER_LOCK_DURATION_MS: "3000",
          LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "silent",
        },
        stdio: ["ignore", "inherit", "inherit"],
      });
    let child = start();
    cleanups.push(() => stopChild(child));
    const sent: Awaited<ReturnType<typeof lockUsdc>>[] = [];
    for (let i = 0; i < 6; i++) sent.push(await lockUsdc(net, BigInt(i + 1) * USDC, { user: i % 3 }));
    const ids = sent.map((s) => s.id);
    const delivered = () => Promise.all(sent.map((s) => isDelivered(net, s.message)));
    // Kill as soon as the first mint lands: the rest are mid-flight (signing, submitting, or mined unrecorded).
    await waitFor("first delivery", async () => (await delivered()).some(Boolean), 60_000);
    child.kill("SIGKILL");
    await new Promise((resolve) => child.once("exit", resolve));
    child = start();
    cleanups.push(() => stopChild(child));
    await waitFor("all delivered after restart", async () => (await delivered()).every(Boolean), 90_000);

    const minted = await net.chains[1]!.publicClient.getLogs({
      address: net.deployment.chains[1]!.bridge.address,
      event: parseAbiItem(
        "event Minted(bytes32 indexed messageId, address indexed token, address indexed recipient, address wrappedToken, uint64 sourceChainId, uint256 amount)",
      ),
      fromBlock: 0n,
    });
    for (const id of ids) expect(minted.filter((l) => l.args.messageId === id)).toHaveLength(1);
    // Our deliveries, including those the killed run sent but never recorded, name the root they
    // were proven under (read back from the receipt). A delivery whose send was killed before its
    // attempt row was written is indistinguishable from someone else's, and carries no root.
    for (const id of ids) {
      const record = await waitFor("delivered record", async () => {
        const r = await relayerRecord({ url: `http://127.0.0.1:${relayerPort}` }, id);
        return r?.message.status === "delivered" ? r : undefined;
      });
      const expected = record.message.deliveredBy === "self" ? /^0x[0-9a-f]{64}$/ : /^$/;
      expect(record.message.deliveredRoot ?? "").toMatch(expected);
    }
  });
});

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
    setTimeout(() => child.kill("SIGKILL"), 3_000).unref();
  });
}
