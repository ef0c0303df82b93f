import type { Address } from "viem";
import type { ChainDeployment, Deployment } from "../lib/deployments.js";
import { getNetwork, resolveRpcUrl } from "../lib/networks.js";

export type IndexerChainConfig = {
  id: number;
  rpc: string;
  pollingInterval: number;
  ethGetLogsBlockRange?: number;
  disableCache?: boolean;
};

export type ContractChains = Record<string, { address: Address | Address[]; startBlock: number }>;

/**
 * Ponder chain entries keyed by network name. Devnet chains (1 s blocks, local anvil) poll every half
 * block so a block is usually picked up before the next one is mined (the live-lag goal is one block
 * time), and fetch logs in large ranges: anvil has no range cap. Public testnets keep Ponder's automatic
 * range detection, because providers' caps differ and Ponder learns them from the error messages.
 * INDEXER_POLLING_MS overrides the interval everywhere.
 */
export function indexerChains(deployment: Deployment, env: NodeJS.ProcessEnv = process.env) {
  const chains: Record<string, IndexerChainConfig> = {};
  const override = env.INDEXER_POLLING_MS ? Number(env.INDEXER_POLLING_MS) : undefined;
  for (const chain of deployment.chains) {
    const network = getNetwork(chain.network);
    const pollingInterval = override ?? Math.max(100, Math.round((network.blockTimeSeconds * 1000) / 2));
    chains[chain.network] = {
      // The deployment's chain id is what the contracts saw; a network entry could be pointed elsewhere.
      id: chain.chainId,
      rpc: resolveRpcUrl(network, env),
      pollingInterval,
      // Local chains restart from genesis with the same chain ids, so Ponder's RPC cache (ponder_sync,
      // shared by every app on one database) would serve blocks of a chain that no longer exists.
      ...(network.testnet ? {} : { ethGetLogsBlockRange: 10_000, disableCache: true }),
    };
  }
  return chains;
}

/** `chain` map of one contract kind: network name -> address(es) and the earliest start block. */
export function contractChains(
  deployment: Deployment,
  pick: (chain: ChainDeployment) => { address: Address; startBlock: number }[],
): ContractChains {
  const result: ContractChains = {};
  for (const chain of deployment.chains) {
    const picked = pick(chain);
    if (picked.length === 0) continue;
    result[chain.network] = {
      address: picked.length === 1 ? picked[0]!.address : picked.map((p) => p.address),
      startBlock: Math.min(...picked.map((p) => p.startBlock)),
    };
  }
  return result;
}

/** Price feeds deployed on a chain (one per token that has one), starting at the bridge's deployment. */
export function feedsOf(chain: ChainDeployment): { address: Address; startBlock: number }[] {
  const seen = new Set<string>();
  const feeds: { address: Address; startBlock: number }[] = [];
  for (const token of chain.tokens) {
    if (!token.priceFeed || seen.has(token.priceFeed.toLowerCase())) continue;
    seen.add(token.priceFeed.toLowerCase());
    // The deployments file has no start block per feed, and a feed may predate the bridge (its first
    // answer is set at deployment). Local chains are cheap to scan from genesis; on public networks the
    // earliest block we know of on that chain is the bound.
    const local = !getNetwork(chain.network).testnet;
    feeds.push({ address: token.priceFeed, startBlock: local ? 0 : earliestBlock(chain) });
  }
  return feeds;
}

export function earliestBlock(chain: ChainDeployment): number {
  return Math.min(
    chain.bridge.startBlock,
    chain.validatorSet.startBlock,
    ...chain.lendingPools.map((p) => p.startBlock),
  );
}

export function wrappedTokensOf(chain: ChainDeployment): { address: Address; startBlock: number }[] {
  return chain.tokens
    .filter((t) => t.kind === "wrapped")
    .map((t) => ({ address: t.address, startBlock: chain.bridge.startBlock }));
}
