import type { Deployment } from "../../../deployments.js";

/** What the deployments file says about one token on one chain. */
export type KnownToken = {
  symbol: string;
  decimals: number;
  /** The home-chain token this token stands for (itself for a native token), lowercase. */
  homeToken: string;
  kind: "native" | "wrapped";
  /** The bridge that minted it: this deployment's bridge id or an external bridge's; null when native. */
  bridge: string | null;
};

/**
 * Every token the deployments file names, keyed `${chainId}:${lowercase address}`: this bridge's native
 * and wrapped tokens, and the tokens external lock/mint bridges mint (wrapped, with that bridge's id).
 * A reserve or a Morpho market in one of them is exposure to the bridge that minted it.
 *
 * @example
 * tokenDirectory(deployment).get(`31338:${wWETH}`)?.bridge; // "canonical"
 */
export function tokenDirectory(deployment: Deployment): Map<string, KnownToken> {
  const directory = new Map<string, KnownToken>();
  for (const chain of deployment.chains)
    for (const t of chain.tokens)
      directory.set(`${chain.chainId}:${t.address.toLowerCase()}`, {
        symbol: t.symbol,
        decimals: t.decimals,
        homeToken: t.homeToken.toLowerCase(),
        kind: t.kind,
        bridge: t.kind === "wrapped" ? deployment.bridgeId : null,
      });
  for (const bridge of deployment.externalBridges)
    for (const asset of bridge.assets)
      for (const minted of asset.minted)
        directory.set(`${minted.chainId}:${minted.token.toLowerCase()}`, {
          symbol: minted.symbol,
          decimals: asset.decimals,
          homeToken: asset.homeToken.toLowerCase(),
          kind: "wrapped",
          bridge: bridge.id,
        });
  return directory;
}
