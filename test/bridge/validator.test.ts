import { join } from "node:path";
import { createWalletClient, type Hex, http, parseEventLogs } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bridgeTestTokenAbi, bridgeVaultAbi } from "../../contracts/generated/index.js";
import { type BridgeNet, startBridgeNet, USDC } from "../../harness/bridgeNet.js";
import { fetchAttestations } from "../../lib/attestationApi.js";
import { type BridgeMessage, messageFromLockedLog, messageId } from "../../lib/bridge/message.js";
import { devnetKeys } from "../../lib/devnet/accounts.js";
import { logger } from "../../lib/logger.js";
import { fetchRootAttestations } from "../../lib/rootApi.js";
import { ConflictingRootError } from "../../validator/rootStore.js";
import { type RunningValidator, startValidator } from "../../validator/service.js";

const quiet = logger.child({}, { level: "silent" });

describe("validator", () => {
  let net: BridgeNet;
  let validators: RunningValidator[] = [];

  beforeAll(async () => {
    net = await startBridgeNet({ remotes: 1, blockTimeSeconds: 0.5, finalityBlocks: 3 });
  });
  afterAll(async () => {
    await Promise.all(validators.map((v) => v.stop()));
    await net?.stop();
  });

  async function start(index: number, dataDir = join(net.dir, `validator-${index}`)) {
    const validator = await startValidator({
      privateKey: devnetKeys.validators[index]!,
      port: 0,
      deployment: net.deployment,
      chains: net.validatorChains(),
      dataDir,
      logger: quiet,
    });
    validators.push(validator);
    return validator;
  }

  async function lock(amount: bigint): Promise<{ message: BridgeMessage; blockNumber: bigint }> {
    const home = net.chains[0]!;
    const user = privateKeyToAccount(devnetKeys.users[0]!);
    const wallet = createWalletClient({
      account: user,
      chain: home.chain,
      transport: http(home.anvil.rpcUrl),
    });
    const vault = net.deployment.chains[0]!.bridge.address;
    await home.publicClient.waitForTransactionReceipt({
      hash: await wallet.writeContract({
        address: net.usdc,
        abi: bridgeTestTokenAbi,
        functionName: "approve",
        args: [vault, amount],
      }),
    });
    const hash = await wallet.writeContract({
      address: vault,
      abi: bridgeVaultAbi,
      functionName: "lock",
      args: [net.usdc, amount, BigInt(net.chains[1]!.chainId), user.address],
    });
    const receipt = await home.publicClient.waitForTransactionReceipt({ hash });
    const [log] = parseEventLogs({ abi: bridgeVaultAbi, eventName: "Locked", logs: receipt.logs });
    return {
      message: messageFromLockedLog({ log: log!, sourceChainId: home.chainId }),
      blockNumber: receipt.blockNumber,
    };
  }

  async function waitForSignature(urls: string[], id: Hex, count: number, timeoutMs = 20_000) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const fetched = await fetchAttestations(urls, id);
      if (fetched.filter((f) => "attestation" in f).length >= count) return fetched;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`fewer than ${count} signatures for ${id}`);
  }

  async function waitForRoot(url: string, id: Hex, timeoutMs = 20_000) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const [fetched] = await fetchRootAttestations([url], id);
      if (fetched && "root" in fetched) return fetched.root;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`no root covering ${id}`);
  }

  it("signs a finalized lock after its confirmations, remembers it across a restart, and refuses a conflicting message for the same nonce", async () => {
    const validator = await start(0);
    const { message } = await lock(5n * USDC);
    const id = messageId(message);
    const [fetched] = await waitForSignature([validator.url], id, 1);
    expect(fetched && "attestation" in fetched && fetched.attestation.signer).toBe(validator.address);

    // The root over the lock's block is signed in the same scan, right after the signatures.
    const root = await waitForRoot(validator.url, id);
    expect(root.messageIds).toEqual([id]);
    expect([root.firstNonce, root.lastNonce]).toEqual([String(message.nonce), String(message.nonce)]);

    const conflicting = { ...message, amount: message.amount * 1000n };
    await expect(validator.signOnce(conflicting, 1n)).rejects.toThrow(/already signed for another message/);

    // Restart on the same store: the signature is still served and the nonce still refused.
    const dataDir = validator.store.directory;
    await validator.stop();
    validators = validators.filter((v) => v !== validator);
    const restarted = await start(0, dataDir);
    const again = await fetchAttestations([restarted.url], id);
    expect(again[0] && "attestation" in again[0]).toBe(true);
    await expect(restarted.signOnce(conflicting, 1n)).rejects.toThrow(/already signed for another message/);
    // The root survives the restart too, byte for byte (roots.jsonl, fsynced before it was served).
    expect(await waitForRoot(restarted.url, id)).toEqual(root);
    // ...and so does the rule: no second root for that route's block or for a nonce it covers.
    const otherRoot = `0x${"11".repeat(32)}` as Hex;
    expect(() => restarted.roots.assertSignable({ ...root, root: otherRoot })).toThrow(ConflictingRootError);
    expect(() =>
      restarted.roots.assertSignable({ ...root, root: otherRoot, sourceBlock: root.sourceBlock + 1 }),
    ).toThrow(/nonce \d+ is under root/);
  });

  it("never signs a Locked log that a reorg removed before finality", async () => {
    const home = net.chains[0]!;
    const runners = await Promise.all([1, 2].map((i) => start(i)));
    const snapshot = await home.testClient.snapshot();
    const { message } = await lock(7n * USDC);
    const id = messageId(message);
    // Drop the block with the lock before the 3-block finality rule is met, then let the chain go on.
    await home.testClient.revert({ id: snapshot });
    const later = await lock(1n * USDC);
    await waitForSignature(
      runners.map((r) => r.url),
      messageId(later.message),
      2,
    );
    const fetched = await fetchAttestations(
      runners.map((r) => r.url),
      id,
    );
    expect(fetched.every((f) => "error" in f)).toBe(true);
  });
});
