import type { RiskPosition } from "../../index.js";
import type { IndexerRows } from "./indexerRows.js";

type PositionRow = IndexerRows["positions"][number];
type UserRow = IndexerRows["marketUsers"][number];

/** What changed in the indexer's position and market-user tables since the last {@link IndexedPositions.apply}. */
export type PositionRowChanges = {
  /** Rows as they are now (new or updated; unchanged rows may be included, they cost a comparison). */
  positions: readonly PositionRow[];
  users: readonly UserRow[];
  /** Ids of rows that no longer exist (a reorg rolled back their insert). */
  removedPositions?: readonly string[];
  removedUsers?: readonly string[];
};

const lower = (a: string) => a.toLowerCase();
const userKey = (protocol: string, user: string) => `${protocol}:${lower(user)}`;

/** Same figures (the block a row was last written at is not one). */
function samePosition(a: PositionRow, b: PositionRow): boolean {
  return (
    a.scaledATokenBalance === b.scaledATokenBalance &&
    a.scaledVariableDebt === b.scaledVariableDebt &&
    a.stableDebtPrincipal === b.stableDebtPrincipal &&
    a.stableBorrowRate === b.stableBorrowRate &&
    a.stableDebtTimestamp === b.stableDebtTimestamp &&
    a.usedAsCollateral === b.usedAsCollateral
  );
}

/**
 * The risk engine's positions kept in step with the indexer's `position` and `market_user` rows, so a
 * new snapshot converts only the users whose rows changed. Each protocol's position list is a new array
 * whenever one of its users changed, and a user whose rows did not change keeps the same `RiskPosition`
 * object: the engine (`compileRiskBook(snapshot, previous)`) reuses its conversions by that identity.
 * Lists handed out earlier are never mutated (earlier snapshots stay valid while requests use them).
 * Order within a list is not meaningful (a removed user's slot takes the last position).
 *
 * @example
 * const positions = new IndexedPositions();
 * positions.apply({ positions: rows.positions, users: rows.marketUsers });
 * positions.positionsOf("aave-b"); // RiskPosition[]
 */
export class IndexedPositions {
  readonly #rows = new Map<string, PositionRow>();
  /** "<protocol>:<user>" -> asset -> row. */
  readonly #rowsByUser = new Map<string, Map<string, PositionRow>>();
  readonly #users = new Map<string, UserRow>();
  /** "<protocol>:<user>" -> eMode category. */
  readonly #eMode = new Map<string, number>();
  readonly #lists = new Map<string, RiskPosition[]>();
  /** "<protocol>:<user>" -> index in its protocol's list. */
  readonly #slot = new Map<string, number>();

  /** The rows held now, by id (to find rows a reorg rolled back). */
  positionRow(id: string): PositionRow | undefined {
    return this.#rows.get(id);
  }

  userRow(id: string): UserRow | undefined {
    return this.#users.get(id);
  }

  /** The protocol's positions (users with at least one non-zero balance). Do not mutate. */
  positionsOf(protocol: string): readonly RiskPosition[] {
    return this.#lists.get(protocol) ?? [];
  }

  apply(changes: PositionRowChanges): void {
    const dirty = new Set<string>();
    for (const row of changes.positions) {
      const held = this.#rows.get(row.id);
      this.#rows.set(row.id, row);
      if (held && samePosition(held, row)) continue;
      const key = userKey(row.protocol, row.user);
      let byAsset = this.#rowsByUser.get(key);
      if (!byAsset) {
        byAsset = new Map();
        this.#rowsByUser.set(key, byAsset);
      }
      byAsset.set(lower(row.asset), row);
      dirty.add(key);
    }
    for (const id of changes.removedPositions ?? []) {
      const held = this.#rows.get(id);
      if (!held) continue;
      this.#rows.delete(id);
      const key = userKey(held.protocol, held.user);
      this.#rowsByUser.get(key)?.delete(lower(held.asset));
      dirty.add(key);
    }
    for (const row of changes.users) {
      const held = this.#users.get(row.id);
      this.#users.set(row.id, row);
      const key = userKey(row.protocol, row.user);
      this.#eMode.set(key, row.eModeCategory);
      if (held?.eModeCategory !== row.eModeCategory) dirty.add(key);
    }
    for (const id of changes.removedUsers ?? []) {
      const held = this.#users.get(id);
      if (!held) continue;
      this.#users.delete(id);
      const key = userKey(held.protocol, held.user);
      this.#eMode.delete(key);
      dirty.add(key);
    }
    this.#rebuild(dirty);
  }

  #rebuild(dirty: Set<string>): void {
    const copied = new Set<string>();
    for (const key of dirty) {
      const protocol = key.slice(0, key.lastIndexOf(":"));
      let list = this.#lists.get(protocol) ?? [];
      if (!copied.has(protocol)) {
        list = [...list];
        this.#lists.set(protocol, list);
        copied.add(protocol);
      }
      const position = this.#position(key);
      const slot = this.#slot.get(key);
      if (position && slot !== undefined) list[slot] = position;
      else if (position) {
        this.#slot.set(key, list.length);
        list.push(position);
      } else if (slot !== undefined) {
        this.#slot.delete(key);
        const last = list.pop()!;
        if (slot < list.length) {
          list[slot] = last;
          this.#slot.set(userKey(protocol, last.user), slot);
        }
      }
    }
  }

  /** The user's position from its rows; undefined when every balance is zero. */
  #position(key: string): RiskPosition | undefined {
    const rows = this.#rowsByUser.get(key);
    if (!rows) return undefined;
    const reserves: RiskPosition["reserves"] = [];
    let user = "";
    for (const row of rows.values()) {
      const empty =
        row.scaledATokenBalance === 0n && row.scaledVariableDebt === 0n && row.stableDebtPrincipal === 0n;
      if (empty) continue;
      user = lower(row.user);
      reserves.push({
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
    if (reserves.length === 0) {
      if (rows.size === 0) this.#rowsByUser.delete(key);
      return undefined;
    }
    return { user, reserves, eModeCategory: this.#eMode.get(key) ?? 0 };
  }
}
