import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { pgTable } from "drizzle-orm/pg-core";
import { normalizedDebt, normalizedIncome } from "../../lib/aave/interest.js";
import { type OraclePrice, oraclePrice } from "../../lib/aave/oracle.js";
import type { Deployment } from "../../lib/deployments.js";
import { BridgeError } from "../../lib/errors.js";
import type { Logger } from "../../lib/logger.js";
import type {
  RiskAsset,
  RiskBridgeAsset,
  RiskEModeCategory,
  RiskPosition,
  RiskProtocol,
  RiskReserve,
  RiskSnapshot,
} from "../../lib/risk/index.js";
import { validateRiskSnapshot } from "../../lib/risk/index.js";
import type * as indexerSchema from "../../ponder.schema.js";

/** The indexer's tables (ponder.schema.ts): Ponder's `ponder:schema` in the API, the file itself elsewhere. */
export type IndexerTables = Pick<
  typeof indexerSchema,
  | "market"
  | "reserve"
  | "emodeCategory"
  | "marketUser"
  | "position"
  | "priceSource"
  | "assetSource"
  | "routeTotals"
  | "assetSupply"
  | "tokenSupply"
>;

/**
 * A drizzle database with the indexer's tables on its search path and `casing: "snake_case"` (Ponder's
 * convention): Ponder's read-only `db` from "ponder:api", or a node-postgres drizzle whose search_path is
 * Ponder's views schema. Only `select` is used.
 */
export type IndexerDb = { select: PgDatabase<PgQueryResultHKT>["select"] };

/**
 * Ponder's own progress table (one row per chain). Declared here without a schema so it resolves
 * through the search path: Ponder sets it to the instance's schema for its API connections, and the
 * views schema carries a `_ponder_checkpoint` view.
 */
export const ponderCheckpoint = pgTable("_ponder_checkpoint", (t) => ({
  // Explicit column names keep this partial declaration out of drizzle's casing cache, which is keyed
  // by schema and table name and shared with Ponder's own full declaration on the same connection:
  // cached first, a partial table made Ponder's GET /status select "undefined" columns (HTTP 500).
  chainName: t.text("chain_name").primaryKey(),
  chainId: t.bigint("chain_id", { mode: "number" }).notNull(),
  latestCheckpoint: t.varchar("latest_checkpoint", { length: 75 }).notNull(),
}));

/** The indexer's data could not be read and there is no earlier snapshot to fall back on. */
export class RiskDataUnavailableError extends BridgeError {}

export type IndexedBlock = { chainId: number; blockNumber: bigint; timestamp: number };

/**
 * Ponder's checkpoint string: 10 digits block timestamp, 16 chain id, 16 block number, then
 * transaction index, event type and event index (ponder/src/utils/checkpoint.ts). Only the leading
 * fields are needed here.
 */
export function decodeCheckpointBlock(checkpoint: string): IndexedBlock {
  return {
    timestamp: Number(checkpoint.slice(0, 10)),
    chainId: Number(checkpoint.slice(10, 26)),
    blockNumber: BigInt(checkpoint.slice(26, 42)),
  };
}

type Row<K extends keyof IndexerTables> = IndexerTables[K]["$inferSelect"];

export type IndexerRows = {
  checkpoints: { chainId: number; latestCheckpoint: string }[];
  markets: Row<"market">[];
  reserves: Row<"reserve">[];
  emodeCategories: Row<"emodeCategory">[];
  marketUsers: Row<"marketUser">[];
  positions: Row<"position">[];
  priceSources: Row<"priceSource">[];
  assetSources: Row<"assetSource">[];
  routeTotals: Row<"routeTotals">[];
  assetSupplies: Row<"assetSupply">[];
  tokenSupplies: Row<"tokenSupply">[];
};

/** Pool revisions whose account-data rules lib/aave implements: 1 = core-v3 1.19.x, the v3.0 line. */
export const SUPPORTED_POOL_REVISIONS: readonly number[] = [1];

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
 *   formulas, and stable debt is compounded to it, so figures are what `getUserAccountData` returns at
 *   that block.
 * - Prices: each reserve's AaveOracle source (a Chainlink proxy, `price_source`), its raw answer taken as
 *   base-currency units exactly as AaveOracle returns it; `priceUsd = answer / BASE_CURRENCY_UNIT`. The
 *   answer is judged against that feed's heartbeat at the chain's last indexed block (lib/aave
 *   oraclePrice): missing or <= 0 is unpriced, older than the heartbeat is stale. Judging at the indexed
 *   block rather than the wall clock keeps the snapshot pure; an indexer that stops is caught by
 *   DataStale/IndexerLagging.
 * - eMode: categories with a price source are priced through AaveOracle's source of that asset.
 * - Problems: the indexer's per-reserve problems (no source, decimals against BASE_CURRENCY_UNIT), plus a
 *   Pool revision this engine does not implement, are recorded on the reserves, never fatal.
 * - Assets (backing): the home chain's native tokens, priced by any market's source for a token that
 *   represents them. Backing as before: custody at home, remote wrapped supply, in flight.
 * - Sources (staleness alerts): `prices:<chainId>` (the stalest feed answer on that chain),
 *   `positions:<protocol>` and `bridge:<bridgeId>` (how far the indexer has processed the chains).
 */
export function snapshotFromIndexerRows(deployment: Deployment, rows: IndexerRows): RiskSnapshot {
  const indexed = new Map<number, IndexedBlock>();
  for (const c of rows.checkpoints) {
    const block = decodeCheckpointBlock(c.latestCheckpoint);
    indexed.set(c.chainId, { ...block, chainId: c.chainId });
  }
  const indexedAt = (chainId: number) => indexed.get(chainId)?.timestamp ?? 0;
  const bridgeId = deployment.bridgeId;
  const home = deployment.chains.find((c) => c.role === "home")!;
  const tokenByAddress = new Map(
    deployment.chains.flatMap((c) => c.tokens.map((t) => [chainKey(c.chainId, t.address), t] as const)),
  );
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

  // Home assets, priced by a market's source for any token representing them.
  const assets: RiskAsset[] = [];
  for (const token of home.tokens.filter((t) => t.kind === "native")) {
    const id = lower(token.homeToken);
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
    assets.push({
      id,
      symbol: token.symbol,
      decimals: token.decimals,
      chainId: home.chainId,
      priceUsd,
      priceUpdatedAt,
    });
  }
  const assetIds = new Set(assets.map((a) => a.id));

  const supplyByToken = new Map(rows.tokenSupplies.map((s) => [chainKey(s.chainId, s.token), s]));
  const bridgeAssets: RiskBridgeAsset[] = assets.map((asset) => {
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

  const eModeOf = new Map(rows.marketUsers.map((u) => [`${u.protocol}:${lower(u.user)}`, u.eModeCategory]));
  const positionsByProtocol = new Map<string, Map<string, RiskPosition>>();
  for (const row of rows.positions) {
    const empty =
      row.scaledATokenBalance === 0n && row.scaledVariableDebt === 0n && row.stableDebtPrincipal === 0n;
    if (empty) continue;
    let users = positionsByProtocol.get(row.protocol);
    if (!users) {
      users = new Map();
      positionsByProtocol.set(row.protocol, users);
    }
    const user = lower(row.user);
    let position = users.get(user);
    if (!position) {
      position = { user, reserves: [], eModeCategory: eModeOf.get(`${row.protocol}:${user}`) ?? 0 };
      users.set(user, position);
    }
    position.reserves.push({
      asset: lower(row.asset),
      scaledCollateral: row.scaledATokenBalance,
      scaledDebt: row.scaledVariableDebt,
      usedAsCollateral: row.usedAsCollateral,
      stableDebt:
        row.stableDebtPrincipal === 0n
          ? null
          : {
              principal: row.stableDebtPrincipal,
              rate: row.stableBorrowRate,
              lastUpdateTimestamp: row.stableDebtTimestamp,
            },
    });
  }

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
    if (m.poolRevision !== null && !SUPPORTED_POOL_REVISIONS.includes(m.poolRevision)) {
      marketProblems.push(
        `Pool revision ${m.poolRevision} is not one this engine implements (${SUPPORTED_POOL_REVISIONS.join(", ")}: Aave v3.0): figures may differ from the Pool's`,
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
          bridge: known && wrapped ? bridgeId : null,
          priceUsd: answer === null ? 0 : Number(answer) / Number(unit),
          decimals: r.decimals,
          ltv: r.ltv,
          liquidationThreshold: r.liquidationThreshold,
          liquidationBonus: r.liquidationBonus,
          liquidityIndex: advance ? normalizedIncome(state, atBig) : r.liquidityIndex,
          variableBorrowIndex: advance ? normalizedDebt(state, atBig) : r.variableBorrowIndex,
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
    const positions = [...(positionsByProtocol.get(m.id)?.values() ?? [])]
      .map((p) => ({ ...p, reserves: p.reserves.filter((r) => known.has(r.asset)) }))
      .filter((p) => p.reserves.length > 0);
    // The protocol id doubles as its name: names are metric labels.
    protocols.push({
      id: m.id,
      name: m.id,
      chainId: m.chainId,
      reserves,
      positions,
      baseCurrencyUnit: unit,
      timestamp: at,
      eModeCategories,
      problems: marketProblems,
    });
    sources.push({ source: `positions:${m.id}`, updatedAt: at });
  }
  sources.push({
    source: `bridge:${bridgeId}`,
    updatedAt: minOf(deployment.chains.map((c) => indexedAt(c.chainId))),
  });
  sources.push({ source: "indexer", updatedAt: maxOf([...indexed.values()].map((b) => b.timestamp)) });

  const snapshot: RiskSnapshot = {
    asOf: {
      blockTimestamps: deployment.chains.map((c) => ({
        chainId: c.chainId,
        timestamp: indexedAt(c.chainId),
      })),
      sources,
    },
    assets,
    bridges: [{ id: bridgeId, name: bridgeId, assets: bridgeAssets }],
    protocols,
  };
  validateRiskSnapshot(snapshot);
  return snapshot;
}

/** Reads every row the snapshot needs. Checkpoints first: data read after them is at least that new. */
export async function readIndexerRows(db: IndexerDb, tables: IndexerTables): Promise<IndexerRows> {
  const checkpoints = await readCheckpoints(db);
  const [
    markets,
    reserves,
    emodeCategories,
    marketUsers,
    positions,
    priceSources,
    assetSources,
    routeTotals,
    assetSupplies,
    tokenSupplies,
  ] = await Promise.all([
    db.select().from(tables.market),
    db.select().from(tables.reserve),
    db.select().from(tables.emodeCategory),
    db.select().from(tables.marketUser),
    db.select().from(tables.position),
    db.select().from(tables.priceSource),
    db.select().from(tables.assetSource),
    db.select().from(tables.routeTotals),
    db.select().from(tables.assetSupply),
    db.select().from(tables.tokenSupply),
  ]);
  return {
    checkpoints,
    markets,
    reserves,
    emodeCategories,
    marketUsers,
    positions,
    priceSources,
    assetSources,
    routeTotals,
    assetSupplies,
    tokenSupplies,
  };
}

async function readCheckpoints(db: IndexerDb) {
  return db
    .select({ chainId: ponderCheckpoint.chainId, latestCheckpoint: ponderCheckpoint.latestCheckpoint })
    .from(ponderCheckpoint);
}

export type CreateIndexerSnapshotProviderParameters = {
  db: IndexerDb;
  tables: IndexerTables;
  deployment: Deployment;
  /** Minimum time between two looks at the indexer's progress. Default 1000 ms. */
  minRefreshMs?: number;
  logger?: Logger;
  /** Milliseconds clock (tests). */
  clock?: () => number;
};

export type IndexerSnapshotProvider = {
  /**
   * The current snapshot. The same object is returned until the indexer has processed a new block on
   * some chain (the yoga layer and the metrics cache their analysis per snapshot object).
   */
  getSnapshot: () => Promise<RiskSnapshot>;
  /** Last indexed block per chain behind the current snapshot (empty before the first one). */
  indexedBlocks: () => IndexedBlock[];
};

/**
 * A snapshot provider over the indexer's tables. At most once per `minRefreshMs` it reads Ponder's
 * checkpoint table (one row per chain, cheap) and rebuilds the snapshot only when a checkpoint moved:
 * every indexed change comes with a checkpoint change, and a new block also moves the time the reserve
 * indexes are brought forward to. Concurrent callers share one refresh. If a refresh fails after a
 * snapshot exists, the old snapshot is served (its timestamps age, so staleness alerts fire) and the
 * failure is logged.
 *
 * @example
 * import { db } from "ponder:api";
 * import schema from "ponder:schema";
 * const provider = createIndexerSnapshotProvider({ db, tables: schema, deployment });
 * const yoga = createRiskYoga({ getSnapshot: provider.getSnapshot });
 */
export function createIndexerSnapshotProvider(
  params: CreateIndexerSnapshotProviderParameters,
): IndexerSnapshotProvider {
  const minRefreshMs = params.minRefreshMs ?? 1000;
  const clock = params.clock ?? Date.now;
  let current: { snapshot: RiskSnapshot; fingerprint: string; blocks: IndexedBlock[] } | undefined;
  let checkedAt = Number.NEGATIVE_INFINITY;
  let pending: Promise<RiskSnapshot> | undefined;

  const refresh = async (): Promise<RiskSnapshot> => {
    const checkpoints = await readCheckpoints(params.db);
    const fingerprint = checkpoints
      .map((c) => `${c.chainId}:${c.latestCheckpoint}`)
      .sort()
      .join(",");
    if (current && current.fingerprint === fingerprint) return current.snapshot;
    const rows = await readIndexerRows(params.db, params.tables);
    const snapshot = snapshotFromIndexerRows(params.deployment, rows);
    // Fingerprint of what was read, not of the first look: a block indexed in between is included.
    const readFingerprint = rows.checkpoints
      .map((c) => `${c.chainId}:${c.latestCheckpoint}`)
      .sort()
      .join(",");
    const blocks = rows.checkpoints.map((c) => ({
      ...decodeCheckpointBlock(c.latestCheckpoint),
      chainId: c.chainId,
    }));
    current = { snapshot, fingerprint: readFingerprint, blocks };
    params.logger?.debug(
      { blocks: blocks.map((b) => `${b.chainId}@${b.blockNumber}`) },
      "risk snapshot rebuilt",
    );
    return snapshot;
  };

  return {
    getSnapshot() {
      if (pending) return pending;
      if (current && clock() - checkedAt < minRefreshMs) return Promise.resolve(current.snapshot);
      checkedAt = clock();
      pending = refresh()
        .catch((cause: unknown) => {
          if (current) {
            params.logger?.warn({ err: cause }, "risk snapshot refresh failed; serving the previous one");
            return current.snapshot;
          }
          throw new RiskDataUnavailableError("The indexer's data could not be read.", {
            details: cause instanceof Error ? cause.message : String(cause),
            cause,
          });
        })
        .finally(() => {
          pending = undefined;
        });
      return pending;
    },
    indexedBlocks: () => current?.blocks ?? [],
  };
}
