import type { BackingRow, RiskAnalysis } from "../../index.js";
import { resolveAsset, resolveBridge, tokensToFloat } from "../../index.js";
import { badInput, userInput } from "./inputs.js";
import { assetOf, bridgeOf, protocolOf, type RiskContext } from "./shared.js";

type BackingRef = { a: RiskAnalysis; row: BackingRow };

/** Query field: the backing of one asset carried by one bridge. */
export const backingQueries = {
  async bridgeBacking(
    _: unknown,
    args: { bridge: string; asset: string },
    ctx: RiskContext,
  ): Promise<BackingRef> {
    const { analysis: a } = await ctx.risk();
    return userInput(() => {
      const b = bridgeOf(a.book, resolveBridge(a.book, args.bridge));
      const asset = assetOf(a.book, resolveAsset(a.book, args.asset));
      const row = a.backing.find((r) => r.bridgeId === b.id && r.assetId === asset.id);
      if (!row) {
        throw badInput(`bridge ${b.name} does not carry ${asset.symbol}`, { argument: "asset" });
      }
      return { a, row };
    });
  },
};

/** Field resolvers of the BridgeBacking type. */
export const bridgeBackingFields = {
  bridge: ({ a, row }: BackingRef) => bridgeOf(a.book, resolveBridge(a.book, row.bridgeId)),
  asset: ({ a, row }: BackingRef) => assetOf(a.book, resolveAsset(a.book, row.assetId)),
  locked: ({ row }: BackingRef) => row.locked.toString(),
  lockedUsd: ({ row }: BackingRef) => tokensToFloat(row.locked, row.decimals) * row.priceUsd,
  remoteSupply: ({ row }: BackingRef) => row.remoteSupply.toString(),
  inFlight: ({ row }: BackingRef) => row.inFlight.toString(),
  supply: ({ row }: BackingRef) => row.supply.toString(),
  supplyUsd: ({ row }: BackingRef) => tokensToFloat(row.supply, row.decimals) * row.priceUsd,
  backingRatio: ({ row }: BackingRef) => row.backingRatio,
  shortfall: ({ row }: BackingRef) => row.shortfall.toString(),
  shortfallUsd: ({ row }: BackingRef) => row.shortfallUsd,
  remote: ({ row }: BackingRef) =>
    row.remote.map((r) => ({
      chainId: r.chainId,
      wrappedToken: r.wrappedToken,
      supply: r.supply.toString(),
      supplyUsd: tokensToFloat(r.supply, row.decimals) * row.priceUsd,
    })),
  dependents: ({ a, row }: BackingRef) => dependentsOf(a, row.bridgeId, row.assetId),
};

// One pass over every position entry (O(entries), ~9 ms at 100k positions): computed once per analysis
// and (bridge, asset), not per request, or `bridgeBacking { dependents }` caps the API near 100 req/s.
const dependentsCache = new WeakMap<RiskAnalysis, Map<string, BridgeDependentRow[]>>();
type BridgeDependentRow = { protocol: ReturnType<typeof protocolOf>; collateralUsd: number; share: number };

function dependentsOf(a: RiskAnalysis, bridgeId: string, assetId: string): BridgeDependentRow[] {
  let perAnalysis = dependentsCache.get(a);
  if (!perAnalysis) {
    perAnalysis = new Map();
    dependentsCache.set(a, perAnalysis);
  }
  const key = `${bridgeId}\u0000${assetId}`;
  const cached = perAnalysis.get(key);
  if (cached) return cached;
  const b = resolveBridge(a.book, bridgeId);
  const asset = resolveAsset(a.book, assetId);
  // Exposure is per bridge; narrow it to this asset's wrapped markets.
  const byProtocol = new Map<number, number>();
  for (let i = 0; i < a.book.positionCount; i++) {
    for (let e = a.book.positionStart[i]!; e < a.book.positionStart[i + 1]!; e++) {
      const coll = a.book.entryCollateral[e]!;
      if (coll === 0) continue;
      const m = a.book.reserveMarket[a.book.entryReserve[e]!]!;
      if (a.book.marketBridge[m] !== b || a.book.marketAsset[m] !== asset) continue;
      const p = a.book.positionProtocol[i]!;
      byProtocol.set(p, (byProtocol.get(p) ?? 0) + coll * a.book.marketPriceUsd[m]!);
    }
  }
  const rows = [...byProtocol.entries()]
    .sort((x, y) => y[1] - x[1])
    .map(([p, collateralUsd]) => {
      const tc = a.exposure.protocols[p]!.totalCollateralUsd;
      return { protocol: protocolOf(a.book, p), collateralUsd, share: tc > 0 ? collateralUsd / tc : 0 };
    });
  perAnalysis.set(key, rows);
  return rows;
}
