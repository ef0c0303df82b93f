import type { RiskSnapshot } from "./snapshot.js";

/** Backing of one asset by one bridge. Amounts in base units (exact), USD as floats. */
export type BackingRow = {
  bridgeId: string;
  bridgeName: string;
  assetId: string;
  symbol: string;
  decimals: number;
  priceUsd: number;
  /** L: held by the home vault. */
  locked: bigint;
  /** Sum of wrapped totalSupply over remote chains. */
  remoteSupply: bigint;
  inFlight: bigint;
  /** S = remote supply + in flight: every claim on L. */
  supply: bigint;
  /** L / S; null when S = 0 (nothing to back: neither healthy nor broken, and not a finite number). */
  backingRatio: number | null;
  /** max(0, S - L). */
  shortfall: bigint;
  shortfallUsd: number;
  remote: { chainId: number; wrappedToken: string; supply: bigint }[];
};

/**
 * Backing per (bridge, asset): `BR = L / S` with `S` = remote supply + in flight, and
 * `shortfallUsd = max(0, S - L) * P`. Computed on bigints, so L, S and the shortfall are exact.
 *
 * @example
 * // 100 WETH locked, 90 minted on B, 15 on C, nothing in flight: BR = 100/105, shortfall 5 WETH
 * computeBacking(snapshot)[0].backingRatio; // 0.952...
 */
export function computeBacking(snapshot: RiskSnapshot): BackingRow[] {
  const assets = new Map(snapshot.assets.map((a) => [a.id.toLowerCase(), a]));
  const rows: BackingRow[] = [];
  for (const b of snapshot.bridges) {
    for (const ba of b.assets) {
      const asset = assets.get(ba.asset.toLowerCase());
      if (!asset) continue; // validateRiskSnapshot reports it
      const remoteSupply = ba.remoteSupply.reduce((s, r) => s + r.supply, 0n);
      const supply = remoteSupply + ba.inFlight;
      const shortfall = supply > ba.lockedOnHome ? supply - ba.lockedOnHome : 0n;
      rows.push({
        bridgeId: b.id,
        bridgeName: b.name,
        assetId: asset.id,
        symbol: asset.symbol,
        decimals: asset.decimals,
        priceUsd: asset.priceUsd,
        locked: ba.lockedOnHome,
        remoteSupply,
        inFlight: ba.inFlight,
        supply,
        backingRatio: supply === 0n ? null : ratio(ba.lockedOnHome, supply),
        shortfall,
        shortfallUsd: tokensToFloat(shortfall, asset.decimals) * asset.priceUsd,
        remote: ba.remoteSupply.map((r) => ({ ...r })),
      });
    }
  }
  return rows;
}

/** a / b for bigints beyond 2^53 without losing the ratio to overflow or truncation. */
function ratio(a: bigint, b: bigint): number {
  const scale = 10n ** 18n;
  return Number((a * scale) / b) / 1e18;
}

/**
 * Base units to a float count of whole tokens.
 *
 * @example
 * tokensToFloat(1_500_000n, 6); // 1.5
 */
export function tokensToFloat(amount: bigint, decimals: number): number {
  const unit = 10n ** BigInt(decimals);
  return Number(amount / unit) + Number(amount % unit) / 10 ** decimals;
}
