import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { createWalletClient, type Hex, http, parseEther } from "viem";
import { generatePrivateKey, nonceManager, privateKeyToAccount } from "viem/accounts";
import { bridgeTestTokenAbi, bridgeVaultAbi, wrappedTokenAbi } from "../../contracts/generated/index.js";
import type { LoadConfig } from "../bridgeLoad.js";
import { type BridgeNet, USDC } from "../bridgeNet.js";
import { type Service, startNode } from "../nodeProcess.js";

/**
 * Wallets for the soak's load: fresh keys with ether on both chains and test USDC at home. Burners also
 * lock `burnerFloat` USDC to themselves on the remote chain, so they hold wUSDC to burn once the
 * bridge has delivered it (waitForFloat).
 */
export async function fundSenders(
  net: BridgeNet,
  counts: { lockers: number; burners: number },
  burnerFloat = 100_000n * USDC,
): Promise<{ lockers: Hex[]; burners: Hex[] }> {
  const [home] = net.chains;
  const lockers = Array.from({ length: counts.lockers }, () => generatePrivateKey());
  const burners = Array.from({ length: counts.burners }, () => generatePrivateKey());
  const funder = createWalletClient({
    account: privateKeyToAccount(generatePrivateKey(), { nonceManager }),
    chain: home!.chain,
    transport: http(home!.anvil.rpcUrl),
  });
  await home!.testClient.setBalance({ address: funder.account.address, value: parseEther("100") });
  const mints: Hex[] = [];
  for (const key of [...lockers, ...burners]) {
    const address = privateKeyToAccount(key).address;
    for (const chain of net.chains) await chain.testClient.setBalance({ address, value: parseEther("100") });
    mints.push(
      await funder.writeContract({
        address: net.usdc,
        abi: bridgeTestTokenAbi,
        functionName: "mint",
        args: [address, 10_000_000n * USDC],
        gas: 100_000n,
      }),
    );
  }
  await Promise.all(mints.map((hash) => home!.publicClient.waitForTransactionReceipt({ hash })));
  const vault = net.deployment.chains[0]!.bridge.address;
  const remoteChainId = BigInt(net.chains[1]!.chainId);
  for (const key of burners) {
    const wallet = createWalletClient({
      account: privateKeyToAccount(key),
      chain: home!.chain,
      transport: http(home!.anvil.rpcUrl),
    });
    await home!.publicClient.waitForTransactionReceipt({
      hash: await wallet.writeContract({
        address: net.usdc,
        abi: bridgeTestTokenAbi,
        functionName: "approve",
        args: [vault, burnerFloat],
      }),
    });
    await home!.publicClient.waitForTransactionReceipt({
      hash: await wallet.writeContract({
        address: vault,
        abi: bridgeVaultAbi,
        functionName: "lock",
        args: [net.usdc, burnerFloat, remoteChainId, wallet.account.address],
      }),
    });
  }
  return { lockers, burners };
}

/** Waits until every burner holds wUSDC on the remote chain (its float was delivered). */
export async function waitForFloat(net: BridgeNet, burners: Hex[], timeoutMs = 120_000): Promise<void> {
  const remote = net.chains[1]!;
  const wrapped = net.wrappedUsdc.get(remote.chainId)!;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const balances = await Promise.all(
      burners.map((key) =>
        remote.publicClient.readContract({
          address: wrapped,
          abi: wrappedTokenAbi,
          functionName: "balanceOf",
          args: [privateKeyToAccount(key).address],
        }),
      ),
    );
    if (balances.every((b) => b > 0n)) return;
    if (Date.now() > deadline) throw new Error("the burners' wUSDC float was not delivered in time");
    await new Promise((r) => setTimeout(r, 500));
  }
}

export type LoadPlan = { transfersPerSecond: number; seconds: number; amountMin: bigint; amountMax: bigint };

/**
 * Starts harness/bridgeLoad.ts in its own process: closed-loop senders (they survive a reorg), random
 * amounts and recipients; locks at home toward the remote chain, or burns on the remote toward home.
 */
export function startLoad(
  net: BridgeNet,
  kind: "lock" | "burn",
  keys: Hex[],
  plan: LoadPlan,
  logDir: string,
): Service {
  const [home, remote] = net.chains as [BridgeNet["chains"][0], BridgeNet["chains"][0]];
  const source = kind === "lock" ? home : remote;
  const config: LoadConfig = {
    rpcUrl: source.anvil.rpcUrl,
    chainId: source.chainId,
    vault: net.deployment.chains[0]!.bridge.address,
    token: kind === "lock" ? net.usdc : net.wrappedUsdc.get(remote.chainId)!,
    destinationChainId: (kind === "lock" ? remote : home).chainId,
    amount: plan.amountMin.toString(),
    amountMax: plan.amountMax.toString(),
    kind,
    randomRecipients: true,
    closedLoop: true,
    senderKeys: keys,
    locksPerSecond: plan.transfersPerSecond,
    seconds: plan.seconds,
  };
  const file = join(net.dir, `load-${kind}.json`);
  writeFileSync(file, JSON.stringify(config));
  return startNode(
    `load-${kind}`,
    ["--import", "tsx", "harness/bridgeLoad.ts", file],
    {},
    join(logDir, `load-${kind}.log`),
  );
}
