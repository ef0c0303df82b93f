/**
 * The load of bench/bridge-throughput.ts, in its own process as a user's wallets would be: reads its
 * configuration (sender keys included) from the JSON file named by argv[2], approves the vault from every
 * sender, then sends `lock` transactions at `locksPerSecond` for `seconds`, round-robin over the senders,
 * each sender pipelining its nonces (no wait for receipts). Prints one JSON line when done.
 */
import { readFileSync } from "node:fs";
import { type Address, createWalletClient, type Hex, http } from "viem";
import { nonceManager, privateKeyToAccount } from "viem/accounts";
import { bridgeTestTokenAbi, bridgeVaultAbi } from "../../contracts/generated/index.js";
import { errorSummary } from "../../lib/errors.js";

export type LoadConfig = {
  rpcUrl: string;
  chainId: number;
  vault: Address;
  token: Address;
  destinationChainId: number;
  amount: string;
  senderKeys: Hex[];
  locksPerSecond: number;
  seconds: number;
};

const config = JSON.parse(readFileSync(process.argv[2]!, "utf8")) as LoadConfig;
const chain = {
  id: config.chainId,
  name: "home",
  nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
  rpcUrls: { default: { http: [config.rpcUrl] } },
} as const;
const wallets = config.senderKeys.map((key) =>
  createWalletClient({
    account: privateKeyToAccount(key, { nonceManager }),
    chain,
    transport: http(config.rpcUrl, { batch: false }),
  }),
);
await Promise.all(
  wallets.map((w) =>
    w.writeContract({
      address: config.token,
      abi: bridgeTestTokenAbi,
      functionName: "approve",
      args: [config.vault, 2n ** 255n],
      gas: 100_000n,
    }),
  ),
);
// Let the approvals be mined before the first lock needs them.
await new Promise((r) => setTimeout(r, 2_500));

let sent = 0;
let failed = 0;
let firstError: string | undefined;
const inFlight = new Set<Promise<void>>();
const started = performance.now();
const total = Math.round(config.locksPerSecond * config.seconds);
for (let i = 0; i < total; i++) {
  // Open-loop pacing: send number i at i / rate seconds, whatever the earlier ones are doing.
  const due = started + (i * 1000) / config.locksPerSecond;
  const wait = due - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  const wallet = wallets[i % wallets.length]!;
  const p: Promise<void> = wallet
    .writeContract({
      address: config.vault,
      abi: bridgeVaultAbi,
      functionName: "lock",
      args: [config.token, BigInt(config.amount), BigInt(config.destinationChainId), wallet.account.address],
      gas: 200_000n,
    })
    .then(
      () => {
        sent++;
      },
      (error: Error) => {
        failed++;
        firstError ??= errorSummary(error);
      },
    )
    .finally(() => inFlight.delete(p));
  inFlight.add(p);
  if (i > 0 && i % Math.round(config.locksPerSecond * 10) === 0)
    console.error(`load: ${i}/${total} sent in ${((performance.now() - started) / 1000).toFixed(0)} s`);
}
await Promise.all(inFlight);
const seconds = (performance.now() - started) / 1000;
console.log(JSON.stringify({ sent, failed, seconds, firstError: firstError ?? null }));
