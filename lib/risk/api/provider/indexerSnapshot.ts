import type { Deployment } from "../../../deployments.js";
import { BridgeError } from "../../../errors.js";
import type { Logger } from "../../../logger.js";
import type { RiskSnapshot } from "../../index.js";
import {
  decodeCheckpointBlock,
  type IndexedBlock,
  type IndexerDb,
  type IndexerTables,
  readCheckpoints,
  readIndexerRows,
} from "./indexerRows.js";
import { snapshotFromIndexerRows } from "./snapshotFromRows.js";

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
    params.prepare?.(snapshot);
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
