import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { createWalletClient, type Hex, http, parseEventLogs } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { bridgeMinterAbi, bridgeTestTokenAbi, bridgeVaultAbi } from "../contracts/generated/index.js";
import { type BridgeMessage, messageFromLockedLog, messageId } from "../lib/bridge/message.js";
import { devnetKeys } from "../lib/devnet/accounts.js";
import { logger } from "../lib/logger.js";
import { type RelayerConfig, type RunningRelayer, startRelayer } from "../relayer/service.js";
import { type RunningValidator, startValidator } from "../validator/service.js";
import type { BridgeNet } from "./bridgeNet.js";

export const quiet = logger.child({}, { level: process.env.TEST_LOG_LEVEL ?? "silent" });
export const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
export const DATABASE_URL = process.env.DATABASE_URL ?? "postgresql://127.0.0.1:5432/test";

/** A name no other test (or earlier run) uses: queue prefixes and database schemas. */
export function uniqueName(label: string): string {
  return `t_${label}_${randomBytes(4).toString("hex")}`;
}

export async function startTestValidator(
  net: BridgeNet,
  index: number,
  options: { rpcOverride?: Map<number, string>; port?: number } = {},
): Promise<RunningValidator> {
  return startValidator({
    privateKey: devnetKeys.validators[index]!,
    port: options.port ?? 0,
    deployment: net.deployment,
    chains: net.validatorChains(options.rpcOverride),
    dataDir: join(net.dir, `validator-${index}`),
    logger: quiet,
  });
}

export function relayerConfig(
  net: BridgeNet,
  validatorUrls: string[],
  overrides: Partial<RelayerConfig> = {},
): RelayerConfig {
  return {
    privateKey: devnetKeys.relayer,
    redisUrl: REDIS_URL,
    queuePrefix: uniqueName("q"),
    database: { url: DATABASE_URL, dataDir: join(net.dir, "pglite"), schema: uniqueName("relayer") },
    validatorUrls,
    deployment: net.deployment,
    chains: net.chains.map((c) => ({
      chainId: c.chainId,
      rpcUrl: c.anvil.rpcUrl,
      pollMs: 100,
      finality: { kind: "confirmations" as const, blocks: net.finalityBlocks },
      blockTimeMs: net.blockTimeSeconds * 1000,
    })),
    port: 0,
    timing: {
      signaturePollMs: 150,
      fastPolls: 1_000,
      backoffScale: 0.2,
      receiptTimeoutMs: 5_000,
      stuckAfterMs: 2_000,
    },
    lockDurationMs: 4_000,
    stalledIntervalMs: 2_000,
    logger: quiet,
    ...overrides,
  };
}

export async function startTestRelayer(
  net: BridgeNet,
  validatorUrls: string[],
  overrides: Partial<RelayerConfig> = {},
): Promise<RunningRelayer> {
  return startRelayer(relayerConfig(net, validatorUrls, overrides));
}

/** Locks `amount` USDC from a demo user toward `destinationIndex` (default the first remote chain). */
export async function lockUsdc(
  net: BridgeNet,
  amount: bigint,
  options: { user?: number; destinationIndex?: number } = {},
): Promise<{ message: BridgeMessage; id: Hex }> {
  const home = net.chains[0]!;
  const user = privateKeyToAccount(devnetKeys.users[options.user ?? 0]!);
  const wallet = createWalletClient({ account: user, chain: home.chain, transport: http(home.anvil.rpcUrl) });
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
    args: [net.usdc, amount, BigInt(net.chains[options.destinationIndex ?? 1]!.chainId), user.address],
  });
  const receipt = await home.publicClient.waitForTransactionReceipt({ hash });
  const [log] = parseEventLogs({ abi: bridgeVaultAbi, eventName: "Locked", logs: receipt.logs });
  const message = messageFromLockedLog({ log: log!, sourceChainId: home.chainId });
  return { message, id: messageId(message) };
}

/**
 * Locks each of `amounts` USDC from one demo user in a single block of the home chain: interval mining
 * is paused while the transactions enter the pool, one block is mined, then mining resumes at the
 * net's (whole-second) block time. Returns the messages in nonce order and the block.
 */
export async function lockInOneBlock(
  net: BridgeNet,
  amounts: readonly bigint[],
  options: { user?: number; destinationIndex?: number } = {},
): Promise<{ sent: { message: BridgeMessage; id: Hex }[]; blockNumber: bigint }> {
  const home = net.chains[0]!;
  const user = privateKeyToAccount(devnetKeys.users[options.user ?? 0]!);
  const wallet = createWalletClient({ account: user, chain: home.chain, transport: http(home.anvil.rpcUrl) });
  const vault = net.deployment.chains[0]!.bridge.address;
  const total = amounts.reduce((a, b) => a + b, 0n);
  await home.publicClient.waitForTransactionReceipt({
    hash: await wallet.writeContract({
      address: net.usdc,
      abi: bridgeTestTokenAbi,
      functionName: "approve",
      args: [vault, total],
    }),
  });
  const destination = BigInt(net.chains[options.destinationIndex ?? 1]!.chainId);
  await home.testClient.setIntervalMining({ interval: 0 });
  try {
    let nonce = await home.publicClient.getTransactionCount({ address: user.address, blockTag: "pending" });
    const hashes: Hex[] = [];
    for (const amount of amounts) {
      hashes.push(
        await wallet.writeContract({
          address: vault,
          abi: bridgeVaultAbi,
          functionName: "lock",
          args: [net.usdc, amount, destination, user.address],
          nonce: nonce++,
          gas: 300_000n,
        }),
      );
    }
    await home.testClient.mine({ blocks: 1 });
    const receipts = await Promise.all(
      hashes.map((hash) => home.publicClient.waitForTransactionReceipt({ hash })),
    );
    const sent = receipts.map((receipt) => {
      const [log] = parseEventLogs({ abi: bridgeVaultAbi, eventName: "Locked", logs: receipt.logs });
      const message = messageFromLockedLog({ log: log!, sourceChainId: home.chainId });
      return { message, id: messageId(message) };
    });
    return { sent, blockNumber: receipts[0]!.blockNumber };
  } finally {
    await home.testClient.setIntervalMining({ interval: Math.max(1, Math.round(net.blockTimeSeconds)) });
  }
}

export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
}

export async function relayerRecord(relayer: { url: string }, id: Hex) {
  const response = await fetch(`${relayer.url}/v1/messages/${id}`);
  if (!response.ok) return undefined;
  return (await response.json()) as {
    message: {
      status: string;
      stuckReason: string | null;
      deliveredBy: string | null;
      destinationTxHash: string | null;
      deliveredRoot: string | null;
      sourceBlock: number;
      sourceTxHash: Hex;
    };
  };
}

function destinationOf(net: BridgeNet, message: BridgeMessage) {
  const index = net.chains.findIndex((c) => BigInt(c.chainId) === message.destinationChainId);
  return { chain: net.chains[index]!, deployed: net.deployment.chains[index]! };
}

/**
 * Whether the destination delivered `message`, by either path: its source nonce's bit in the
 * destination's bitmap (the proof path sets no `processed[id]`; both paths set the bit).
 */
export function isDelivered(net: BridgeNet, message: BridgeMessage): Promise<boolean> {
  const { chain, deployed } = destinationOf(net, message);
  return chain.publicClient.readContract({
    address: deployed.bridge.address,
    abi: bridgeMinterAbi,
    functionName: "isNonceDelivered",
    args: [message.sourceChainId, message.sourceBridge, message.nonce],
  });
}

/** The Minted/Released events on `message`'s destination that carry its id, with their transactions. */
export async function deliveryEvents(
  net: BridgeNet,
  message: BridgeMessage,
): Promise<{ transactionHash: Hex; blockNumber: bigint }[]> {
  const { chain, deployed } = destinationOf(net, message);
  const id = messageId(message);
  const logs = await chain.publicClient.getLogs({
    address: deployed.bridge.address,
    events: [
      bridgeMinterAbi.find((i) => i.type === "event" && i.name === "Minted")!,
      bridgeVaultAbi.find((i) => i.type === "event" && i.name === "Released")!,
    ],
    fromBlock: 0n,
    strict: true,
  });
  return logs
    .filter((l) => (l.args as { messageId: Hex }).messageId === id)
    .map((l) => ({ transactionHash: l.transactionHash, blockNumber: l.blockNumber }));
}
