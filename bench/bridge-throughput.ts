/**
 * Sustained lock -> mint throughput from a traffic generator with many senders, next to the destination
 * gas bound (block gas limit / gas per delivered message), for one message per transaction and for the
 * relayer's mintBatch transactions. Also breaks the time down per stage (lock mined -> quorum signed ->
 * minted), so the bottleneck is visible. One relayer, 5 validators (threshold 4). No assertions.
 *
 * Usage: npx tsx bench/bridge-throughput.ts [transfersPerSender=10] [senders=24] [batchGasCap=30000000]
 *   batchGasCap bounds the gas of one relayer batch (multiproof delivery of one root's messages).
 */
import { createWalletClient, type Hex, http, parseAbiItem, parseEther } from "viem";
import { generatePrivateKey, nonceManager, privateKeyToAccount } from "viem/accounts";
import { bridgeTestTokenAbi, bridgeVaultAbi } from "../contracts/generated/index.js";
import { startBridgeNet, USDC } from "../harness/bridgeNet.js";
import { startTestRelayer, startTestValidator } from "../harness/bridgeServices.js";

const perSender = Number(process.argv[2] ?? 10);
const senderCount = Number(process.argv[3] ?? 24);
const batchGasCap = BigInt(process.argv[4] ?? 30_000_000);
const net = await startBridgeNet({ remotes: 1, blockTimeSeconds: 1, finalityBlocks: 2 });
const validators = await Promise.all([0, 1, 2, 3, 4].map((i) => startTestValidator(net, i)));
const relayer = await startTestRelayer(
  net,
  validators.map((v) => v.url),
  {
    concurrency: 256,
    batch: { gasCap: batchGasCap, windowMs: 150 },
    timing: {
      signaturePollMs: 200,
      fastPolls: 10_000,
      backoffScale: 1,
      receiptTimeoutMs: 20_000,
      stuckAfterMs: 120_000,
    },
  },
);
const [home, remote] = net.chains as [(typeof net.chains)[0], (typeof net.chains)[0]];
const vault = net.deployment.chains[0]!.bridge.address;
const minter = net.deployment.chains[1]!.bridge.address;
const minted = parseAbiItem(
  "event Minted(bytes32 indexed messageId, address indexed token, address indexed recipient, address wrappedToken, uint64 sourceChainId, uint256 amount)",
);
const locked = parseAbiItem(
  "event Locked(bytes32 indexed messageId, address indexed token, address indexed sender, uint64 destinationChainId, address destinationBridge, uint64 nonce, address recipient, uint256 amount)",
);
const total = perSender * senderCount;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
try {
  // Fresh senders with ether and USDC, each pipelining its transactions through viem's nonce manager
  // (no waiting for receipts between sends).
  const senders = Array.from({ length: senderCount }, () =>
    privateKeyToAccount(generatePrivateKey(), { nonceManager }),
  );
  for (const sender of senders) {
    await home.testClient.setBalance({ address: sender.address, value: parseEther("10") });
  }
  const funder = createWalletClient({
    account: privateKeyToAccount(generatePrivateKey(), { nonceManager }),
    chain: home.chain,
    transport: http(home.anvil.rpcUrl),
  });
  await home.testClient.setBalance({ address: funder.account.address, value: parseEther("10") });
  const funding = await Promise.all(
    senders.map((s) =>
      funder.writeContract({
        address: net.usdc,
        abi: bridgeTestTokenAbi,
        functionName: "mint",
        args: [s.address, 1_000_000n * USDC],
        gas: 100_000n,
      }),
    ),
  );
  await Promise.all(funding.map((hash) => home.publicClient.waitForTransactionReceipt({ hash })));

  const startBlock = await remote.publicClient.getBlockNumber();
  const homeStartBlock = await home.publicClient.getBlockNumber();
  const started = Date.now();
  await Promise.all(
    senders.map(async (account) => {
      const wallet = createWalletClient({ account, chain: home.chain, transport: http(home.anvil.rpcUrl) });
      const sends: Promise<Hex>[] = [
        wallet.writeContract({
          address: net.usdc,
          abi: bridgeTestTokenAbi,
          functionName: "approve",
          args: [vault, 2n ** 255n],
          gas: 100_000n,
        }),
      ];
      for (let i = 0; i < perSender; i++) {
        sends.push(
          wallet.writeContract({
            address: vault,
            abi: bridgeVaultAbi,
            functionName: "lock",
            args: [net.usdc, USDC, BigInt(remote.chainId), account.address],
            gas: 200_000n,
          }),
        );
      }
      await Promise.all(sends);
    }),
  );
  const sentIn = (Date.now() - started) / 1000;
  let logs: Awaited<ReturnType<typeof remote.publicClient.getLogs<typeof minted>>> = [];
  const deadline = Date.now() + 300_000;
  while (Date.now() < deadline) {
    logs = await remote.publicClient.getLogs({ address: minter, event: minted, fromBlock: startBlock });
    if (logs.length >= total) break;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  const elapsed = (Date.now() - started) / 1000;
  const blocks = [...new Set(logs.map((l) => l.blockNumber))].sort((a, b) => Number(a - b));
  const first = blocks[0]!;
  const last = blocks.at(-1)!;
  const mintBlocks = Number(last - first) + 1;
  const sustained = logs.length / mintBlocks;
  const gasLimit = Number((await remote.publicClient.getBlock({ blockNumber: first })).gasLimit);

  // Gas per delivered message, per transaction size.
  const byTx = new Map<Hex, number>();
  for (const l of logs) byTx.set(l.transactionHash, (byTx.get(l.transactionHash) ?? 0) + 1);
  const receipts = await Promise.all(
    [...byTx.keys()].map((hash) => remote.publicClient.getTransactionReceipt({ hash })),
  );
  const gasUsed = receipts.reduce((sum, r) => sum + Number(r.gasUsed), 0);
  // The first mint to a fresh recipient pays for cold storage (~161k gas), later ones ~128k: the
  // median of the single-message transactions is the fair one-per-transaction figure.
  const singles = receipts.filter((r) => byTx.get(r.transactionHash) === 1).map((r) => Number(r.gasUsed));
  const gasPerMessage = gasUsed / logs.length;

  // Stage breakdown per message: lock block time -> 4th validator signature -> mint block time.
  const locks = await home.publicClient.getLogs({ address: vault, event: locked, fromBlock: homeStartBlock });
  const blockTime = new Map<string, number>();
  const timeOf = async (client: typeof home.publicClient, tag: string, number: bigint) => {
    const key = `${tag}:${number}`;
    if (!blockTime.has(key))
      blockTime.set(key, Number((await client.getBlock({ blockNumber: number })).timestamp) * 1000);
    return blockTime.get(key)!;
  };
  const mintedAt = new Map(logs.map((l) => [l.args.messageId!, l.blockNumber]));
  const toQuorum: number[] = [];
  const toMint: number[] = [];
  for (const lock of locks) {
    const id = lock.args.messageId!;
    const mintBlock = mintedAt.get(id);
    if (mintBlock === undefined) continue;
    const lockAt = await timeOf(home.publicClient, "home", lock.blockNumber);
    const signedAt = validators
      .map((v) => v.store.attestations(id)[0]?.signedAt)
      .filter((t): t is string => t !== undefined)
      .map((t) => Date.parse(t))
      .sort((a, b) => a - b);
    const quorumAt = signedAt[3];
    if (quorumAt === undefined) continue;
    toQuorum.push((quorumAt - lockAt) / 1000);
    toMint.push(((await timeOf(remote.publicClient, "remote", mintBlock)) - quorumAt) / 1000);
  }

  console.log(
    `${logs.length}/${total} transfers delivered from ${senderCount} senders (${perSender} each, all sent in ${sentIn.toFixed(1)} s) in ${elapsed.toFixed(1)} s wall clock; relayer batch gas cap ${batchGasCap}`,
  );
  console.log(
    `  measured: ${sustained.toFixed(1)} mints/s over ${mintBlocks} blocks (1 s blocks), max ${Math.max(...blocks.map((b) => logs.filter((l) => l.blockNumber === b).length))} in one block, ${byTx.size} mint transactions (${(logs.length / byTx.size).toFixed(1)} messages each)`,
  );
  if (singles.length > 0) {
    const gas = median(singles);
    console.log(
      `  bound, one mint per tx: ${gasLimit} gas/block / ${gas} gas per mint (median of ${singles.length}) = ${(gasLimit / gas).toFixed(0)} mints/s (${((100 * sustained) / (gasLimit / gas)).toFixed(1)}% of it)`,
    );
  }
  console.log(
    `  bound, as delivered: ${gasLimit} gas/block / ${gasPerMessage.toFixed(0)} gas per message = ${(gasLimit / gasPerMessage).toFixed(0)} mints/s (${((100 * sustained) / (gasLimit / gasPerMessage)).toFixed(1)}% of it)`,
  );
  console.log(
    `  stages (median): lock block -> 4th signature ${median(toQuorum).toFixed(2)} s (finality rule: 2 blocks), 4th signature -> mint block ${median(toMint).toFixed(2)} s`,
  );
  // Last line: the figures as one JSON object.
  console.log(
    JSON.stringify({
      delivered: logs.length,
      sent: total,
      mints_per_second_sustained: sustained,
      gas_per_message_as_delivered: gasPerMessage,
      throughput_share_of_bound_as_delivered: sustained / (gasLimit / gasPerMessage),
      lock_to_quorum_median_seconds: median(toQuorum),
      quorum_to_mint_median_seconds: median(toMint),
    }),
  );
} finally {
  await relayer.stop();
  await Promise.all(validators.map((v) => v.stop()));
  await net.stop();
}
process.exit(0);
