/**
 * Sustained lock -> mint throughput with several senders, next to the destination gas bound (block gas
 * limit / gas per mint). One relayer, one message per transaction (no batching). No assertions.
 *
 * Usage: npx tsx bench/bridge-throughput.ts [transfersPerSender]
 */
import { createWalletClient, http, parseAbiItem } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { bridgeTestTokenAbi, bridgeVaultAbi } from "../contracts/generated/index.js";
import { devnetKeys } from "../devnet/accounts.js";
import { startTestRelayer, startTestValidator } from "../test/bridge/harness.js";
import { startBridgeNet, USDC } from "../test/helpers/bridgeNet.js";

const perSender = Number(process.argv[2] ?? 60);
const net = await startBridgeNet({ remotes: 1, blockTimeSeconds: 1, finalityBlocks: 2 });
const validators = await Promise.all([0, 1, 2, 3, 4].map((i) => startTestValidator(net, i)));
const relayer = await startTestRelayer(
  net,
  validators.map((v) => v.url),
  {
    concurrency: 64,
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
const total = perSender * devnetKeys.users.length;
try {
  const startBlock = await remote.publicClient.getBlockNumber();
  const started = Date.now();
  await Promise.all(
    devnetKeys.users.map(async (key) => {
      const account = privateKeyToAccount(key);
      const wallet = createWalletClient({ account, chain: home.chain, transport: http(home.anvil.rpcUrl) });
      let nonce = await home.publicClient.getTransactionCount({ address: account.address });
      await wallet.writeContract({
        address: net.usdc,
        abi: bridgeTestTokenAbi,
        functionName: "approve",
        args: [vault, 2n ** 255n],
        nonce: nonce++,
      });
      for (let i = 0; i < perSender; i++) {
        await wallet.writeContract({
          address: vault,
          abi: bridgeVaultAbi,
          functionName: "lock",
          args: [net.usdc, USDC, BigInt(remote.chainId), account.address],
          nonce: nonce++,
          gas: 200_000n,
        });
      }
    }),
  );
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
  const receipt = await remote.publicClient.getTransactionReceipt({ hash: logs[0]!.transactionHash });
  const block = await remote.publicClient.getBlock({ blockNumber: first });
  const gasPerMint = Number(receipt.gasUsed);
  const bound = Number(block.gasLimit) / gasPerMint; // mints per 1 s block
  const sustained = logs.length / mintBlocks;
  console.log(
    `${logs.length}/${total} transfers delivered from ${devnetKeys.users.length} senders in ${elapsed.toFixed(1)} s wall clock`,
  );
  console.log(
    `  sustained: ${sustained.toFixed(1)} mints/s over ${mintBlocks} blocks (1 s blocks), max ${Math.max(...blocks.map((b) => logs.filter((l) => l.blockNumber === b).length))} in one block`,
  );
  console.log(
    `  gas bound: ${Number(block.gasLimit)} gas/block / ${gasPerMint} gas per mint = ${bound.toFixed(0)} mints/s (${((100 * sustained) / bound).toFixed(1)}% reached)`,
  );
} finally {
  await relayer.stop();
  await Promise.all(validators.map((v) => v.stop()));
  await net.stop();
}
process.exit(0);
