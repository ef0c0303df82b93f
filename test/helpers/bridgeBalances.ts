import { bridgeTestTokenAbi, bridgeVaultAbi, wrappedTokenAbi } from "../../contracts/generated/index.js";
import type { BridgeFixture } from "./bridgeFixture.js";

/** Token reads of the bridge fixture: USDC at home, wrapped USDC on the remote, the vault's books. */

export const wrappedBalance = (f: BridgeFixture, address: `0x${string}`) =>
  f.remote.publicClient.readContract({
    address: f.wrappedUsdc,
    abi: wrappedTokenAbi,
    functionName: "balanceOf",
    args: [address],
  });

export const usdcBalance = (f: BridgeFixture, address: `0x${string}`) =>
  f.home.publicClient.readContract({
    address: f.usdc,
    abi: bridgeTestTokenAbi,
    functionName: "balanceOf",
    args: [address],
  });

export const wrappedSupply = (f: BridgeFixture) =>
  f.remote.publicClient.readContract({
    address: f.wrappedUsdc,
    abi: wrappedTokenAbi,
    functionName: "totalSupply",
  });

/** What the vault holds toward `chainId` for USDC. */
export const vaultOutstanding = (f: BridgeFixture, chainId: number) =>
  f.home.publicClient.readContract({
    address: f.vault,
    abi: bridgeVaultAbi,
    functionName: "outstanding",
    args: [BigInt(chainId), f.usdc],
  });
