import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { pgTable } from "drizzle-orm/pg-core";
import { normalizedDebt, normalizedIncome } from "../../lib/aave/interest.js";
import type { Deployment } from "../../lib/deployments.js";
import { BridgeError } from "../../lib/errors.js";
import type { Logger } from "../../lib/logger.js";
import type {
  RiskAsset,
  RiskBridgeAsset,
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
  "price" | "reserve" | "position" | "routeTotals" | "assetSupply" | "tokenSupply"
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

export type IndexerRows = {
  checkpoints: { chainId: number; latestCheckpoint: string }[];
  prices: (typeof indexerSchema.price.$inferSelect)[];
  reserves: (typeof indexerSchema.reserve.$inferSelect)[];
  positions: (typeof indexerSchema.position.$inferSelect)[];
  routeTotals: (typeof indexerSchema.routeTotals.$inferSelect)[];
  assetSupplies: (typeof indexerSchema.assetSupply.$inferSelect)[];
  tokenSupplies: (typeof indexerSchema.tokenSupply.$inferSelect)[];
};

const lower = (a: string) => a.toLowerCase();
const chainKey = (chainId: number, address: string) => `${chainId}:${lower(address)}`;
const maxOf = (values: number[]) => (values.length === 0 ? 0 : Math.max(...values));
const minOf = (values: number[]) => (values.length === 0 ? 0 : Math.min(...values));

/**
 * Builds the risk engine's snapshot from the indexer's rows. Pure: the same rows give the same snapshot.
 *
 * - Assets: the home chain's native tokens, priced by their home-chain feed (any chain's feed for the
 *   asset when home has none).
 * - Backing (bridge `deployment.bridgeId`): L = the supply check's custody (locked - released at home,
 *   which is the vault's balance unless someone sends tokens to the vault outside `lock`); remote supply =
 *   each wrapped token's totalSupply from its Transfer events (falls back to the route's minted - burned);
 *   in flight = source legs indexed without their destination leg, both directions (a lock not yet minted
 *   is held by the vault but not yet in any supply; a burn not yet released left the supply but is still
 *   in the vault).
 * - Reserves: configuration as indexed; indexes brought forward to the chain's last indexed block with
 *   the pool's own interest formulas, so balances are what `getUserAccountData` would see at that block;
 *   wrapped tokens belong to the deployment's bridge, native tokens to none. `poolLiquidity` is null
 *   (infinitely deep): no AMM is deployed next to the pools, and the lending pool's idle liquidity is not
 *   a price-impact curve.
 * - Sources (for `risk_data_last_update_timestamp_seconds` and staleness alerts): `prices:<chainId>`
 *   (the stalest feed answer on that chain), `positions:<protocol>` and `bridge:<bridgeId>` (how far the
 *   indexer has processed the chains behind them). `chain:<id>` and `price:<symbol>` are added by the
 *   engine from `asOf.blockTimestamps` and the assets.
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

  const priceByFeed = new Map(rows.prices.map((p) => [chainKey(p.chainId, p.feed), p]));
  const usd = (answer: bigint) => Number(answer) / 1e8;

  const assets: RiskAsset[] = [];
  for (const token of home.tokens.filter((t) => t.kind === "native")) {
    const price =
      (token.priceFeed && priceByFeed.get(chainKey(home.chainId, token.priceFeed))) ||
      rows.prices.find((p) => p.asset !== null && lower(p.asset) === lower(token.homeToken));
    assets.push({
      id: lower(token.homeToken),
      symbol: token.symbol,
      decimals: token.decimals,
      chainId: home.chainId,
      priceUsd: price ? usd(price.answer) : 0,
      priceUpdatedAt: price ? Number(price.updatedAt) : 0,
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

  const tokenByAddress = new Map(
    deployment.chains.flatMap((c) => c.tokens.map((t) => [chainKey(c.chainId, t.address), t] as const)),
  );
  const positionsByProtocol = new Map<string, Map<string, RiskPosition>>();
  for (const row of rows.positions) {
    if (row.scaledCollateral === 0n && row.scaledDebt === 0n) continue;
    let users = positionsByProtocol.get(row.protocol);
    if (!users) {
      users = new Map();
      positionsByProtocol.set(row.protocol, users);
    }
    let position = users.get(row.user);
    if (!position) {
      position = { user: lower(row.user), reserves: [] };
      users.set(row.user, position);
    }
    position.reserves.push({
      asset: lower(row.reserve),
      scaledCollateral: row.scaledCollateral,
      scaledDebt: row.scaledDebt,
      usedAsCollateral: row.usedAsCollateral,
    });
  }

  const protocols: RiskProtocol[] = [];
  const sources: { source: string; updatedAt: number }[] = [];
  for (const chain of deployment.chains) {
    const feeds = rows.prices.filter((p) => p.chainId === chain.chainId);
    if (feeds.length > 0)
      sources.push({
        source: `prices:${chain.chainId}`,
        updatedAt: minOf(feeds.map((p) => Number(p.updatedAt))),
      });
    for (const pool of chain.lendingPools) {
      const at = BigInt(indexedAt(chain.chainId));
      const reserves: RiskReserve[] = rows.reserves
        .filter((r) => r.protocol === pool.protocol)
        .map((r) => {
          const token = tokenByAddress.get(chainKey(chain.chainId, r.reserve));
          const homeAsset = token ? lower(token.homeToken) : r.asset ? lower(r.asset) : null;
          const known = homeAsset !== null && assetIds.has(homeAsset);
          const wrapped = token?.kind === "wrapped";
          const state = {
            liquidityIndex: r.liquidityIndex,
            variableBorrowIndex: r.variableBorrowIndex,
            currentLiquidityRate: r.liquidityRate,
            currentVariableBorrowRate: r.variableBorrowRate,
            lastUpdateTimestamp: r.lastUpdateTimestamp,
          };
          // Before the first checkpoint, or if a checkpoint lags the reserve row, keep the stored index.
          const advance = at > r.lastUpdateTimestamp;
          const price = priceByFeed.get(chainKey(chain.chainId, r.priceFeed));
          return {
            asset: lower(r.reserve),
            symbol: token?.symbol ?? r.symbol ?? lower(r.reserve),
            // A wrapped token stands for its home asset; a native token on the home chain is the asset.
            underlyingAsset:
              known && (wrapped || chain.chainId === deployment.homeChainId) ? homeAsset : null,
            bridge: known && wrapped ? bridgeId : null,
            priceUsd: price ? usd(price.answer) : 0,
            decimals: r.decimals,
            ltv: r.ltv,
            liquidationThreshold: r.liquidationThreshold,
            liquidationBonus: r.liquidationBonus,
            liquidityIndex: advance ? normalizedIncome(state, at) : r.liquidityIndex,
            variableBorrowIndex: advance ? normalizedDebt(state, at) : r.variableBorrowIndex,
            poolLiquidity: null,
          };
        });
      const known = new Set(reserves.map((r) => r.asset));
      const positions = [...(positionsByProtocol.get(pool.protocol)?.values() ?? [])]
        .map((p) => ({ ...p, reserves: p.reserves.filter((r) => known.has(r.asset)) }))
        .filter((p) => p.reserves.length > 0);
      // The protocol id doubles as its name: names are metric labels, and the deployment's long
      // descriptive name would make every series unwieldy.
      protocols.push({ id: pool.protocol, name: pool.protocol, chainId: chain.chainId, reserves, positions });
      sources.push({ source: `positions:${pool.protocol}`, updatedAt: indexedAt(chain.chainId) });
    }
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
  const [prices, reserves, positions, routeTotals, assetSupplies, tokenSupplies] = await Promise.all([
    db.select().from(tables.price),
    db.select().from(tables.reserve),
    db.select().from(tables.position),
    db.select().from(tables.routeTotals),
    db.select().from(tables.assetSupply),
    db.select().from(tables.tokenSupply),
  ]);
  return { checkpoints, prices, reserves, positions, routeTotals, assetSupplies, tokenSupplies };
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
