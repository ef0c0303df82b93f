/**
 * Bridge traffic from its own process, as a user's wallets would send it: reads its configuration
 * (sender keys included) from the JSON file named by argv[2], approves the vault from every sender
 * (locks only), then sends transfers at `locksPerSecond` for `seconds`, round-robin over the senders.
 * Prints one JSON line when done.
 *
 * - `kind` "lock" (default): `BridgeVault.lock` of `token` on the home chain; "burn": `WrappedToken.burn`
 *   of the wrapped `token` on a remote chain (no approval needed), toward `destinationChainId`.
 * - `amount`, or a uniformly random amount in [`amount`, `amountMax`] when `amountMax` is set.
 * - `randomRecipients`: a fresh random recipient per transfer (default: the sender itself).
 * - `closedLoop`: each sender waits for its receipt before its next transfer and takes its nonce from the
 *   chain's pending count every time. Slower, but it survives a reorg that drops mined transactions (a
 *   pipelining nonce manager would keep counting from the lost nonces and every later transaction would
 *   wait in the pool for ever). Without it each sender pipelines its nonces (no wait for receipts).
 */
import { readFileSync } from "node:fs";
import { type Address, createPublicClient, createWalletClient, type Hex, http } from "viem";
import { generatePrivateKey, nonceManager, privateKeyToAccount } from "viem/accounts";
import { bridgeTestTokenAbi, bridgeVaultAbi, wrappedTokenAbi } from "../contracts/generated/index.js";
import { errorSummary } from "../lib/errors.js";

export type LoadConfig = {
  rpcUrl: string;
  chainId: number;
  vault: Address;
  token: Address;
  destinationChainId: number;
  amount: string;
  amountMax?: string;
  kind?: "lock" | "burn";
  randomRecipients?: boolean;
  closedLoop?: boolean;
  senderKeys: Hex[];
  locksPerSecond: number;
  seconds: number;
};

const config = JSON.parse(readFileSync(process.argv[2]!, "utf8")) as LoadConfig;
const kind = config.kind ?? "lock";
const chain = {
  id: config.chainId,
  name: "load",
  nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
  rpcUrls: { default: { http: [config.rpcUrl] } },
} as const;
/** Round-trip milliseconds per JSON-RPC method, so a slow node shows which requests it was slow at. */
const rpcTimes = new Map<string, number[]>();
const timedFetch: typeof fetch = async (input, init) => {
  const started = performance.now();
  const method =
    typeof init?.body === "string" ? (JSON.parse(init.body) as { method?: string }).method : undefined;
  try {
    return await fetch(input, init);
  } finally {
    const key = method ?? "other";
    if (!rpcTimes.has(key)) rpcTimes.set(key, []);
    rpcTimes.get(key)!.push(performance.now() - started);
  }
};
const transport = http(config.rpcUrl, { batch: false, fetchFn: timedFetch });
const publicClient = createPublicClient({ chain, transport, pollingInterval: 250 });
const wallets = config.senderKeys.map((key) =>
  createWalletClient({
    account: privateKeyToAccount(key, config.closedLoop ? {} : { nonceManager }),
    chain,
    transport,
  }),
);
type Wallet = (typeof wallets)[number];
if (kind === "lock") {
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
}

const low = BigInt(config.amount);
const span = config.amountMax === undefined ? 0n : BigInt(config.amountMax) - low;
const randomAmount = () =>
  span <= 0n ? low : low + (BigInt(Math.floor(Math.random() * 1e9)) * span) / 10n ** 9n;
const recipientFor = (wallet: Wallet) =>
  config.randomRecipients ? privateKeyToAccount(generatePrivateKey()).address : wallet.account.address;

function send(wallet: Wallet, nonce?: number): Promise<Hex> {
  const recipient = recipientFor(wallet);
  const amount = randomAmount();
  const destination = BigInt(config.destinationChainId);
  if (kind === "burn")
    return wallet.writeContract({
      address: config.token,
      abi: wrappedTokenAbi,
      functionName: "burn",
      args: [amount, destination, recipient],
      gas: 200_000n,
      nonce,
    });
  return wallet.writeContract({
    address: config.vault,
    abi: bridgeVaultAbi,
    functionName: "lock",
    args: [config.token, amount, destination, recipient],
    gas: 200_000n,
    nonce,
  });
}

/** Closed loop: the chain's pending nonce each time, then the receipt (or a timeout) before returning. */
async function sendAndWait(wallet: Wallet): Promise<void> {
  const nonce = await publicClient.getTransactionCount({
    address: wallet.account.address,
    blockTag: "pending",
  });
  const hash = await send(wallet, nonce);
  const receipt = await publicClient.waitForTransactionReceipt({ hash, timeout: 15_000 });
  if (receipt.status !== "success") throw new Error(`${kind} ${hash} reverted`);
}

let sent = 0;
let failed = 0;
let firstError: string | undefined;
const inFlight = new Set<Promise<void>>();
const busy = new Set<Wallet>();
const started = performance.now();
const total = Math.round(config.locksPerSecond * config.seconds);
for (let i = 0; i < total; i++) {
  // Open-loop pacing: send number i at i / rate seconds, whatever the earlier ones are doing.
  const due = started + (i * 1000) / config.locksPerSecond;
  const wait = due - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  let wallet = wallets[i % wallets.length]!;
  if (config.closedLoop) {
    // The next idle sender; when all are waiting for receipts, wait for one to finish.
    while (busy.size === wallets.length) await Promise.race(inFlight);
    wallet = wallets.find((w) => !busy.has(w))!;
    busy.add(wallet);
  }
  const p: Promise<void> = (config.closedLoop ? sendAndWait(wallet) : send(wallet).then(() => undefined))
    .then(
      () => {
        sent++;
      },
      (error: Error) => {
        failed++;
        firstError ??= errorSummary(error);
      },
    )
    .finally(() => {
      inFlight.delete(p);
      busy.delete(wallet);
    });
  inFlight.add(p);
  if (i > 0 && i % Math.round(config.locksPerSecond * 10) === 0)
    console.error(`load: ${i}/${total} sent in ${((performance.now() - started) / 1000).toFixed(0)} s`);
}
await Promise.all(inFlight);
const seconds = (performance.now() - started) / 1000;
const rpcMs = Object.fromEntries(
  [...rpcTimes].map(([method, times]) => {
    times.sort((a, b) => a - b);
    const at = (q: number) => Math.round(times[Math.min(times.length - 1, Math.floor(times.length * q))]!);
    return [method, { count: times.length, p50: at(0.5), p95: at(0.95), max: at(1) }];
  }),
);
console.log(JSON.stringify({ sent, failed, seconds, firstError: firstError ?? null, rpcMs }));
