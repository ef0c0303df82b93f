import { createWalletClient, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bridgeMinterAbi } from "../../contracts/generated/index.js";
import { type BridgeNet, startBridgeNet, USDC } from "../../harness/bridgeNet.js";
import { lockUsdc } from "../../harness/bridgeServices.js";
import type { BridgeMessage } from "../../lib/bridge/message.js";
import { attestationTypedData, sortSignaturesBySigner } from "../../lib/bridge/typedData.js";
import { devnetKeys } from "../../lib/devnet/accounts.js";
import { revertOf } from "../helpers/bridgeFixture.js";

/** Attestations sent straight to the contracts, bypassing validators and relayer. */
describe("forged and replayed attestations", () => {
  let net: BridgeNet;
  beforeAll(async () => {
    net = await startBridgeNet({ remotes: 2, blockTimeSeconds: 0.5 });
  });
  afterAll(async () => net?.stop());

  const validatorKeys = devnetKeys.validators.slice(0, 4);
  async function sign(message: BridgeMessage, keys: readonly `0x${string}`[] = validatorKeys) {
    const typedData = attestationTypedData(message, 1n);
    const signatures = await Promise.all(
      keys.map((key) => privateKeyToAccount(key).signTypedData(typedData)),
    );
    return (await sortSignaturesBySigner(typedData, signatures)).map((s) => s.signature);
  }
  function mintOn(index: number, message: BridgeMessage, signatures: `0x${string}`[]) {
    const chain = net.chains[index]!;
    const wallet = createWalletClient({
      account: privateKeyToAccount(devnetKeys.users[1]!),
      chain: chain.chain,
      transport: http(chain.anvil.rpcUrl),
    });
    return wallet.writeContract({
      address: net.deployment.chains[index]!.bridge.address,
      abi: bridgeMinterAbi,
      functionName: "mint",
      args: [message, 1n, signatures],
    });
  }

  it("rejects signatures from keys outside the set, a replay, and a replay on another chain", async () => {
    const { message } = await lockUsdc(net, 10n * USDC, { destinationIndex: 1 });
    const outsiders = [devnetKeys.deployer, devnetKeys.relayer, devnetKeys.liquidator, devnetKeys.relayer2];
    expect((await revertOf(mintOn(1, message, await sign(message, outsiders)))).errorName).toBe(
      "SignerNotInSet",
    );
    // A forged amount under genuine signatures recovers to other addresses.
    const genuine = await sign(message);
    expect(
      (await revertOf(mintOn(1, { ...message, amount: message.amount * 100n }, genuine))).errorName,
    ).toBe("SignerNotInSet");
    // Three genuine signatures are not a quorum.
    expect((await revertOf(mintOn(1, message, genuine.slice(0, 3)))).errorName).toBe("BelowThreshold");

    const hash = await mintOn(1, message, genuine);
    expect((await net.chains[1]!.publicClient.waitForTransactionReceipt({ hash })).status).toBe("success");
    expect((await revertOf(mintOn(1, message, genuine))).errorName).toBe("AlreadyProcessed");
    // Same message and signatures on the other remote chain: bound to chain B's domain and id.
    expect((await revertOf(mintOn(2, message, genuine))).errorName).toBe("WrongDestinationChain");
    const retargeted = {
      ...message,
      destinationChainId: BigInt(net.chains[2]!.chainId),
      destinationBridge: net.deployment.chains[2]!.bridge.address,
    };
    expect((await revertOf(mintOn(2, retargeted, genuine))).errorName).toBe("SignerNotInSet");
  });
});
