import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { type Address, createWalletClient, decodeFunctionData, type Hex, http, parseEventLogs } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bridgeMinterAbi, validatorSetAbi } from "../../contracts/generated/index.js";
import { type BridgeNet, startBridgeNet, USDC } from "../../harness/bridgeNet.js";
import { lockUsdc, quiet } from "../../harness/bridgeServices.js";
import type { BridgeMessage } from "../../lib/bridge/message.js";
import { attestationTypedData, sortAddresses, sortSignaturesBySigner } from "../../lib/bridge/typedData.js";
import { devnetKeys } from "../../lib/devnet/accounts.js";
import { type RunningValidator, startValidator } from "../../validator/service.js";
import { revertOf } from "../helpers/bridgeFixture.js";

const run = promisify(execFile);
const ROTATION_TOKEN = "rotation-test-token";
const GRACE_SECONDS = 600;

describe("validator set rotation (bridge validators rotate)", () => {
  let net: BridgeNet;
  /** The devnet's 5 validators of epoch 1 (index = devnet validator index). */
  let validators: RunningValidator[] = [];
  /** A fresh key that joins in epoch 2. */
  let newcomer: RunningValidator;
  const newcomerKey = generatePrivateKey();
  const cliUser = privateKeyToAccount(devnetKeys.users[0]!);

  beforeAll(async () => {
    net = await startBridgeNet({ remotes: 2, blockTimeSeconds: 0.5, finalityBlocks: 2 });
    const start = (privateKey: Hex, name: string) =>
      startValidator({
        privateKey,
        port: 0,
        deployment: net.deployment,
        chains: net.validatorChains(),
        dataDir: join(net.dir, name),
        rotationToken: ROTATION_TOKEN,
        logger: quiet,
      });
    [validators, newcomer] = await Promise.all([
      Promise.all(devnetKeys.validators.map((key, i) => start(key, `validator-${i}`))),
      start(newcomerKey, "validator-new"),
    ]);
  });
  afterAll(async () => {
    await Promise.all([...validators, newcomer].filter(Boolean).map((v) => v.stop()));
    await net?.stop();
  });

  async function bridge(args: string[], env: Record<string, string>) {
    try {
      const { stdout, stderr } = await run(process.execPath, ["cli/bin.js", ...args], {
        env: {
          ...process.env,
          ...net.rpcEnv,
          DEPLOYMENT_FILE: net.deploymentFile,
          LOG_LEVEL: "silent",
          ...env,
        },
        timeout: 90_000,
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  }

  const epochs = () =>
    Promise.all(
      net.chains.map((c, i) =>
        c.publicClient.readContract({
          address: net.deployment.chains[i]!.validatorSet.address,
          abi: validatorSetAbi,
          functionName: "epoch",
        }),
      ),
    );
  const cliNonces = () =>
    Promise.all(net.chains.map((c) => c.publicClient.getTransactionCount({ address: cliUser.address })));

  // Epoch 2: validators 0..3 stay, validator 4 leaves, the newcomer joins; still 4 of 5.
  const newSet = (): Address[] => sortAddresses([...validators.slice(0, 4), newcomer].map((v) => v.address));
  const rotateArgs = () => ["validators", "rotate", "--validators", newSet().join(","), "--threshold", "4"];
  const urls = (list: RunningValidator[]) => list.map((v) => v.url).join(",");

  it("refuses without a quorum of the current set and changes nothing on any chain", async () => {
    const before = await cliNonces();
    const threeReachable = await bridge(rotateArgs(), {
      VALIDATOR_ROTATION_TOKEN: ROTATION_TOKEN,
      // Two validators down (a closed port) and the newcomer, who is not in the current set.
      VALIDATOR_URLS: `${urls([...validators.slice(0, 3), newcomer])},http://127.0.0.1:9`,
    });
    expect(threeReachable.code).not.toBe(0);
    expect(threeReachable.stderr).toMatch(/nothing was submitted/);
    expect(threeReachable.stderr).toMatch(/devnet-a: only 3 of 4 current validators \(epoch 1\) signed/);
    expect(threeReachable.stderr).toMatch(/unreachable/);

    const wrongToken = await bridge(rotateArgs(), {
      VALIDATOR_ROTATION_TOKEN: "not-the-token",
      VALIDATOR_URLS: urls(validators),
    });
    expect(wrongToken.code).not.toBe(0);
    expect(wrongToken.stderr).toMatch(/refused \(missing or wrong bearer token\)/);
    expect(wrongToken.stderr).toMatch(/only 0 of 4/);

    expect(await epochs()).toEqual([1n, 1n, 1n]);
    expect(await cliNonces()).toEqual(before);
  });

  it("rotates every chain to a new 4-of-5 set signed by a quorum of the old one", async () => {
    const rotated = await bridge(rotateArgs(), {
      VALIDATOR_ROTATION_TOKEN: ROTATION_TOKEN,
      VALIDATOR_URLS: urls(validators),
    });
    expect(rotated.stderr).toMatch(/devnet-a: epoch 2 installed/);
    expect(rotated.code).toBe(0);
    expect(await epochs()).toEqual([2n, 2n, 2n]);
    for (const [i, c] of net.chains.entries()) {
      const address = net.deployment.chains[i]!.validatorSet.address;
      const [members, threshold] = await Promise.all([
        c.publicClient.readContract({
          address,
          abi: validatorSetAbi,
          functionName: "validatorsOf",
          args: [2n],
        }),
        c.publicClient.readContract({
          address,
          abi: validatorSetAbi,
          functionName: "thresholdOf",
          args: [2n],
        }),
      ]);
      expect(members).toEqual(newSet());
      expect(threshold).toBe(4n);
    }

    // Running it again is harmless: every chain already has the set.
    const again = await bridge(rotateArgs(), {
      VALIDATOR_ROTATION_TOKEN: ROTATION_TOKEN,
      VALIDATOR_URLS: urls(validators),
    });
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/already has this set; skipped/);
    expect(await epochs()).toEqual([2n, 2n, 2n]);
  });

  it("delivers a message attested by the new set (self-relay through the new set's validators only)", async () => {
    const { id } = await lockUsdc(net, 3n * USDC);
    const newMembers = [...validators.slice(1, 4), newcomer];
    let relayed = { code: 1, stdout: "", stderr: "" };
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      relayed = await bridge(["relay", id], { VALIDATOR_URLS: urls(newMembers) });
      if (relayed.code === 0 || !/Not signed yet|Not enough signatures/.test(relayed.stderr)) break;
      await new Promise((r) => setTimeout(r, 300));
    }
    // The new set's quorum signed the root over the lock's block: stored under epoch 2, then the
    // message is proven against it.
    const rootTx = relayed.stderr.match(/submitted root 0x[0-9a-f]{64} on devnet-b: (0x[0-9a-f]{64})/)?.[1];
    expect(relayed.stderr).toMatch(/submitted mintWithProof on devnet-b/);
    expect(relayed.code).toBe(0);
    const rootReceipt = await net.chains[1]!.publicClient.getTransactionReceipt({ hash: rootTx as Hex });
    const [stored] = parseEventLogs({
      abi: bridgeMinterAbi,
      eventName: "RootSubmitted",
      logs: rootReceipt.logs,
    });
    expect(stored?.args.epoch).toBe(2n);
    const tx = await net.chains[1]!.publicClient.getTransaction({ hash: relayed.stdout.trim() as Hex });
    const call = decodeFunctionData({ abi: bridgeMinterAbi, data: tx.input });
    expect(call.functionName).toBe("mintWithProof");
    expect(call.args[1]).toBe(stored?.args.root);
  });

  it("accepts the old set only inside the grace window", async () => {
    const remote = net.chains[1]!;
    const minter = net.deployment.chains[1]!.bridge.address;
    const wallet = createWalletClient({
      account: privateKeyToAccount(devnetKeys.deployer),
      chain: remote.chain,
      transport: http(remote.anvil.rpcUrl),
    });
    // Validators 1..4 of epoch 1: includes validator 4, who is not in epoch 2.
    const oldQuorum = devnetKeys.validators.slice(1).map((key) => privateKeyToAccount(key));
    const signOld = async (message: BridgeMessage) =>
      (
        await sortSignaturesBySigner(
          attestationTypedData(message, 1n),
          await Promise.all(oldQuorum.map((a) => a.signTypedData(attestationTypedData(message, 1n)))),
        )
      ).map((s) => s.signature);

    const inGrace = await lockUsdc(net, 2n * USDC);
    const hash = await wallet.writeContract({
      address: minter,
      abi: bridgeMinterAbi,
      functionName: "mint",
      args: [inGrace.message, 1n, await signOld(inGrace.message)],
    });
    expect((await remote.publicClient.waitForTransactionReceipt({ hash })).status).toBe("success");

    const late = await lockUsdc(net, 2n * USDC);
    await remote.testClient.increaseTime({ seconds: GRACE_SECONDS + 1 });
    await remote.testClient.mine({ blocks: 1 });
    const reverted = await revertOf(
      remote.publicClient.simulateContract({
        account: wallet.account,
        address: minter,
        abi: bridgeMinterAbi,
        functionName: "mint",
        args: [late.message, 1n, await signOld(late.message)],
      }),
    );
    expect(reverted.errorName).toBe("EpochExpired");
  });
});
