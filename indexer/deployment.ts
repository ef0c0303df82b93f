import { type Address, createPublicClient, getAddress, http, type PublicClient } from "viem";
import {
  AaveMarketDiscoveryError,
  type DiscoveredAaveMarket,
  discoverAaveMarket,
} from "../lib/aave/discoverMarket.js";
import {
  type AaveMarketDeployment,
  type ChainDeployment,
  type DeployedToken,
  type Deployment,
  deploymentFilePath,
  type ExternalBridgeDeployment,
  readDeployment,
  type UniswapPoolDeployment,
} from "../lib/deployments.js";
import { resolveRpcUrl } from "../lib/networks.js";
import { getNetwork, reserveInitialized } from "./config.js";

// Kept importable from here for the indexer's own files (ponder.config.ts).
export { deploymentFilePath };

export type TokenInfo = DeployedToken & { chainId: number };

/**
 * Lookups the handlers need and events do not carry: which asset a price feed or a wrapped token stands
 * for, which protocol a pool is, which chain is home. Keys are `${chainId}:${lowercase address}`.
 */
export type DeploymentIndex = {
  deployment: Deployment;
  homeChainId: number;
  chainById: Map<number, ChainDeployment>;
  /** (chain, token address on that chain) -> token entry; includes the tokens external bridges mint. */
  tokenByAddress: Map<string, TokenInfo>;
  /** (chain, feed) -> the token it prices on that chain. */
  tokenByFeed: Map<string, TokenInfo>;
  /** (chain, home token) -> the token's address on that chain. */
  localTokenByAsset: Map<string, TokenInfo>;
  /** (chain, Pool / PoolConfigurator / AaveOracle proxy) -> the Aave market it belongs to. */
  marketByContract: Map<string, IndexedMarket>;
  /** Aave market by protocol id. */
  marketByProtocol: Map<string, IndexedMarket>;
  /** Chainlink proxies named by the deployments file, per chain (Aave sources and tokens' feeds). */
  configuredSources: Map<number, ConfiguredSource[]>;
  /** Home token -> symbol, for metric labels. */
  symbolByAsset: Map<string, string>;
  /** (chain, pool address) -> the Uniswap v3 pool the deployments file lists. */
  uniswapPoolByAddress: Map<string, UniswapPoolDeployment>;
  /** (chain, lock contract) -> the external bridge it belongs to. */
  externalBridgeByLock: Map<string, ExternalBridgeDeployment>;
};

/** An Aave market the indexer follows; `watched` when it was named by address and start block only. */
export type IndexedMarket = AaveMarketDeployment & {
  chainId: number;
  watched?: DiscoveredAaveMarket["watched"];
};

/** A price source the deployments file names, with the aggregator behind it when the file was written. */
export type ConfiguredSource = {
  proxy: Address;
  aggregator?: Address;
  asset: Address;
  symbol: string;
  heartbeatSeconds?: number;
};

export const key = (chainId: number, address: string): string => `${chainId}:${address.toLowerCase()}`;

export function indexDeployment(deployment: Deployment): DeploymentIndex {
  const index: DeploymentIndex = {
    deployment,
    homeChainId: deployment.homeChainId,
    chainById: new Map(),
    tokenByAddress: new Map(),
    tokenByFeed: new Map(),
    localTokenByAsset: new Map(),
    marketByContract: new Map(),
    marketByProtocol: new Map(),
    configuredSources: new Map(),
    symbolByAsset: new Map(),
    uniswapPoolByAddress: new Map(),
    externalBridgeByLock: new Map(),
  };
  for (const bridge of deployment.externalBridges) {
    index.externalBridgeByLock.set(key(bridge.homeChainId, bridge.lockContract), bridge);
    // Listed like this bridge's wrapped tokens (by address only: never as this bridge's token for an
    // asset, which localTokenByAsset answers).
    for (const asset of bridge.assets)
      for (const minted of asset.minted)
        index.tokenByAddress.set(key(minted.chainId, minted.token), {
          symbol: minted.symbol,
          decimals: asset.decimals,
          address: minted.token,
          homeToken: asset.homeToken,
          kind: "wrapped",
          chainId: minted.chainId,
        });
  }
  for (const chain of deployment.chains) {
    index.chainById.set(chain.chainId, chain);
    for (const token of chain.tokens) {
      const info = { ...token, chainId: chain.chainId };
      index.tokenByAddress.set(key(chain.chainId, token.address), info);
      index.localTokenByAsset.set(key(chain.chainId, token.homeToken), info);
      if (token.priceFeed) index.tokenByFeed.set(key(chain.chainId, token.priceFeed), info);
      if (token.kind === "native") index.symbolByAsset.set(token.homeToken.toLowerCase(), token.symbol);
    }
    const sources = new Map<string, ConfiguredSource>();
    for (const token of chain.tokens) {
      if (token.priceFeed)
        sources.set(token.priceFeed.toLowerCase(), {
          proxy: token.priceFeed,
          asset: token.address,
          symbol: token.symbol,
        });
    }
    for (const m of chain.aaveMarkets as (AaveMarketDeployment & Partial<DiscoveredAaveMarket>)[]) {
      const market: IndexedMarket = { ...m, chainId: chain.chainId };
      index.marketByProtocol.set(m.protocol, market);
      for (const contract of [m.pool, m.poolConfigurator, m.aaveOracle])
        index.marketByContract.set(key(chain.chainId, contract), market);
      for (const s of m.priceSources) sources.set(s.proxy.toLowerCase(), s);
    }
    index.configuredSources.set(chain.chainId, [...sources.values()]);
    for (const pool of chain.uniswap?.pools ?? [])
      index.uniswapPoolByAddress.set(key(chain.chainId, pool.address), pool);
  }
  return index;
}

/**
 * The deployment with every watched market discovered (lib/aave/discoverMarket.ts) and listed among
 * `aaveMarkets`, so the rest of the indexer treats both kinds alike. Discovery reads the chain through the
 * network catalogue's RPC URL; without watched markets nothing is read.
 */
export async function resolveWatchedMarkets(
  deployment: Deployment,
  env: NodeJS.ProcessEnv = process.env,
): Promise<Deployment> {
  const chains = await Promise.all(
    deployment.chains.map(async (chain) => {
      if (chain.watchedAaveMarkets.length === 0) return chain;
      const client = createPublicClient({ transport: http(resolveRpcUrl(getNetwork(chain.network), env)) });
      // The chain's Aave sources (Pool, tokens' factory) start at its earliest market.
      const chainStart = Math.min(
        ...chain.aaveMarkets.map((m) => m.startBlock),
        ...chain.watchedAaveMarkets.map((m) => m.startBlock),
      );
      const discovered = [];
      for (const reference of chain.watchedAaveMarkets) {
        const market = await discoverAaveMarket(client, reference);
        // Reserves listed between the chain's start and this market's are announced to the tokens' factory
        // too: they are left to it, so no token is followed twice from the start block on.
        if (chainStart < reference.startBlock) {
          const announced = await reservesInitializedBetween(
            client,
            market.poolConfigurator,
            chainStart,
            reference.startBlock - 1,
          );
          market.watched.announcedToFactory = [...announced];
        }
        discovered.push(market);
      }
      const all = [...chain.aaveMarkets, ...discovered];
      for (const market of discovered) {
        const twin = all.find((m) => m !== market && m.pool.toLowerCase() === market.pool.toLowerCase());
        if (twin)
          throw new AaveMarketDiscoveryError(
            `Watched market "${market.protocol}" is the same market (pool ${market.pool}) as "${twin.protocol}" on ${chain.network}.`,
            { details: "List each market once in the deployments file." },
          );
      }
      return { ...chain, aaveMarkets: all };
    }),
  );
  return { ...deployment, chains };
}

async function reservesInitializedBetween(
  client: PublicClient,
  configurator: Address,
  fromBlock: number,
  toBlock: number,
): Promise<Set<string>> {
  const logs = await client.getLogs({
    address: configurator,
    event: reserveInitialized,
    fromBlock: BigInt(fromBlock),
    toBlock: BigInt(toBlock),
  });
  return new Set(logs.map((l) => l.args.asset!.toLowerCase()));
}

let cached: DeploymentIndex | undefined;
let loading: Promise<DeploymentIndex> | undefined;

/**
 * Reads the deployments file and discovers its watched markets, once per process. Ponder's config and
 * the indexing files await it at load (top-level await), so `currentDeployment()` is ready in handlers.
 */
export function loadCurrentDeployment(): Promise<DeploymentIndex> {
  loading ??= resolveWatchedMarkets(readDeployment(deploymentFilePath())).then((resolved) => {
    cached = indexDeployment(resolved);
    return cached;
  });
  return loading;
}

/** The deployment the running indexer was configured with (read once per process). */
export function currentDeployment(): DeploymentIndex {
  if (cached) return cached;
  const deployment = readDeployment(deploymentFilePath());
  if (deployment.chains.some((c) => c.watchedAaveMarkets.length > 0))
    throw new Error(
      "watched Aave markets are discovered asynchronously: await loadCurrentDeployment() first",
    );
  cached = indexDeployment(deployment);
  return cached;
}

export function lower(address: Address | string): Address {
  return address.toLowerCase() as Address;
}

export { getAddress };
