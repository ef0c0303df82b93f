import type { Deployment } from "../../../deployments.js";
import { BridgeError } from "../../../errors.js";
import type { Logger } from "../../../logger.js";
import type { RiskSnapshot } from "../../index.js";
import { IndexedPositions } from "./indexedPositions.js";
import {
  type Checkpoint,
  decodeCheckpointBlock,
  type IndexedBlock,
  type IndexerDb,
  type IndexerRows,
  type IndexerTables,
  readCheckpoints,
  readIndexerRows,
  readRowsById,
} from "./indexerRows.js";
import { IndexedMorphoPositions } from "./morphoSnapshot.js";
import { refreshingValue } from "./refreshingValue.js";
import { assembleSnapshot } from "./snapshotFromRows.js";

// The reading and the conversion live beside this file; their names stay importable from here.
export {
  decodeCheckpointBlock,
  type IndexedBlock,
  type IndexerDb,
  type IndexerRows,
  type IndexerTables,
  ponderCheckpoint,
  readIndexerRows,
} from "./indexerRows.js";
export { SUPPORTED_POOL_REVISIONS, snapshotFromIndexerRows } from "./snapshotFromRows.js";

/** The indexer's data could not be read and there is no earlier snapshot to fall back on. */
export class RiskDataUnavailableError extends BridgeError {}

export type CreateIndexerSnapshotProviderParameters = {
  db: IndexerDb;
  tables: IndexerTables;
  deployment: Deployment;
  /** Minimum time between two looks at the indexer's progress. Default 1000 ms. */
  minRefreshMs?: number;
  logger?: Logger;
  /** Milliseconds clock (tests). */
  clock?: () => number;
  /** Run on each new snapshot before it is served (e.g. to compute its analysis ahead of requests). */
  prepare?: (snapshot: RiskSnapshot) => void;
  /**
   * Build the next snapshot ahead of the current one's expiry for this many milliseconds after each
   * `inUse()` (./refreshingValue.ts), so requests do not wait for rebuilds. Default 0: rebuild only
   * when a request finds the snapshot older than `minRefreshMs`.
   */
  refreshAheadWhileUsedMs?: number;
  /** Called once a new snapshot is the one served (e.g. to compute its answers ahead of requests). */
  served?: (snapshot: RiskSnapshot) => void;
};

export type IndexerSnapshotProvider = {
  /**
   * The current snapshot. The same object is returned until the indexer has processed a new block on
   * some chain (the yoga layer and the metrics cache their analysis per snapshot object).
   */
  getSnapshot: () => Promise<RiskSnapshot>;
  /** Last indexed block per chain behind the current snapshot (empty before the first one). */
  indexedBlocks: () => IndexedBlock[];
  /** A request that should not wait for a rebuild is coming: build ahead (`refreshAheadWhileUsedMs`). */
  inUse: () => void;
  /** Stops building snapshots ahead of requests (idempotent). */
  close: () => void;
};

/**
 * A snapshot provider over the indexer's tables. At most once per `minRefreshMs` it reads Ponder's
 * checkpoint table (one row per chain, cheap) and builds a new snapshot only when a checkpoint moved:
 * every indexed change comes with a checkpoint change, and a new block also moves the time the reserve
 * indexes are brought forward to and prices are judged at. Concurrent callers share one refresh. If a
 * refresh fails after a snapshot exists, the old snapshot is served (its timestamps age, so staleness
 * alerts fire) and the failure is logged. With `refreshAheadWhileUsedMs`, the next snapshot is built
 * shortly before the current one expires while `inUse()` keeps being called (./refreshingValue.ts).
 *
 * Incremental: the small tables (markets, reserves, prices, backing) are read in full every time, so
 * prices are judged and indexes brought forward as of the new block exactly as a full rebuild would;
 * `position` and `market_user` rows are read only where `updated_at_block` is above the last block of
 * their chain that can no longer be reorganised (see {@link finalBlocks}), and only the users whose rows
 * changed are converted again ({@link IndexedPositions}); the engine then reuses the other positions'
 * conversions. A held row above that block that the read no longer returns was rolled back by a reorg:
 * it is read again by id (or dropped when gone). The first snapshot reads everything.
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
  const positions = new IndexedPositions();
  const morphoPositions = new IndexedMorphoPositions();
  /** Latest checkpoints seen per chain, not yet known final (they become the final bound once they are). */
  const seen = new Map<number, string[]>();
  /** Held row ids whose `updatedAtBlock` is above `since`: the next read must return them unless rolled back. */
  let unsettled = { positions: new Set<string>(), users: new Set<string>() };
  /**
   * Per chain, the final block as of the previous refresh's look at the checkpoints (none before the
   * first). A row written after that look carries a higher block: a new block is above the chain's
   * latest checkpoint then, and a reorg cannot go back to or below its finalized one.
   */
  let since: Map<number, bigint> | undefined;

  const refresh = async (): Promise<RiskSnapshot> => {
    const startedAt = clock();
    const checkpoints = await readCheckpoints(params.db);
    const fingerprint = fingerprintOf(checkpoints);
    if (current && current.fingerprint === fingerprint) return current.snapshot;
    const rows = await readIndexerRows(params.db, params.tables, since);
    const back = await rolledBack(rows, since);
    positions.apply({
      positions: [...rows.positions, ...back.reread.positions],
      users: [...rows.marketUsers, ...back.reread.users],
      removedPositions: back.removedPositions,
      removedUsers: back.removedUsers,
    });
    // Bounds for the next read come from this refresh's first look (taken before any row was read).
    const next = finalBlocks(checkpoints, seen);
    for (const c of checkpoints) seen.set(c.chainId, [...(seen.get(c.chainId) ?? []), c.latestCheckpoint]);
    unsettled = settle(
      next,
      [...rows.positions, ...back.reread.positions],
      [...rows.marketUsers, ...back.reread.users],
    );
    since = next;
    morphoPositions.apply(rows.morphoMarkets, rows.morphoPositions);
    const snapshot = assembleSnapshot(params.deployment, rows, positions, morphoPositions);
    // Fingerprint of what was read, not of the first look: a block indexed in between is included.
    const blocks = rows.checkpoints.map((c) => ({
      ...decodeCheckpointBlock(c.latestCheckpoint),
      chainId: c.chainId,
    }));
    const readAt = clock();
    params.prepare?.(snapshot);
    current = { snapshot, fingerprint: fingerprintOf(rows.checkpoints), blocks };
    params.logger?.debug(
      {
        blocks: blocks.map((b) => `${b.chainId}@${b.blockNumber}`),
        rowsRead: rows.positions.length + rows.marketUsers.length,
        // Read and assembled, then analysed (prepare): where a rebuild's time goes.
        readMs: readAt - startedAt,
        prepareMs: clock() - readAt,
      },
      "risk snapshot rebuilt",
    );
    return snapshot;
  };

  /** Held rows above the bound that the read did not return: read again by id; gone ones removed. */
  const rolledBack = async (rows: IndexerRows, bounds: ReadonlyMap<number, bigint> | undefined) => {
    const returned = {
      positions: new Set(rows.positions.map((r) => r.id)),
      users: new Set(rows.marketUsers.map((r) => r.id)),
    };
    const stillAbove = (row: { chainId: number; updatedAtBlock: bigint } | undefined) =>
      row !== undefined && (bounds?.get(row.chainId) ?? -1n) < row.updatedAtBlock;
    const missing = {
      positions: [...unsettled.positions].filter(
        (id) => !returned.positions.has(id) && stillAbove(positions.positionRow(id)),
      ),
      users: [...unsettled.users].filter(
        (id) => !returned.users.has(id) && stillAbove(positions.userRow(id)),
      ),
    };
    if (missing.positions.length === 0 && missing.users.length === 0) {
      return { reread: { positions: [], users: [] }, removedPositions: [], removedUsers: [] };
    }
    const found = await readRowsById(params.db, params.tables, missing);
    const foundIds = new Set([...found.positions.map((r) => r.id), ...found.marketUsers.map((r) => r.id)]);
    params.logger?.info(
      { reread: missing.positions.length + missing.users.length },
      "risk snapshot: rows rolled back by a reorg read again",
    );
    return {
      reread: { positions: found.positions, users: found.marketUsers },
      removedPositions: missing.positions.filter((id) => !foundIds.has(id)),
      removedUsers: missing.users.filter((id) => !foundIds.has(id)),
    };
  };

  const snapshots = refreshingValue({
    refresh,
    minRefreshMs,
    clock,
    aheadWhileUsedMs: params.refreshAheadWhileUsedMs,
    changed: params.served,
    failed: (cause, previous) => {
      if (previous) {
        params.logger?.warn({ err: cause }, "risk snapshot refresh failed; serving the previous one");
        return previous;
      }
      throw new RiskDataUnavailableError("The indexer's data could not be read.", {
        details: cause instanceof Error ? cause.message : String(cause),
        cause,
      });
    },
  });
  return {
    getSnapshot: snapshots.get,
    inUse: snapshots.use,
    indexedBlocks: () => current?.blocks ?? [],
    close: snapshots.close,
  };
}

const fingerprintOf = (checkpoints: Checkpoint[]) =>
  checkpoints
    .map((c) => `${c.chainId}:${c.latestCheckpoint}`)
    .sort()
    .join(",");

/**
 * Per chain, the highest block that no reorg can roll back any more, from one look at the checkpoints
 * and the heads seen at earlier looks. Candidates are the chain's checkpoints known to name one of its
 * blocks: the heads seen earlier, this look's head, and Ponder's finalized checkpoint itself when it
 * names this chain (Ponder writes each finalized checkpoint on the row of the chain whose block it is,
 * so in realtime a chain's row usually names one of its own blocks). The newest candidate at or below
 * the finalized checkpoint wins (checkpoints are fixed-width digit strings, so they compare as strings).
 * Why the finalized checkpoint and this look's head count: without them the first bound came only once
 * a head seen at an earlier look was final, and until then (seconds to Ponder's finality depth) every
 * refresh re-read all rows of the chain; with them the read after the first is already incremental.
 * Heads of a chain seen before the winner are dropped from `seen`; chains with no final candidate are
 * absent (read in full). Assumes a head seen at an earlier look and finalized by timestamp was not
 * replaced by a later-stamped fork block: with Ponder's finality depth (30 blocks on a devnet chain) a
 * reorg that deep does not happen on the chains we index. This look's head and the finalized checkpoint
 * need no such assumption: both name the block as it is now.
 */
export function finalBlocks(checkpoints: Checkpoint[], seen: Map<number, string[]>): Map<number, bigint> {
  const bounds = new Map<number, bigint>();
  for (const c of checkpoints) {
    const history = seen.get(c.chainId) ?? [];
    const namesThisChain = decodeCheckpointBlock(c.finalizedCheckpoint).chainId === c.chainId;
    const candidates = [...history, c.latestCheckpoint, ...(namesThisChain ? [c.finalizedCheckpoint] : [])];
    const final = candidates.filter((h) => h <= c.finalizedCheckpoint);
    if (final.length === 0) continue;
    const newest = final.reduce((a, b) => (a > b ? a : b));
    bounds.set(c.chainId, decodeCheckpointBlock(newest).blockNumber);
    seen.set(
      c.chainId,
      history.filter((h) => h >= newest),
    );
  }
  return bounds;
}

/** Ids of rows above their chain's final bound: a later read must still return them, or they were rolled back. */
function settle(
  bounds: ReadonlyMap<number, bigint> | undefined,
  positionRows: { id: string; chainId: number; updatedAtBlock: bigint }[],
  userRows: { id: string; chainId: number; updatedAtBlock: bigint }[],
) {
  const above = (r: { chainId: number; updatedAtBlock: bigint }) =>
    (bounds?.get(r.chainId) ?? -1n) < r.updatedAtBlock;
  return {
    positions: new Set(positionRows.filter(above).map((r) => r.id)),
    users: new Set(userRows.filter(above).map((r) => r.id)),
  };
}
