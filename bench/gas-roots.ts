/**
 * Gas per delivered message on the root path (one quorum-signed Merkle root, then a multiproof batch)
 * against today's per-message path (`mint`, `mintBatch`), side by side, on the remote minter with a
 * 4-of-5 validator set. Batches of 1, 16, 64 and the largest that fits a 30M-gas block; recipients that
 * already hold the wrapped token ("holders") and fresh ones. Root-path figures include the amortized
 * `submitRoot` transaction. Messages are built directly (the minter cannot see the home chain; it
 * checks the quorum), so only the destination chain runs.
 *
 * Usage: npx tsx bench/gas-roots.ts [runs=3]
 * The last line printed is one JSON object of numbers: every figure, and where the gas of a batch of 64
 * goes (`breakdown_batch_64_*`).
 */
import {
  type Account,
  type Address,
  type Chain,
  createPublicClient,
  createWalletClient,
  defineChain,
  getAddress,
  type Hash,
  type Hex,
  http,
  keccak256,
  type PublicClient,
  parseEventLogs,
  type Transport,
  toHex,
  type WalletClient,
} from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { bridgeMinterAbi } from "../contracts/generated/index.js";
import { deployBridgeRemote } from "../deploy/bridge.js";
import { startAnvil } from "../devnet/anvil.js";
import { buildMessageTree, messageMultiProof, messageProof } from "../lib/bridge/merkle.js";
import { type BridgeMessage, MESSAGE_VERSION } from "../lib/bridge/message.js";
import {
  attestationTypedData,
  rootAttestationArgument,
  rootAttestationTypedData,
  sortAddresses,
} from "../lib/bridge/typedData.js";
import { executionBreakdown } from "./gasBreakdown.js";

const RUNS = Number(process.argv[2] ?? 3);
const HOME = 1337;
const REMOTE = 1338;
const BLOCK_GAS = 30_000_000n;
const MNEMONIC = "test test test test test test test test test test test junk";
const HOLDERS = 2_600;

const median = (values: bigint[]) =>
  [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))[values.length >> 1]!;
const address = (label: string): Address => getAddress(`0x${keccak256(toHex(label)).slice(26)}`);

/** Gas the calldata itself costs (EIP-2028: 4 per zero byte, 16 per other byte). */
function calldataGas(input: Hex): bigint {
  let gas = 0n;
  for (let i = 2; i < input.length; i += 2) gas += input.slice(i, i + 2) === "00" ? 4n : 16n;
  return gas;
}

async function main() {
  // Block-filling batches would otherwise raise the base fee 12.5% a block and strand a transaction
  // priced a block earlier; gas used does not depend on the price.
  const anvil = await startAnvil({
    chainId: REMOTE,
    gasLimit: BLOCK_GAS,
    args: ["--block-base-fee-per-gas", "0"],
  });
  try {
    const chain = defineChain({
      id: REMOTE,
      name: "gas-roots",
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [anvil.rpcUrl] } },
    });
    const transport = http(anvil.rpcUrl, { timeout: 120_000 });
    const publicClient = createPublicClient({ chain, transport, pollingInterval: 50 }) as PublicClient;
    const wallet = (account: Account): WalletClient<Transport, Chain, Account> =>
      createWalletClient({ account, chain, transport });
    const owner = mnemonicToAccount(MNEMONIC, { addressIndex: 0 });
    const relayer = wallet(mnemonicToAccount(MNEMONIC, { addressIndex: 2 }));
    const validatorAccounts = [10, 11, 12, 13, 14].map((i) =>
      mnemonicToAccount(MNEMONIC, { addressIndex: i }),
    );
    const quorum = sortAddresses(validatorAccounts.map((v) => v.address))
      .slice(0, 4)
      .map((a) => validatorAccounts.find((v) => v.address === a)!);
    const homeVault = address("home vault");
    const homeUsdc = address("home usdc");

    const deployment = await deployBridgeRemote({
      walletClient: wallet(owner),
      publicClient,
      validators: validatorAccounts.map((v) => v.address),
      threshold: 4n,
      graceSeconds: 600n,
      maxPauseSeconds: 3600n,
      homeChainId: HOME,
      wrappedTokens: [
        { homeToken: homeUsdc, name: "Wrapped USDC", symbol: "wUSDC", decimals: 6, mintCeiling: 10n ** 30n },
      ],
    });
    const minter = deployment.minter.address;
    const send = async (pending: Promise<Hash>) => {
      const hash = await pending;
      // Under load, automining anvil sometimes leaves a block-sized transaction in its pool until the
      // next block is triggered; mining an empty block releases it and changes no figure (gas is per tx).
      for (let attempt = 0; ; attempt++) {
        const receipt = await publicClient
          .waitForTransactionReceipt({ hash, timeout: 15_000 })
          .catch(() => undefined);
        if (receipt) {
          if (receipt.status !== "success") throw new Error(`reverted: ${receipt.transactionHash}`);
          return receipt;
        }
        if (attempt === 8) throw new Error(`transaction ${hash} not mined after ${attempt} nudges`);
        await publicClient.request({ method: "evm_mine" as never, params: [] as never });
      }
    };
    await send(
      wallet(owner).writeContract({
        address: minter,
        abi: bridgeMinterAbi,
        functionName: "setRoute",
        args: [BigInt(HOME), homeVault],
      }),
    );

    let nonce = 0n;
    let freshCount = 0;
    const holders = Array.from({ length: HOLDERS }, (_, i) => address(`holder ${i}`));
    const fresh = (n: number) => Array.from({ length: n }, () => address(`fresh ${freshCount++}`));
    const messagesFor = (recipients: Address[]): BridgeMessage[] =>
      recipients.map((recipient) => ({
        version: MESSAGE_VERSION,
        sourceChainId: BigInt(HOME),
        destinationChainId: BigInt(REMOTE),
        sourceBridge: homeVault,
        destinationBridge: minter,
        nonce: ++nonce,
        token: homeUsdc,
        sender: recipient,
        recipient,
        amount: 1_000_000n,
      }));

    type Measured = { perMessage: bigint; txGas: bigint; submitGas: bigint; calldata: bigint; hash: Hash };

    /** Root path: submitRoot, then one multiproof batch (or mintWithProof for a single message). */
    const rootPath = async (recipients: Address[]): Promise<Measured> => {
      const tree = buildMessageTree(messagesFor(recipients));
      const attestation = {
        sourceChainId: BigInt(HOME),
        sourceBridge: homeVault,
        destinationChainId: BigInt(REMOTE),
        destinationBridge: minter,
        epoch: 1n,
        firstNonce: tree.firstNonce,
        lastNonce: tree.lastNonce,
        root: tree.root,
      };
      const typedData = rootAttestationTypedData(attestation);
      const signatures = await Promise.all(quorum.map((v) => v.signTypedData(typedData)));
      const submitted = await send(
        relayer.writeContract({
          address: minter,
          abi: bridgeMinterAbi,
          functionName: "submitRoot",
          args: [rootAttestationArgument(attestation), signatures],
        }),
      );
      let hash: Promise<Hash>;
      if (recipients.length === 1) {
        hash = relayer.writeContract({
          address: minter,
          abi: bridgeMinterAbi,
          functionName: "mintWithProof",
          args: [tree.messages[0]!, tree.root, messageProof(tree, tree.firstNonce)],
        });
      } else {
        const batch = messageMultiProof(
          tree,
          tree.messages.map((m) => m.nonce),
        );
        hash = relayer.writeContract({
          address: minter,
          abi: bridgeMinterAbi,
          functionName: "mintBatchWithProof",
          args: [batch.messages, tree.root, batch.proof, batch.proofFlags],
          gas: BLOCK_GAS,
        });
      }
      const receipt = await send(hash);
      const minted = parseEventLogs({ abi: bridgeMinterAbi, eventName: "Minted", logs: receipt.logs }).length;
      if (minted !== recipients.length) throw new Error(`minted ${minted} of ${recipients.length}`);
      const tx = await publicClient.getTransaction({ hash: receipt.transactionHash });
      return {
        perMessage: (submitted.gasUsed + receipt.gasUsed) / BigInt(recipients.length),
        txGas: receipt.gasUsed,
        submitGas: submitted.gasUsed,
        calldata: calldataGas(tx.input),
        hash: receipt.transactionHash,
      };
    };

    const signMessage = async (message: BridgeMessage) => {
      const typedData = attestationTypedData(message, 1n);
      return Promise.all(quorum.map((v) => v.signTypedData(typedData)));
    };
    /** Today's path: `mint` for one message, `mintBatch` (k signatures per message) for more. */
    const messagePath = async (recipients: Address[]): Promise<Measured> => {
      const messages = messagesFor(recipients);
      const signatures = await Promise.all(messages.map(signMessage));
      const receipt = await send(
        recipients.length === 1
          ? relayer.writeContract({
              address: minter,
              abi: bridgeMinterAbi,
              functionName: "mint",
              args: [messages[0]!, 1n, signatures[0]!],
            })
          : relayer.writeContract({
              address: minter,
              abi: bridgeMinterAbi,
              functionName: "mintBatch",
              args: [messages, 1n, signatures],
              gas: BLOCK_GAS,
            }),
      );
      const tx = await publicClient.getTransaction({ hash: receipt.transactionHash });
      return {
        perMessage: receipt.gasUsed / BigInt(recipients.length),
        txGas: receipt.gasUsed,
        submitGas: 0n,
        calldata: calldataGas(tx.input),
        hash: receipt.transactionHash,
      };
    };

    // Holders first receive tokens through the root path (not measured), in block-sized chunks.
    for (let i = 0; i < HOLDERS; i += 500) await rootPath(holders.slice(i, i + 500));

    let holderCursor = 0;
    const nextHolders = (n: number) => {
      const picked = Array.from({ length: n }, (_, i) => holders[(holderCursor + i) % HOLDERS]!);
      holderCursor = (holderCursor + n) % HOLDERS;
      return picked;
    };
    const recipientsOf = (kind: "holders" | "fresh", n: number) =>
      kind === "holders" ? nextHolders(n) : fresh(n);

    type Row = { path: string; kind: string; batch: number; measured: Measured };
    const rows: Row[] = [];
    const measure = async (
      path: "root" | "message",
      kind: "holders" | "fresh",
      batch: number,
      runs: number,
    ) => {
      process.stderr.write(`measuring ${path} ${kind} x${batch}\n`);
      const results: Measured[] = [];
      for (let r = 0; r < runs; r++) {
        const recipients = recipientsOf(kind, batch);
        results.push(await (path === "root" ? rootPath(recipients) : messagePath(recipients)));
      }
      const mid = median(results.map((m) => m.perMessage));
      const measured = results.find((m) => m.perMessage === mid)!;
      rows.push({ path, kind, batch, measured });
      return measured;
    };

    /** The largest batch whose delivery transaction fits the block, from two measured sizes. */
    const largestFit = async (
      path: "root" | "message",
      kind: "holders" | "fresh",
      small: Measured,
      big: Measured,
      sizes: [number, number],
    ) => {
      const marginal = Number(big.txGas - small.txGas) / (sizes[1] - sizes[0]);
      const fixed = Number(big.txGas) - marginal * sizes[1];
      let size = Math.floor((Number(BLOCK_GAS) - fixed) / marginal);
      for (;;) {
        try {
          return { size, measured: await measure(path, kind, size, 1) };
        } catch (error) {
          size = Math.floor(size * 0.98);
          if (size < sizes[1]) throw error;
        }
      }
    };

    const figures: Record<string, number> = {};
    for (const kind of ["holders", "fresh"] as const) {
      const root1 = await measure("root", kind, 1, RUNS);
      const root16 = await measure("root", kind, 16, RUNS);
      const root64 = await measure("root", kind, 64, RUNS);
      const rootMax = await largestFit("root", kind, root16, root64, [16, 64]);
      const mint1 = await measure("message", kind, 1, RUNS);
      const batch16 = await measure("message", kind, 16, RUNS);
      const batch64 = await measure("message", kind, 64, RUNS);
      const batchMax = await largestFit("message", kind, batch16, batch64, [16, 64]);
      Object.assign(figures, {
        [`gas_per_message_batch_1_${kind}`]: Number(root1.perMessage),
        [`gas_per_message_batch_16_${kind}`]: Number(root16.perMessage),
        [`gas_per_message_batch_64_${kind}`]: Number(root64.perMessage),
        [`largest_batch_${kind}`]: rootMax.size,
        [`gas_per_message_batch_max_${kind}`]: Number(rootMax.measured.perMessage),
        [`old_mint_gas_${kind}`]: Number(mint1.perMessage),
        [`old_mintBatch_gas_per_message_16_${kind}`]: Number(batch16.perMessage),
        [`old_mintBatch_gas_per_message_64_${kind}`]: Number(batch64.perMessage),
        [`old_mintBatch_largest_batch_${kind}`]: batchMax.size,
        [`old_mintBatch_gas_per_message_max_${kind}`]: Number(batchMax.measured.perMessage),
      });
    }

    // Where the gas of a batch-64 delivery goes: the receipt, the calldata, a call trace (minter vs
    // wrapped token) and an opcode trace (storage, events, hashing), per message.
    const breakdownOf = async (kind: "holders" | "fresh") => {
      const row = rows.find((r) => r.path === "root" && r.kind === kind && r.batch === 64)!.measured;
      const trace = (await publicClient.request({
        method: "debug_traceTransaction" as never,
        params: [row.hash, { tracer: "callTracer" }] as never,
      })) as { calls?: { input: Hex; gasUsed: Hex }[] };
      const tokenGas = (trace.calls ?? []).reduce((sum, call) => sum + BigInt(call.gasUsed), 0n);
      const executionGas = row.txGas - 21_000n - row.calldata;
      const byKind = await executionBreakdown(publicClient, anvil.rpcUrl, row.hash, executionGas);
      const per = (gas: bigint | number) => Math.round(Number(gas) / 64);
      return {
        intrinsic_21000: per(21_000n),
        submit_root_amortized: per(row.submitGas),
        calldata: per(row.calldata),
        wrapped_token_calls: per(tokenGas),
        minter_execution: per(executionGas - tokenGas),
        ...Object.fromEntries(
          Object.entries(byKind).map(([name, gas]) => [`of_execution_${name}`, per(gas)]),
        ),
      };
    };
    const breakdowns = { holders: await breakdownOf("holders"), fresh: await breakdownOf("fresh") };

    console.log("Gas per delivered message on the remote minter, 4-of-5 validators, block gas 30M");
    console.log(
      "(root path = submitRoot + one multiproof batch, amortized; batch 1 = submitRoot + mintWithProof)\n",
    );
    console.log(
      `${"path".padEnd(33)}${"recipients".padEnd(11)}${"batch".padStart(6)}${"gas/msg".padStart(10)}${"delivery tx".padStart(13)}${"submitRoot".padStart(12)}`,
    );
    for (const { path, kind, batch, measured } of rows) {
      const name =
        path === "root"
          ? batch === 1
            ? "submitRoot + mintWithProof"
            : "submitRoot + mintBatchWithProof"
          : batch === 1
            ? "mint (today)"
            : "mintBatch (today)";
      console.log(
        `${name.padEnd(33)}${kind.padEnd(11)}${String(batch).padStart(6)}${String(measured.perMessage).padStart(10)}${String(measured.txGas).padStart(13)}${String(measured.submitGas || "-").padStart(12)}`,
      );
    }
    for (const [kind, breakdown] of Object.entries(breakdowns)) {
      console.log(
        `\nBatch 64, ${kind}, per message (of_execution_* split the execution, token calls included):`,
      );
      for (const [name, gas] of Object.entries(breakdown)) {
        console.log(`  ${name.padEnd(32)}${String(gas).padStart(8)}`);
        figures[`breakdown_batch_64_${kind}_${name}`] = gas;
      }
    }
    figures.goal_gas_per_message_batch_64_holders = 25_000;
    figures.goal_batch_64_holders_met = figures.gas_per_message_batch_64_holders! <= 25_000 ? 1 : 0;
    figures.runs = RUNS;
    console.log(JSON.stringify(figures));
  } finally {
    await anvil.stop();
  }
}

await main();
