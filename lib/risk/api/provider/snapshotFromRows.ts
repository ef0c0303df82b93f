import { normalizedIncome } from "../../../aave/interest.js";
import { type OraclePrice, oraclePrice } from "../../../aave/oracle.js";
import { aaveRevision, normalizedDebtFor, SUPPORTED_AAVE_POOL_REVISIONS } from "../../../aave/revisions.js";
import type { Deployment } from "../../../deployments.js";
import type {
  RiskAsset,
  RiskBridgeAsset,
  RiskEModeCategory,
  RiskProtocol,
  RiskReserve,
  RiskSnapshot,
} from "../../index.js";
import { validateRiskSnapshot } from "../../index.js";
import { dexPoolsFromRows } from "./dexPools.js";
import { IndexedPositions } from "./indexedPositions.js";
import { decodeCheckpointBlock, type IndexedBlock, type IndexerRows } from "./indexerRows.js";
import { IndexedMorphoPositions, morphoProtocols } from "./morphoSnapshot.js";
import { tokenDirectory } from "./tokenDirectory.js";

/** Pool revisions whose rules lib/aave/revisions.ts states: 1 = v3.0 (core-v3 1.19.x), 4-9 = v3.1-v3.5. */
export const SUPPORTED_POOL_REVISIONS: readonly number[] = SUPPORTED_AAVE_POOL_REVISIONS;

const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";
const lower = (a: string) => a.toLowerCase();
const chainKey = (chainId: number, address: string) => `${chainId}:${lower(address)}`;
const maxOf = (values: number[]) => (values.length === 0 ? 0 : Math.max(...values));
const minOf = (values: number[]) => (values.length === 0 ? 0 : Math.min(...values));

/**
 * Builds the risk engine's snapshot from the indexer's rows. Pure: the same rows give the same snapshot.
 *
 * - Protocols: one per indexed Aave market (`market` rows, id = the deployments file's protocol id).
 *   Reserve indexes are brought forward to the market chain's last indexed block with the Pool's own
 *   formulas (the variable borrow index with the market's revision's compounding, lib/aave/revisions.ts),
 *   and stable debt is compounded to it, so figures are what `getUserAccountData` returns at that block.
 * - Prices: each reserve's AaveOracle source (a Chainlink proxy, `price_source`), its raw answer taken as
 *   base-currency units exactly as AaveOracle returns it; `priceUsd = answer / BASE_CURRENCY_UNIT`. The
 *   answer is judged against that feed's heartbeat at the chain's last indexed block (lib/aave
 *   oraclePrice): missing or <= 0 is unpriced, older than the heartbeat is stale. Judging at the indexed
 *   block rather than the wall clock keeps the snapshot pure; an indexer that stops is caught by
 *   DataStale/IndexerLagging.
 * - eMode: categories with a price source are priced through AaveOracle's source of that asset.
 * - Problems: the indexer's per-reserve problems (no source, decimals against BASE_CURRENCY_UNIT), plus a
 *   Pool revision this engine does not implement, are recorded on the reserves, never fatal.
 * - Assets (backing): the home chain's native tokens and the tokens external bridges lock, priced by any
 *   market's source for a token that represents them. Backing of this bridge: custody at home, remote
 *   wrapped supply, in flight. Backing of each external lock/mint bridge (deployments file
 *   `externalBridges`): what its lock contract holds by its lock/release events, against the supply of
 *   the tokens it minted; in flight is unknown and counted as 0.
 * - Bridges: a reserve or Morpho market in a minted token is exposure to the bridge that minted it
 *   (./tokenDirectory.ts), so the exposure matrix has one column per bridge.
 * - DEX pools: the indexed Uniswap v3 pools selling a wrapped token (./dexPools.ts), which the cascade
 *   sells seized collateral through instead of `poolLiquidity` (null for every reserve here).
 * - Sources (staleness alerts): `prices:<chainId>` (the stalest feed answer on that chain),
 *   `positions:<protocol>` and `bridge:<bridgeId>` per bridge (how far the indexer has processed the chains).
 */
export function snapshotFromIndexerRows(deployment: Deployment, rows: IndexerRows): RiskSnapshot {
  const positions = new IndexedPositions();
  positions.apply({ positions: rows.positions, users: rows.marketUsers });
  const morpho = new IndexedMorphoPositions();
  morpho.apply(rows.morphoMarkets, rows.morphoPositions);
  return assembleSnapshot(deployment, rows, positions, morpho);
}

/**
 * {@link snapshotFromIndexerRows} with the positions kept elsewhere (the incremental provider keeps them
 * in step with the indexer); `rows.positions` and `rows.marketUsers` are not read.
 */
export function assembleSnapshot(
  deployment: Deployment,
  rows: Omit<IndexerRows, "positions" | "marketUsers" | "morphoPositions">,
  positions: IndexedPositions,
  morphoPositions: IndexedMorphoPositions = new IndexedMorphoPositions(),
): RiskSnapshot {
  const indexed = new Map<number, IndexedBlock>();
  for (const c of rows.checkpoints) {
    const block = decodeCheckpointBlock(c.latestCheckpoint);
    indexed.set(c.chainId, { ...block, chainId: c.chainId });
  }
  const indexedAt = (chainId: number) => indexed.get(chainId)?.timestamp ?? 0;
  const bridgeId = deployment.bridgeId;
  const home = deployment.chains.find((c) => c.role === "home")!;
  const tokenByAddress = tokenDirectory(deployment);
  const sourceById = new Map(rows.priceSources.map((p) => [chainKey(p.chainId, p.proxy), p]));
  const assetSourceByKey = new Map(rows.assetSources.map((a) => [`${a.protocol}:${lower(a.asset)}`, a]));
  const marketById = new Map(rows.markets.map((m) => [m.id, m]));

  const judge = (chainId: number, proxy: string | null, label: string): OraclePrice => {
    const source =
      proxy && lower(proxy) !== ZERO_ADDRESS ? sourceById.get(chainKey(chainId, proxy)) : undefined;
    if (!source) return { status: "unpriced", reason: `${label}: no price source` };
    return oraclePrice({
      answer: source.answer,
      updatedAt: source.updatedAt,
      now: indexedAt(chainId),
      heartbeatSeconds: source.heartbeatSeconds,
      label: `${label} (${source.description ?? source.proxy})`,
    });
  };
  const answerOf = (price: OraclePrice) => (price.status === "unpriced" ? null : price.price);
  const reasonOf = (price: OraclePrice) => (price.status === "priced" ? null : price.reason);

  // Home assets (this bridge's, then those only external bridges lock), priced by a market's source for
  // any token representing them.
  const homeAssets = [
    ...home.tokens
      .filter((t) => t.kind === "native")
      .map((t) => ({
        id: lower(t.homeToken),
        chainId: home.chainId,
        symbol: t.symbol,
        decimals: t.decimals,
      })),
    ...deployment.externalBridges.flatMap((b) =>
      b.assets.map((a) => ({
        id: lower(a.homeToken),
        chainId: b.homeChainId,
        symbol: a.symbol,
        decimals: a.decimals,
      })),
    ),
  ].filter((a, i, all) => all.findIndex((other) => other.id === a.id) === i);
  const assets: RiskAsset[] = [];
  for (const token of homeAssets) {
    const id = token.id;
    let priceUsd = 0;
    let priceUpdatedAt = 0;
    for (const r of rows.reserves) {
      const t = tokenByAddress.get(chainKey(r.chainId, r.asset));
      const homeAsset = t ? lower(t.homeToken) : r.homeAsset ? lower(r.homeAsset) : null;
      if (homeAsset !== id || !r.priceSource) continue;
      const source = sourceById.get(chainKey(r.chainId, r.priceSource));
      const unit = marketById.get(r.protocol)?.baseCurrencyUnit ?? 10n ** 8n;
      if (!source || source.answer === null || source.answer <= 0n) continue;
      priceUsd = Number(source.answer) / Number(unit);
      priceUpdatedAt = Number(source.updatedAt ?? 0n);
      break;
    }
    // Else a Morpho market's collateral feed for a token representing the asset (USD-quoted Chainlink).
    for (const m of priceUsd > 0 ? [] : rows.morphoMarkets) {
      const t = tokenByAddress.get(chainKey(m.chainId, m.collateralToken));
      if (!t || lower(t.homeToken) !== id || !m.collateralFeed) continue;
      const source = sourceById.get(chainKey(m.chainId, m.collateralFeed));
      if (!source || source.answer === null || source.answer <= 0n) continue;
      priceUsd = Number(source.answer) / 10 ** (source.decimals ?? 8);
      priceUpdatedAt = Number(source.updatedAt ?? 0n);
      break;
    }
    assets.push({
      id,
      symbol: token.symbol,
      decimals: token.decimals,
      chainId: token.chainId,
      priceUsd,
      priceUpdatedAt,
    });
  }
  const assetIds = new Set(assets.map((a) => a.id));

  const supplyByToken = new Map(rows.tokenSupplies.map((s) => [chainKey(s.chainId, s.token), s]));
  const ownAssetIds = new Set(home.tokens.filter((t) => t.kind === "native").map((t) => lower(t.homeToken)));
  const bridgeAssets: RiskBridgeAsset[] = assets
    .filter((asset) => ownAssetIds.has(asset.id))
    .map((asset) => {
      const custody = rows.assetSupplies.find((s) => lower(s.id) === asset.id)?.custody ?? 0n;
      const routes = rows.routeTotals.filter((r) => lower(r.asset) === asset.id);
      const remoteSupply = deployment.chains
        .filter((c) => c.role === "remote")
        .flatMap((chain) => {
          const wrapped = chain.tokens.find((t) => t.kind === "wrapped" && lower(t.homeToken) === asset.id);
          if (!wrapped) return [];
          const indexedSupply = supplyByToken.get(chainKey(chain.chainId, wrapped.address))?.totalSupply;
          const route = routes.find((r) => r.remoteChainId === chain.chainId);
          return [
            {
              chainId: chain.chainId,
              wrappedToken: lower(wrapped.address),
              supply: indexedSupply ?? route?.outstanding ?? 0n,
            },
          ];
        });
      const inFlight = routes.reduce((sum, r) => sum + r.inFlight, 0n);
      return {
        asset: asset.id,
        lockedOnHome: custody > 0n ? custody : 0n,
        remoteSupply,
        inFlight: inFlight > 0n ? inFlight : 0n,
      };
    });

  const protocols: RiskProtocol[] = [];
  const sources: { source: string; updatedAt: number }[] = [];
  for (const chain of deployment.chains) {
    const feeds = rows.priceSources.filter((p) => p.chainId === chain.chainId && p.updatedAt !== null);
    if (feeds.length > 0)
      sources.push({
        source: `prices:${chain.chainId}`,
        updatedAt: minOf(feeds.map((p) => Number(p.updatedAt))),
      });
  }
  for (const m of rows.markets) {
    const at = indexedAt(m.chainId);
    const atBig = BigInt(at);
    const unit = m.baseCurrencyUnit;
    const marketProblems: string[] = [];
    const revision = aaveRevision(m.poolRevision);
    const rules = revision.supported ? revision.rules : revision.closest;
    if (m.poolRevision !== null && !revision.supported) {
      marketProblems.push(
        `${revision.reason}: figures follow ${revision.closest.name} rules and may differ from the Pool's`,
      );
    }
    const reserves: RiskReserve[] = rows.reserves
      .filter((r) => r.protocol === m.id)
      .map((r) => {
        const token = tokenByAddress.get(chainKey(m.chainId, r.asset));
        const homeAsset = token ? lower(token.homeToken) : r.homeAsset ? lower(r.homeAsset) : null;
        const known = homeAsset !== null && assetIds.has(homeAsset);
        const wrapped = token?.kind === "wrapped";
        const symbol = token?.symbol ?? r.symbol ?? lower(r.asset);
        const state = {
          liquidityIndex: r.liquidityIndex,
          variableBorrowIndex: r.variableBorrowIndex,
          currentLiquidityRate: r.liquidityRate,
          currentVariableBorrowRate: r.variableBorrowRate,
          lastUpdateTimestamp: r.lastUpdateTimestamp,
        };
        // Before the first checkpoint, or if a checkpoint lags the reserve row, keep the stored index.
        const advance = atBig > r.lastUpdateTimestamp;
        const price = judge(m.chainId, r.priceSource, symbol);
        const answer = answerOf(price);
        return {
          asset: lower(r.asset),
          symbol,
          // A wrapped token stands for its home asset; a native token on the home chain is the asset.
          underlyingAsset: known && (wrapped || m.chainId === deployment.homeChainId) ? homeAsset : null,
          bridge: known && wrapped ? token.bridge : null,
          priceUsd: answer === null ? 0 : Number(answer) / Number(unit),
          decimals: r.decimals,
          ltv: r.ltv,
          liquidationThreshold: r.liquidationThreshold,
          liquidationBonus: r.liquidationBonus,
          liquidityIndex: advance ? normalizedIncome(state, atBig) : r.liquidityIndex,
          variableBorrowIndex: advance ? normalizedDebtFor(rules, state, atBig) : r.variableBorrowIndex,
          poolLiquidity: null,
          oracleAnswer: answer,
          priceStatus: price.status,
          priceReason: reasonOf(price),
          eModeCategory: r.eModeCategory,
          problems: [...r.problems, ...marketProblems],
        };
      });
    const eModeCategories: RiskEModeCategory[] = rows.emodeCategories
      .filter((c) => c.protocol === m.id && c.categoryId !== 0)
      .map((c) => {
        const hasPriceSource = lower(c.priceSource) !== ZERO_ADDRESS;
        // The category's price source is an asset: AaveOracle prices it through that asset's source.
        const price = hasPriceSource
          ? judge(
              m.chainId,
              assetSourceByKey.get(`${m.id}:${lower(c.priceSource)}`)?.source ?? null,
              `eMode ${c.categoryId} (${c.label})`,
            )
          : ({ status: "priced", price: 0n } as const);
        return {
          id: c.categoryId,
          ltv: c.ltv,
          liquidationThreshold: c.liquidationThreshold,
          liquidationBonus: c.liquidationBonus,
          hasPriceSource,
          oracleAnswer: hasPriceSource ? answerOf(price) : null,
          priceStatus: price.status,
          priceReason: reasonOf(price),
        };
      });
    const known = new Set(reserves.map((r) => r.asset));
    const held = positions.positionsOf(m.id);
    // A position in a reserve the market does not list (not expected once ReserveInitialized is indexed)
    // loses that entry; every other position object is passed on as is, so the engine can reuse its
    // conversion from the previous snapshot (it matches positions by identity).
    const complete = held.every((p) => p.reserves.every((r) => known.has(r.asset)));
    const marketPositions = complete
      ? [...held]
      : held
          .map((p) =>
            p.reserves.every((r) => known.has(r.asset))
              ? p
              : { ...p, reserves: p.reserves.filter((r) => known.has(r.asset)) },
          )
          .filter((p) => p.reserves.length > 0);
    // The protocol id doubles as its name: names are metric labels.
    protocols.push({
      id: m.id,
      name: m.id,
      chainId: m.chainId,
      reserves,
      positions: marketPositions,
      baseCurrencyUnit: unit,
      timestamp: at,
      eModeCategories,
      aaveRevision: {
        poolRevision: m.poolRevision,
        rules: rules.name,
        supported: revision.supported,
      },
      problems: marketProblems,
    });
    sources.push({ source: `positions:${m.id}`, updatedAt: at });
  }
  // Morpho Blue instances after the Aave markets: a token's market price stays the first listing's.
  for (const p of morphoProtocols({
    deployment,
    rows,
    positions: morphoPositions,
    indexedAt,
    assetIds,
  })) {
    protocols.push(p);
    sources.push({ source: `positions:${p.id}`, updatedAt: p.timestamp ?? 0 });
  }
  sources.push({
    source: `bridge:${bridgeId}`,
    updatedAt: minOf(deployment.chains.map((c) => indexedAt(c.chainId))),
  });
  const externalBridges = externalBridgeBacking(deployment, rows, assetIds);
  for (const b of deployment.externalBridges) {
    const chains = [b.homeChainId, ...b.assets.flatMap((a) => a.minted.map((m) => m.chainId))];
    sources.push({ source: `bridge:${b.id}`, updatedAt: minOf(chains.map(indexedAt)) });
  }
  sources.push({ source: "indexer", updatedAt: maxOf([...indexed.values()].map((b) => b.timestamp)) });

  const snapshot: RiskSnapshot = {
    asOf: {
      blockTimestamps: deployment.chains.map((c) => {
        const block = indexed.get(c.chainId);
        return block
          ? { chainId: c.chainId, timestamp: block.timestamp, blockNumber: block.blockNumber }
          : { chainId: c.chainId, timestamp: 0 };
      }),
      sources,
    },
    assets,
    bridges: [{ id: bridgeId, name: bridgeId, assets: bridgeAssets }, ...externalBridges],
    protocols,
    dexPools: dexPoolsFromRows(deployment, rows),
  };
  // Positions name only the market's reserves by construction (the filter above).
  validateRiskSnapshot(snapshot, { positions: false });
  return snapshot;
}

/**
 * Backing of each external lock/mint bridge: its lock contract's custody of each asset (lock minus
 * release events) against the indexed supply of every token it minted for that asset. Messages in flight
 * are not visible through a descriptor, so `inFlight` is 0.
 */
function externalBridgeBacking(
  deployment: Deployment,
  rows: Pick<IndexerRows, "externalCustodies" | "tokenSupplies">,
  assetIds: Set<string>,
): RiskSnapshot["bridges"] {
  const supplyByToken = new Map(rows.tokenSupplies.map((s) => [chainKey(s.chainId, s.token), s.totalSupply]));
  return deployment.externalBridges.map((b) => ({
    id: b.id,
    name: b.id,
    assets: b.assets
      .filter((a) => assetIds.has(lower(a.homeToken)))
      .map((a) => {
        const custody = rows.externalCustodies.find(
          (c) => c.bridge === b.id && c.chainId === b.homeChainId && lower(c.token) === lower(a.homeToken),
        );
        return {
          asset: lower(a.homeToken),
          lockedOnHome: custody && custody.locked > 0n ? custody.locked : 0n,
          remoteSupply: a.minted.map((m) => ({
            chainId: m.chainId,
            wrappedToken: lower(m.token),
            supply: supplyByToken.get(chainKey(m.chainId, m.token)) ?? 0n,
          })),
          inFlight: 0n,
        };
      }),
  }));
}
