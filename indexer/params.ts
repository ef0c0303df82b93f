import type { Context } from "ponder:registry";
import { bridgeContract, bridgeRoute, wrappedAsset } from "ponder:schema";
import type { Hex } from "viem";
import { currentDeployment } from "./deployment.js";

/** Bridge parameter events (routes, pause, mint ceilings), shared by vault and minter; rate limits: rateLimits.ts. */

type Db = Context["db"];

export async function recordRoute(
  db: Db,
  chainId: number,
  remoteChainId: bigint,
  remoteBridge: Hex,
  blockNumber: bigint,
): Promise<void> {
  await db
    .insert(bridgeRoute)
    .values({ chainId, remoteChainId: Number(remoteChainId), remoteBridge, updatedAtBlock: blockNumber })
    .onConflictDoUpdate({ remoteBridge, updatedAtBlock: blockNumber });
}

/** Pause state lives on the bridge contract (one pauser per chain), so it is per chain, for every route. */
export type BridgeStateChange = {
  pausedUntil?: bigint;
  pauser?: Hex;
  currentEpoch?: bigint;
  graceSeconds?: bigint;
};

export async function recordBridgeState(
  db: Db,
  chainId: number,
  change: BridgeStateChange,
  blockNumber: bigint,
): Promise<void> {
  const chain = currentDeployment().chainById.get(chainId);
  const pauser = change.pauser?.toLowerCase() as Hex | undefined;
  const set = {
    ...(change.pausedUntil !== undefined ? { pausedUntil: change.pausedUntil } : {}),
    ...(pauser !== undefined ? { pauser } : {}),
    ...(change.currentEpoch !== undefined ? { currentEpoch: change.currentEpoch } : {}),
    ...(change.graceSeconds !== undefined ? { graceSeconds: change.graceSeconds } : {}),
    updatedAtBlock: blockNumber,
  };
  await db
    .insert(bridgeContract)
    .values({
      chainId,
      address: (chain?.bridge.address.toLowerCase() ?? "0x") as Hex,
      role: chain?.role ?? "unknown",
      pausedUntil: 0n,
      ...set,
    })
    .onConflictDoUpdate(set);
}

export async function recordWrappedAsset(
  db: Db,
  chainId: number,
  asset: Hex,
  change: { wrappedToken?: Hex; homeChainId?: number; mintCeiling?: bigint },
): Promise<void> {
  await db
    .insert(wrappedAsset)
    .values({
      chainId,
      asset: asset.toLowerCase() as Hex,
      wrappedToken: change.wrappedToken?.toLowerCase() as Hex | undefined,
      homeChainId: change.homeChainId,
      mintCeiling: change.mintCeiling ?? 0n,
    })
    .onConflictDoUpdate({
      ...(change.wrappedToken ? { wrappedToken: change.wrappedToken.toLowerCase() as Hex } : {}),
      ...(change.homeChainId !== undefined ? { homeChainId: change.homeChainId } : {}),
      ...(change.mintCeiling !== undefined ? { mintCeiling: change.mintCeiling } : {}),
    });
}
