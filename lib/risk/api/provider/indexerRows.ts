import { and, eq, gt, inArray, notInArray, or, type SQL, sql } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { pgTable } from "drizzle-orm/pg-core";
import type * as aaveTables from "../../../indexerSchema/aave.js";
import type * as externalBridgeTables from "../../../indexerSchema/externalBridges.js";
import type * as morphoTables from "../../../indexerSchema/morpho.js";
import type * as priceTables from "../../../indexerSchema/prices.js";
import type * as transferTables from "../../../indexerSchema/transfers.js";
import type * as uniswapTables from "../../../indexerSchema/uniswap.js";

/** The indexer's tables (lib/indexerSchema): Ponder's `ponder:schema` in the API, the modules themselves elsewhere. */
export type IndexerTables = Pick<
  typeof aaveTables &
    typeof externalBridgeTables &
    typeof morphoTables &
    typeof priceTables &
    typeof transferTables &
    typeof uniswapTables,
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
  | "externalCustody"
  | "morphoMarket"
  | "morphoPosition"
  | "uniswapPool"
  | "uniswapTick"
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
  // In omnichain ordering one checkpoint for every chain: everything at or before it can no longer be
  // rolled back by a reorg.
  finalizedCheckpoint: t.varchar("finalized_checkpoint", { length: 75 }).notNull(),
}));

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

export type Checkpoint = { chainId: number; latestCheckpoint: string; finalizedCheckpoint: string };

export type IndexerRows = {
  checkpoints: Checkpoint[];
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
  /** What each external bridge's lock contract holds, per token (small: read in full). */
  externalCustodies: Row<"externalCustody">[];
  /** Morpho Blue markets and positions: always read in full (see README, "Morpho Blue"). */
  morphoMarkets: Row<"morphoMarket">[];
  morphoPositions: Row<"morphoPosition">[];
  /** Uniswap v3 pools and their ticks (the deployments file's pools): small, always read in full. */
  uniswapPools: Row<"uniswapPool">[];
  uniswapTicks: Row<"uniswapTick">[];
};

/**
 * Reads the rows the snapshot needs. Checkpoints first: data read after them is at least that new.
 * With `since`, `position` and `market_user` rows are read only where `updated_at_block` is above the
 * chain's block in it (every write of the indexer sets it to the event's block); chains missing from
 * `since` are read in full. The other tables are small and always read in full.
 */
export async function readIndexerRows(
  db: IndexerDb,
  tables: IndexerTables,
  since?: ReadonlyMap<number, bigint>,
): Promise<IndexerRows> {
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
    externalCustodies,
    morphoMarkets,
    morphoPositions,
    uniswapPools,
    uniswapTicks,
  ] = await Promise.all([
    db.select().from(tables.market),
    db.select().from(tables.reserve),
    db.select().from(tables.emodeCategory),
    db.select().from(tables.marketUser).where(updatedSince(tables.marketUser, since)),
    db.select().from(tables.position).where(updatedSince(tables.position, since)),
    db.select().from(tables.priceSource),
    db.select().from(tables.assetSource),
    db.select().from(tables.routeTotals),
    db.select().from(tables.assetSupply),
    db.select().from(tables.tokenSupply),
    db.select().from(tables.externalCustody),
    db.select().from(tables.morphoMarket),
    db.select().from(tables.morphoPosition),
    db.select().from(tables.uniswapPool),
    // A tick whose gross liquidity went back to 0 is no longer initialized in the pool.
    db
      .select()
      .from(tables.uniswapTick)
      .where(gt(tables.uniswapTick.liquidityGross, 0n)),
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
    externalCustodies,
    morphoMarkets,
    morphoPositions,
    uniswapPools,
    uniswapTicks,
  };
}

type UpdatedRowsTable = IndexerTables["position"] | IndexerTables["marketUser"];

function updatedSince(
  table: UpdatedRowsTable,
  since: ReadonlyMap<number, bigint> | undefined,
): SQL | undefined {
  if (!since) return undefined;
  const chains = [...since.keys()];
  return or(
    ...[...since].map(([chainId, block]) => and(eq(table.chainId, chainId), gt(table.updatedAtBlock, block))),
    chains.length > 0 ? notInArray(table.chainId, chains) : sql`true`,
  );
}

/** `position` and `market_user` rows by id (those present). */
export async function readRowsById(
  db: IndexerDb,
  tables: IndexerTables,
  ids: { positions: string[]; users: string[] },
): Promise<Pick<IndexerRows, "positions" | "marketUsers">> {
  const [positions, marketUsers] = await Promise.all([
    ids.positions.length === 0
      ? []
      : db.select().from(tables.position).where(inArray(tables.position.id, ids.positions)),
    ids.users.length === 0
      ? []
      : db.select().from(tables.marketUser).where(inArray(tables.marketUser.id, ids.users)),
  ]);
  return { positions, marketUsers };
}

export async function readCheckpoints(db: IndexerDb) {
  return db
    .select({
      chainId: ponderCheckpoint.chainId,
      latestCheckpoint: ponderCheckpoint.latestCheckpoint,
      finalizedCheckpoint: ponderCheckpoint.finalizedCheckpoint,
    })
    .from(ponderCheckpoint);
}
