import { type Abi, type Address, createPublicClient, createWalletClient, defineChain, http } from "viem";
import type { privateKeyToAccount } from "viem/accounts";
import { startAnvil } from "../../devnet/anvil.js";
import { writeDeployment } from "../../lib/deployments.js";
import { devnetNetworks } from "../../lib/networks.js";
import type { deployAaveMarket } from "./aaveEvents.js";
import type { BenchChain } from "./benchChain.js";
import { compileGenerator } from "./generators.js";

type Account = ReturnType<typeof privateKeyToAccount>;
type AaveMarketEntry = ReturnType<Awaited<ReturnType<typeof deployAaveMarket>>["market"]>;

export const benchToken = "0x00000000000000000000000000000000000a11ce" as Address;

const viemChainOf = (ch: BenchChain) =>
  defineChain({
    id: ch.network.chainId,
    name: ch.network.name,
    nativeCurrency: { name: "ETH", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [ch.anvil.rpcUrl] } },
  });

/** The three devnet chains on fresh anvils, each with the bridge-event generator deployed. */
export async function startBenchChains(account: Account) {
  const { abi, bytecode } = compileGenerator();
  const chains: BenchChain[] = [];
  for (const network of devnetNetworks) {
    const anvil = await startAnvil({ chainId: network.chainId, gasLimit: 60_000_000n });
    const ch = { network, anvil } as BenchChain;
    const chain = viemChainOf(ch);
    const wallet = createWalletClient({ account, chain, transport: http(anvil.rpcUrl) });
    const client = createPublicClient({ chain, transport: http(anvil.rpcUrl) });
    const hash = await wallet.deployContract({ abi, bytecode });
    const receipt = await client.waitForTransactionReceipt({ hash });
    chains.push({ ...ch, generator: receipt.contractAddress!, startBlock: Number(receipt.blockNumber) });
  }
  /** One generator call on `ch`, waited for. */
  const send = async (ch: BenchChain, functionName: string, args: (bigint | Address)[]) => {
    const chain = viemChainOf(ch);
    const wallet = createWalletClient({ account, chain, transport: http(ch.anvil.rpcUrl) });
    const client = createPublicClient({ chain, transport: http(ch.anvil.rpcUrl) });
    const hash = await wallet.writeContract({
      address: ch.generator,
      abi: abi as Abi,
      functionName,
      args,
      gas: 55_000_000n,
    });
    await client.waitForTransactionReceipt({ hash });
  };
  return { chains, send };
}

/**
 * Mine `blocks` empty blocks on every chain, `interval` seconds apart. Past Ponder's finality window, so
 * all is backfill; with omnichain ordering the backfill ends at the earliest chain's finalized timestamp,
 * so the blocks must also move every chain's clock past the last generated event (interval 1).
 */
export async function mineEverywhere(chains: BenchChain[], blocks = 40, interval = 0) {
  await Promise.all(
    chains.map((ch) =>
      fetch(ch.anvil.rpcUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "anvil_mine",
          params: [`0x${blocks.toString(16)}`, `0x${interval.toString(16)}`],
        }),
      }),
    ),
  );
}

/** The deployments file the indexer reads: generators as bridges, `aaveMarket` on the second chain. */
export function writeBenchDeployment(
  file: string,
  chains: BenchChain[],
  validator: Address,
  aaveMarket: (startBlock: number) => AaveMarketEntry,
) {
  writeDeployment(file, {
    name: "bench",
    createdAt: new Date().toISOString(),
    homeChainId: chains[0]!.network.chainId,
    validators: { epoch: 1, addresses: [validator], threshold: 1 },
    chains: chains.map((ch, i) => ({
      network: ch.network.name,
      chainId: ch.network.chainId,
      role: i === 0 ? ("home" as const) : ("remote" as const),
      // No ValidatorSet in this workload: an address without code has no logs.
      validatorSet: { address: "0x000000000000000000000000000000000000dEaD", startBlock: ch.startBlock },
      bridge: { address: ch.generator, startBlock: ch.startBlock },
      tokens: [
        {
          symbol: "USDC",
          decimals: 6,
          address: i === 0 ? benchToken : ch.generator,
          homeToken: benchToken,
          kind: i === 0 ? ("native" as const) : ("wrapped" as const),
        },
      ],
      aaveMarkets: i === 1 ? [aaveMarket(ch.startBlock)] : [],
    })),
  });
}

/** Blocks every `seconds` on every chain from now on, as on the devnet. */
export async function intervalMining(chains: BenchChain[], seconds = 1) {
  for (const ch of chains) {
    await fetch(ch.anvil.rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "evm_setIntervalMining", params: [seconds] }),
    });
  }
}
