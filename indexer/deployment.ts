import { isAbsolute, resolve } from "node:path";
import { type Address, getAddress } from "viem";
import {
  type ChainDeployment,
  type DeployedToken,
  type Deployment,
  readDeployment,
} from "../lib/deployments.js";

/** Where the indexer reads its deployment: DEPLOYMENT_FILE, or the devnet's file. */
export function deploymentFilePath(env: NodeJS.ProcessEnv = process.env): string {
  const file = env.DEPLOYMENT_FILE ?? "deployments/devnet.json";
  return isAbsolute(file) ? file : resolve(process.cwd(), file);
}

export type TokenInfo = DeployedToken & { chainId: number };

/**
 * Lookups the handlers need and events do not carry: which asset a price feed or a wrapped token stands
 * for, which protocol a pool is, which chain is home. Keys are `${chainId}:${lowercase address}`.
 */
export type DeploymentIndex = {
  deployment: Deployment;
  homeChainId: number;
  chainById: Map<number, ChainDeployment>;
  /** (chain, token address on that chain) -> token entry. */
  tokenByAddress: Map<string, TokenInfo>;
  /** (chain, feed) -> the token it prices on that chain. */
  tokenByFeed: Map<string, TokenInfo>;
  /** (chain, home token) -> the token's address on that chain. */
  localTokenByAsset: Map<string, TokenInfo>;
  /** (chain, pool) -> protocol id. */
  protocolByPool: Map<string, string>;
  /** Home token -> symbol, for metric labels. */
  symbolByAsset: Map<string, string>;
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
    protocolByPool: new Map(),
    symbolByAsset: new Map(),
  };
  for (const chain of deployment.chains) {
    index.chainById.set(chain.chainId, chain);
    for (const token of chain.tokens) {
      const info = { ...token, chainId: chain.chainId };
      index.tokenByAddress.set(key(chain.chainId, token.address), info);
      index.localTokenByAsset.set(key(chain.chainId, token.homeToken), info);
      if (token.priceFeed) index.tokenByFeed.set(key(chain.chainId, token.priceFeed), info);
      if (token.kind === "native") index.symbolByAsset.set(token.homeToken.toLowerCase(), token.symbol);
    }
    for (const pool of chain.lendingPools)
      index.protocolByPool.set(key(chain.chainId, pool.address), pool.protocol);
  }
  return index;
}

let cached: DeploymentIndex | undefined;

/** The deployment the running indexer was configured with (read once per process). */
export function currentDeployment(): DeploymentIndex {
  cached ??= indexDeployment(readDeployment(deploymentFilePath()));
  return cached;
}

export function lower(address: Address | string): Address {
  return address.toLowerCase() as Address;
}

export { getAddress };
