import { factory } from "ponder";
import { type AbiEvent, type Address, getAbiItem, zeroAddress } from "viem";
import { aavePoolConfiguratorAbi } from "../contracts/generated/index.js";
import type { DiscoveredAaveMarket } from "../lib/aave/discoverMarket.js";
import { type ChainDeployment, type Deployment, externalBridgeEvents } from "../lib/deployments.js";
import {
  getNetwork as catalogueNetwork,
  type NetworkDefinition,
  resolveRpcUrl,
  UnknownNetworkError,
} from "../lib/networks.js";

/**
 * The catalogue's network, or for a name it does not know (a test fixture's own anvil) a local chain with
 * 1 s blocks reached through <NAME>_RPC_URL: test fixtures then need no catalogue entry of their own.
 */
export function getNetwork(name: string): NetworkDefinition {
  try {
    return catalogueNetwork(name);
  } catch (error) {
    if (!(error instanceof UnknownNetworkError)) throw error;
    return {
      name,
      chainId: 0,
      label: name,
      rpc: { kind: "env", variable: `${name.toUpperCase().replace(/-/g, "_")}_RPC_URL` },
      finality: { kind: "confirmations", blocks: 1 },
      blockTimeSeconds: 1,
      testnet: false,
    };
  }
}

export type IndexerChainConfig = {
  id: number;
  rpc: string;
  pollingInterval: number;
  ethGetLogsBlockRange?: number;
  disableCache?: boolean;
};

export type ContractChains = Record<string, { address: Address | Address[]; startBlock: number }>;

/**
 * Ponder chain entries keyed by network name. Chains are polled every half block so a block is usually
 * picked up before the next one is mined. (A fifth of a block on local chains was tried for live lag; the
 * fresh-clone suite's indexer tests on PostgreSQL then timed out under its load, so it was put back until
 * it is measured on a quiet machine.) Local chains fetch logs in large ranges (anvil has no range cap);
 * public testnets keep Ponder's automatic range detection, because providers' caps differ and Ponder
 * learns them from the error messages.
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

/** Chains with price sources (Aave sources, Morpho oracles' feeds or tokens' feeds) and where to start reading them. */
export function priceChains(deployment: Deployment): Record<string, { startBlock: number }> {
  const result: Record<string, { startBlock: number }> = {};
  for (const chain of deployment.chains) {
    if (chain.aaveMarkets.length === 0 && !chain.morpho && !chain.tokens.some((t) => t.priceFeed)) continue;
    // A feed may predate everything else (its first answer is set at deployment). Local chains are cheap
    // to scan from genesis; on public networks the earliest block we know of on that chain is the bound.
    const local = !getNetwork(chain.network).testnet;
    result[chain.network] = { startBlock: local ? 0 : earliestBlock(chain) };
  }
  return result;
}

/**
 * The aggregator re-check interval per chain: INDEXER_PRICE_CHECK_SECONDS (default 30 s) in blocks of
 * that chain, at least 1. A proxy switched to a new aggregator emits nothing, so this is how long its new
 * price can go unseen (README "Price sources").
 */
export function priceCheckChains(
  deployment: Deployment,
  env: NodeJS.ProcessEnv = process.env,
): Record<string, { startBlock: number; interval: number }> {
  const seconds = Number(env.INDEXER_PRICE_CHECK_SECONDS ?? 30);
  const result: Record<string, { startBlock: number; interval: number }> = {};
  for (const chain of deployment.chains) {
    if (!priceChains(deployment)[chain.network]) continue;
    const blockTime = getNetwork(chain.network).blockTimeSeconds;
    // From the first block the deployment names: before it no source exists to be checked.
    result[chain.network] = {
      startBlock: earliestBlock(chain),
      interval: Math.max(1, Math.round(seconds / blockTime)),
    };
  }
  return result;
}

export const reserveInitialized = getAbiItem({ abi: aavePoolConfiguratorAbi, name: "ReserveInitialized" });

/**
 * The `chain` map of one Aave token kind: children of every market's PoolConfigurator, announced by
 * ReserveInitialized (the configurator creates the token proxies and names them in that event).
 */
export function aaveTokenChains(
  deployment: Deployment,
  parameter: "aToken" | "stableDebtToken" | "variableDebtToken",
) {
  const result: Record<string, { address: ReturnType<typeof aaveTokenFactory>; startBlock: number }> = {};
  for (const chain of deployment.chains) {
    if (chain.aaveMarkets.length === 0) continue;
    result[chain.network] = {
      address: aaveTokenFactory(
        chain.aaveMarkets.map((m) => m.poolConfigurator),
        parameter,
      ),
      startBlock: Math.min(...chain.aaveMarkets.map((m) => m.startBlock)),
    };
  }
  return result;
}

function aaveTokenFactory(
  configurators: Address[],
  parameter: "aToken" | "stableDebtToken" | "variableDebtToken",
) {
  return factory({ address: configurators, event: reserveInitialized, parameter });
}

/**
 * The tokens of reserves a watched market already listed before its start block, per chain: the
 * ReserveInitialized that created them is older than anything indexed, so they are named explicitly
 * (discovered at start-up), from the market's start block.
 */
export function aaveTokensAtStartChains(
  deployment: Deployment,
  parameter: "aToken" | "stableDebtToken" | "variableDebtToken",
): ContractChains {
  return contractChains(deployment, (c) =>
    c.aaveMarkets.flatMap((m) =>
      ((m as Partial<DiscoveredAaveMarket>).watched?.reservesAtStart ?? [])
        .filter(
          (r) =>
            r[parameter] !== zeroAddress &&
            !(m as DiscoveredAaveMarket).watched.announcedToFactory.includes(r.asset.toLowerCase()),
        )
        .map((r) => ({ address: r[parameter], startBlock: m.startBlock })),
    ),
  );
}

/** Pool / PoolConfigurator / AaveOracle addresses of every market, per chain. */
export function aaveContractChains(
  deployment: Deployment,
  contract: "pool" | "poolConfigurator" | "aaveOracle",
): ContractChains {
  return contractChains(deployment, (c) =>
    c.aaveMarkets.map((m) => ({ address: m[contract], startBlock: m.startBlock })),
  );
}

/** The Uniswap v3 pools the deployments file lists, per chain (only those: a real chain has thousands). */
export function uniswapPoolChains(deployment: Deployment): ContractChains {
  return contractChains(deployment, (c) =>
    (c.uniswap?.pools ?? []).map((p) => ({ address: p.address, startBlock: p.startBlock })),
  );
}

/** The Morpho Blue singleton or its AdaptiveCurve IRM, per chain, from Morpho's start block. */
export function morphoContractChains(
  deployment: Deployment,
  contract: "address" | "adaptiveCurveIrm",
): ContractChains {
  return contractChains(deployment, (c) => {
    const address = c.morpho?.[contract];
    return c.morpho && address ? [{ address, startBlock: c.morpho.startBlock }] : [];
  });
}

export function earliestBlock(chain: ChainDeployment): number {
  return Math.min(
    chain.bridge.startBlock,
    chain.validatorSet.startBlock,
    ...chain.aaveMarkets.map((m) => m.startBlock),
    ...(chain.morpho ? [chain.morpho.startBlock] : []),
  );
}

/**
 * Tokens whose supply the indexer follows, per chain: this bridge's wrapped tokens (from the bridge's
 * start block) and every token an external bridge mints there (from its descriptor's start block).
 */
export function mintedTokenChains(deployment: Deployment): ContractChains {
  return contractChains(deployment, (chain) => [
    ...chain.tokens
      .filter((t) => t.kind === "wrapped")
      .map((t) => ({ address: t.address, startBlock: chain.bridge.startBlock })),
    ...deployment.externalBridges.flatMap((b) =>
      b.assets.flatMap((a) =>
        a.minted
          .filter((m) => m.chainId === chain.chainId)
          .map((m) => ({ address: m.token, startBlock: m.startBlock })),
      ),
    ),
  ]);
}

/** Every external bridge's lock contract, per chain. */
export function externalLockChains(deployment: Deployment): ContractChains {
  return contractChains(deployment, (chain) =>
    deployment.externalBridges
      .filter((b) => b.homeChainId === chain.chainId)
      .map((b) => ({ address: b.lockContract, startBlock: b.startBlock })),
  );
}

/**
 * One ABI with every external bridge's lock and release events (the deployments file checks that one
 * name means one signature). Empty when there is no external bridge.
 */
export function externalBridgeAbi(deployment: Deployment): AbiEvent[] {
  const byName = new Map<string, AbiEvent>();
  for (const bridge of deployment.externalBridges) {
    const { lock, release } = externalBridgeEvents(bridge);
    byName.set(lock.name, lock);
    byName.set(release.name, release);
  }
  return [...byName.values()];
}
