import * as AaveV3ArbitrumSepolia from "@aave-dao/aave-address-book/AaveV3ArbitrumSepolia";
import * as AaveV3BaseSepolia from "@aave-dao/aave-address-book/AaveV3BaseSepolia";
import * as AaveV3OptimismSepolia from "@aave-dao/aave-address-book/AaveV3OptimismSepolia";
import * as AaveV3Sepolia from "@aave-dao/aave-address-book/AaveV3Sepolia";
import { type Address, getAddress } from "viem";

/**
 * The Aave v3 markets on the public testnets this project names (lib/networks.ts), as Aave's address
 * book (`@aave-dao/aave-address-book`) publishes them: never copied by hand, so a redeployed market is
 * picked up by updating the package.
 */
export type AaveMarketProfile = {
  /** The address book's module name, e.g. "AaveV3Sepolia" (what `bridge aave watch --market` takes). */
  name: string;
  /** This project's network name (lib/networks.ts). */
  network: string;
  chainId: number;
  addressesProvider: Address;
  pool: Address;
  /** Default protocol id in metrics and GraphQL. */
  protocol: string;
};

const profile = (
  name: string,
  network: string,
  book: { CHAIN_ID: number; POOL_ADDRESSES_PROVIDER: string; POOL: string },
): AaveMarketProfile => ({
  name,
  network,
  chainId: book.CHAIN_ID,
  addressesProvider: getAddress(book.POOL_ADDRESSES_PROVIDER),
  pool: getAddress(book.POOL),
  protocol: `aave-v3-${network}`,
});

export const aaveMarketProfiles: readonly AaveMarketProfile[] = [
  profile("AaveV3Sepolia", "sepolia", AaveV3Sepolia),
  profile("AaveV3BaseSepolia", "base-sepolia", AaveV3BaseSepolia),
  profile("AaveV3ArbitrumSepolia", "arbitrum-sepolia", AaveV3ArbitrumSepolia),
  profile("AaveV3OptimismSepolia", "op-sepolia", AaveV3OptimismSepolia),
];

/** A profile by its address-book name (case-insensitive), or undefined. */
export function aaveMarketProfile(name: string): AaveMarketProfile | undefined {
  return aaveMarketProfiles.find((p) => p.name.toLowerCase() === name.toLowerCase());
}
