import { stableDebtBalance } from "../aave/userAccountData.js";
import type { RiskBook } from "./book.js";
import { UnknownRiskEntityError } from "./errors.js";
import type { PriceStatus, RiskPosition, RiskSnapshot, RiskStableDebt } from "./snapshot.js";

/*
 * The per-position half of compileRiskBook, split in two passes so each is a small loop over typed
 * arrays that V8 optimises on its own (no closures over loop state, no per-position objects):
 * - structure: what the position objects say (reserves, scaled balances, flags); for a position that is
 *   the same object at the same place as in the previous book, copied from it (runs of them as blocks);
 * - values: everything depending on prices, indexes, time, status or configuration, for every entry.
 */

/** Status codes of `reserveStatus` / `positionStatus`, ordered by severity (the worst one wins). */
export const PRICED = 0;
export const STALE = 1;
export const UNPRICED = 2;
export const STATUS_NAMES: readonly PriceStatus[] = ["priced", "stale", "unpriced"];
export const STATUS_CODE: Record<PriceStatus, number> = { priced: PRICED, stale: STALE, unpriced: UNPRICED };

/**
 * The key a protocol's reserve is found by: the asset (lower case), or for a Morpho market's reserve
 * "<market>:<asset>" (a token is a reserve of every market that lists it).
 */
export function reserveKey(asset: string, market: string | undefined): string {
  return market === undefined ? asset.toLowerCase() : `${market}:${asset}`.toLowerCase();
}

/**
 * The book's `positionUser` of a position: the user, or for a Morpho position "<user>:<market>", so the
 * (protocol, user) order and the pagination cursor tell a user's markets apart.
 */
export function positionKey(user: string, market: string | undefined): string {
  return market === undefined ? user : `${user}:${market}`;
}

/** Bits of `entryFlags`. */
export const USED_AS_COLLATERAL = 1;
export const HAS_STABLE_DEBT = 2;

export type PositionStructure = Pick<
  RiskBook,
  | "protocolFirstPosition"
  | "positionCount"
  | "positionProtocol"
  | "positionUser"
  | "positionEMode"
  | "positionStart"
  | "baseOrder"
  | "entryReserve"
  | "entryScaledCollateral"
  | "entryScaledDebt"
  | "entryFlags"
>;

/**
 * Positions' structure. `reuse` is the previous book when its protocols list the same reserves in the
 * same order (else undefined). `reserveLookup[p]` maps a lower-case asset to its global reserve index.
 */
export function compilePositionStructure(
  snapshot: RiskSnapshot,
  reserveLookup: readonly Map<string, number>[],
  reuse: RiskBook | undefined,
): PositionStructure {
  const protocolCount = snapshot.protocols.length;
  // Nothing but prices, indexes, time or configuration changed (every block on a quiet market): the
  // previous structure is this one, and its arrays are shared (books never write them).
  if (reuse && samePositions(snapshot, reuse.snapshot)) {
    const { protocolFirstPosition, positionCount, positionProtocol, positionUser, positionEMode } = reuse;
    const { positionStart, baseOrder, entryReserve, entryScaledCollateral, entryScaledDebt, entryFlags } =
      reuse;
    return {
      protocolFirstPosition,
      positionCount,
      positionProtocol,
      positionUser,
      positionEMode,
      positionStart,
      baseOrder,
      entryReserve,
      entryScaledCollateral,
      entryScaledDebt,
      entryFlags,
    };
  }
  const protocolFirstPosition = new Int32Array(protocolCount + 1);
  let positionCount = 0;
  let entryCount = 0;
  for (let pi = 0; pi < protocolCount; pi++) {
    const list = snapshot.protocols[pi]!.positions;
    protocolFirstPosition[pi] = positionCount;
    positionCount += list.length;
    for (let k = 0; k < list.length; k++) entryCount += list[k]!.reserves.length;
  }
  protocolFirstPosition[protocolCount] = positionCount;

  const positionProtocol = new Int32Array(positionCount);
  const positionUser: string[] = new Array(positionCount);
  const positionEMode = new Int32Array(positionCount);
  const positionStart = new Int32Array(positionCount + 1);
  const entryReserve = new Int32Array(entryCount);
  const entryScaledCollateral = new Float64Array(entryCount);
  const entryScaledDebt = new Float64Array(entryCount);
  const entryFlags = new Uint8Array(entryCount);
  const out = { entryReserve, entryScaledCollateral, entryScaledDebt, entryFlags };

  let e = 0;
  for (let pi = 0; pi < protocolCount; pi++) {
    const p = snapshot.protocols[pi]!;
    const lookup = reserveLookup[pi]!;
    const before = reuse?.snapshot.protocols[pi]!.positions;
    const beforeLength = before?.length ?? 0;
    const beforeFirst = reuse ? reuse.protocolFirstPosition[pi]! : 0;
    const first = protocolFirstPosition[pi]!;
    positionProtocol.fill(pi, first, protocolFirstPosition[pi + 1]!);
    const list = p.positions;
    // Reused positions whose entries follow each other in the previous book are copied as one block.
    let runFrom = 0;
    let runTo = 0;
    let runLength = 0;
    for (let k = 0; k < list.length; k++) {
      const pos = list[k]!;
      const i = first + k;
      positionUser[i] = pos.market === undefined ? pos.user : positionKey(pos.user, pos.market);
      positionEMode[i] = pos.eModeCategory ?? 0;
      positionStart[i] = e;
      if (k < beforeLength && before![k] === pos) {
        const from = reuse!.positionStart[beforeFirst + k]!;
        const length = reuse!.positionStart[beforeFirst + k + 1]! - from;
        if (runLength > 0 && from === runFrom + runLength) runLength += length;
        else {
          if (runLength > 0) copyEntries(reuse!, runFrom, runTo, runLength, out);
          runFrom = from;
          runTo = e;
          runLength = length;
        }
        e += length;
        continue;
      }
      if (runLength > 0) copyEntries(reuse!, runFrom, runTo, runLength, out);
      runLength = 0;
      e = writePositionEntries(pos, p.name, lookup, e, out);
    }
    if (runLength > 0) copyEntries(reuse!, runFrom, runTo, runLength, out);
  }
  positionStart[positionCount] = e;
  const baseOrder = reuse
    ? mergeBaseOrder(reuse, protocolFirstPosition, positionProtocol, positionUser)
    : sortBaseOrder(protocolFirstPosition, positionProtocol, positionUser);
  return {
    protocolFirstPosition,
    positionCount,
    positionProtocol,
    positionUser,
    positionEMode,
    positionStart,
    baseOrder,
    entryReserve,
    entryScaledCollateral,
    entryScaledDebt,
    entryFlags,
  };
}

type EntryArrays = Pick<
  RiskBook,
  "entryReserve" | "entryScaledCollateral" | "entryScaledDebt" | "entryFlags"
>;

/**
 * Converts one position object's reserves into entries `e, e + 1, ...`; returns the next free entry.
 * Shared by the full compile and the in-place update (analyze.ts `updateRisk`), so both convert alike.
 */
export function writePositionEntries(
  pos: RiskPosition,
  protocolName: string,
  lookup: ReadonlyMap<string, number>,
  e: number,
  out: EntryArrays,
): number {
  const { entryReserve, entryScaledCollateral, entryScaledDebt, entryFlags } = out;
  const reserves = pos.reserves;
  for (let j = 0; j < reserves.length; j++) {
    const pr = reserves[j]!;
    // Indexed snapshots carry lower-case addresses already: lower-case only on a miss.
    const r =
      pr.market === undefined
        ? (lookup.get(pr.asset) ?? lookup.get(pr.asset.toLowerCase()))
        : lookup.get(reserveKey(pr.asset, pr.market));
    if (r === undefined) {
      throw new UnknownRiskEntityError("asset", `${pr.asset} (position ${pos.user} in ${protocolName})`, []);
    }
    entryReserve[e] = r;
    entryScaledCollateral[e] = pr.scaledCollateral === 0n ? 0 : Number(pr.scaledCollateral);
    entryScaledDebt[e] = pr.scaledDebt === 0n ? 0 : Number(pr.scaledDebt);
    entryFlags[e] = (pr.usedAsCollateral ? USED_AS_COLLATERAL : 0) | (pr.stableDebt ? HAS_STABLE_DEBT : 0);
    e++;
  }
  return e;
}

/** Every protocol lists the same position objects in the same places (protocols already match). */
function samePositions(a: RiskSnapshot, b: RiskSnapshot): boolean {
  for (let pi = 0; pi < a.protocols.length; pi++) {
    const x = a.protocols[pi]!.positions;
    const y = b.protocols[pi]!.positions;
    if (x === y) continue;
    if (x.length !== y.length) return false;
    for (let k = 0; k < x.length; k++) if (x[k] !== y[k]) return false;
  }
  return true;
}

function copyEntries(from: RiskBook, start: number, to: number, length: number, out: EntryArrays): void {
  const end = start + length;
  out.entryReserve.set(from.entryReserve.subarray(start, end), to);
  out.entryScaledCollateral.set(from.entryScaledCollateral.subarray(start, end), to);
  out.entryScaledDebt.set(from.entryScaledDebt.subarray(start, end), to);
  out.entryFlags.set(from.entryFlags.subarray(start, end), to);
}

/** Per-reserve inputs of the values pass (global reserve index). */
export type ReserveValueInputs = {
  /** liquidityIndex / RAY / 10^decimals: whole tokens per scaled base unit. */
  collFactor: Float64Array;
  debtFactor: Float64Array;
  lt: Float64Array;
  /** Liquidation bonus, 1 where the reserve's is at or below 100%. */
  lbUsable: Float64Array;
  status: Uint8Array;
  reason: (string | null)[];
  symbol: string[];
  eMode: Int32Array;
  decimals: Int32Array;
  market: Int32Array;
  /** Per market. */
  marketPrice: Float64Array;
  /** A Morpho reserve's own price over its market's (1 for every other reserve). */
  priceScale: Float64Array;
};

export type PositionValues = Pick<
  RiskBook,
  | "positionStatus"
  | "positionReason"
  | "entryCollateral"
  | "entrySupplied"
  | "entryDebt"
  | "entryLt"
  | "entryLb"
>;

export type CompiledCategory = {
  id: number;
  lt: number;
  lb: number;
  hasPriceSource: boolean;
  status: number;
  reason: string | null;
  usd: number;
};

/** Per-protocol inputs of the values pass: eMode categories and the time stable debt compounds to. */
export type ProtocolValueInputs = { categories: Map<number, CompiledCategory>; at: bigint };

/** {@link ProtocolValueInputs} of every protocol of the snapshot. */
export function protocolValueInputs(snapshot: RiskSnapshot): ProtocolValueInputs[] {
  return snapshot.protocols.map((p) => {
    const baseUnit = Number(p.baseCurrencyUnit ?? 100_000_000n);
    const categories = new Map<number, CompiledCategory>();
    for (const c of p.eModeCategories ?? []) {
      const lb = c.liquidationBonus / 10_000;
      categories.set(c.id, {
        id: c.id,
        lt: c.liquidationThreshold / 10_000,
        lb: lb > 1 ? lb : 1,
        hasPriceSource: c.hasPriceSource,
        status: STATUS_CODE[c.priceStatus],
        reason: c.priceReason,
        usd: c.oracleAnswer === null ? 0 : Number(c.oracleAnswer) / baseUnit,
      });
    }
    // Stable debt compounds to the moment the indexes were brought forward to.
    const at = BigInt(
      p.timestamp ?? snapshot.asOf.blockTimestamps.find((b) => b.chainId === p.chainId)?.timestamp ?? 0,
    );
    return { categories, at };
  });
}

/** True when two protocols' value inputs give every entry the same values. */
export function sameProtocolValueInputs(a: ProtocolValueInputs, b: ProtocolValueInputs): boolean {
  if (a.at !== b.at || a.categories.size !== b.categories.size) return false;
  for (const [id, x] of a.categories) {
    const y = b.categories.get(id);
    if (
      !y ||
      x.lt !== y.lt ||
      x.lb !== y.lb ||
      x.hasPriceSource !== y.hasPriceSource ||
      x.status !== y.status ||
      x.reason !== y.reason ||
      x.usd !== y.usd
    ) {
      return false;
    }
  }
  return true;
}

/**
 * Every entry's values at the snapshot's prices, indexes, time and configuration. With `out` (value
 * arrays of the right lengths no live book uses any more) the values are written there instead of
 * into fresh arrays.
 */
export function compilePositionValues(
  snapshot: RiskSnapshot,
  s: PositionStructure,
  reserves: ReserveValueInputs,
  protocols: ProtocolValueInputs[] = protocolValueInputs(snapshot),
  out?: PositionValues,
): PositionValues {
  const entryCount = s.entryReserve.length;
  const values: PositionValues = out
    ? { ...out, positionReason: [] }
    : {
        positionStatus: new Uint8Array(s.positionCount),
        positionReason: [],
        entryCollateral: new Float64Array(entryCount),
        entrySupplied: new Float64Array(entryCount),
        entryDebt: new Float64Array(entryCount),
        entryLt: new Float64Array(entryCount),
        entryLb: new Float64Array(entryCount),
      };
  for (let pi = 0; pi < snapshot.protocols.length; pi++) {
    const { categories, at } = protocols[pi]!;
    const last = s.protocolFirstPosition[pi + 1]!;
    for (let i = s.protocolFirstPosition[pi]!; i < last; i++) {
      writePositionValues(snapshot, s, reserves, values, i, categories, at);
    }
  }
  return values;
}

/**
 * Position `i`'s entry values and status (the values pass's body, shared by the full compile and the
 * in-place update so both compute the same floats).
 */
export function writePositionValues(
  snapshot: RiskSnapshot,
  s: PositionStructure,
  reserves: ReserveValueInputs,
  values: PositionValues,
  i: number,
  categories: Map<number, CompiledCategory>,
  at: bigint,
): void {
  const { positionStart, positionEMode, entryReserve, entryScaledCollateral, entryScaledDebt, entryFlags } =
    s;
  const {
    collFactor,
    debtFactor,
    lt: reserveLt,
    lbUsable,
    status: reserveStatus,
    eMode: reserveEMode,
    priceScale,
  } = reserves;
  const { entryCollateral, entrySupplied, entryDebt, entryLt, entryLb, positionStatus, positionReason } =
    values;
  const eMode = positionEMode[i]!;
  const category = eMode !== 0 ? categories.get(eMode) : undefined;
  let status = PRICED;
  let reasons: string[] | null = null;
  const end = positionStart[i + 1]!;
  for (let x = positionStart[i]!; x < end; x++) {
    const r = entryReserve[x]!;
    const scaledCollateral = entryScaledCollateral[x]!;
    const scaledDebt = entryScaledDebt[x]!;
    const flags = entryFlags[x]!;
    let supplied = scaledCollateral === 0 ? 0 : scaledCollateral * collFactor[r]! * priceScale[r]!;
    let debt = scaledDebt === 0 ? 0 : scaledDebt * debtFactor[r]! * priceScale[r]!;
    if ((flags & HAS_STABLE_DEBT) !== 0) {
      const stable = stableDebtBalance(stableDebtOf(snapshot, s, i, x), at);
      debt += stable === 0n ? 0 : Number(stable) / 10 ** reserves.decimals[r]!;
    }
    let priceStatus = reserveStatus[r]!;
    let lt = reserveLt[r]!;
    let lb = lbUsable[r]!;
    let categoryPriced = false;
    if (category !== undefined && reserveEMode[r] === category.id) {
      lt = category.lt;
      lb = category.lb;
      if (category.hasPriceSource) {
        // The category's source prices this reserve for this user (GenericLogic). The book keeps one
        // price per market, so the amounts are rescaled to carry the category price instead; a shock
        // on the market then moves this entry proportionally.
        categoryPriced = true;
        priceStatus = category.status;
        const marketUsd = reserves.marketPrice[reserves.market[r]!]!;
        if (priceStatus !== UNPRICED && marketUsd > 0) {
          supplied *= category.usd / marketUsd;
          debt *= category.usd / marketUsd;
        } else if (priceStatus !== UNPRICED) {
          priceStatus = UNPRICED;
        }
      }
    }
    const collateral = (flags & USED_AS_COLLATERAL) !== 0 && reserveLt[r]! > 0 ? supplied : 0;
    if (priceStatus !== PRICED && (collateral > 0 || debt > 0)) {
      if (priceStatus > status) status = priceStatus;
      const why = reasonOf(reserves, r, priceStatus, categoryPriced ? category! : undefined);
      reasons ??= [];
      if (!reasons.includes(why)) reasons.push(why);
    }
    entrySupplied[x] = supplied;
    entryCollateral[x] = collateral;
    entryDebt[x] = debt;
    entryLt[x] = lt;
    entryLb[x] = lb;
  }
  positionStatus[i] = status;
  if (reasons !== null) positionReason[i] = reasons.join("; ");
  else if (positionReason[i] !== undefined) delete positionReason[i];
}

/** Why an entry's price cannot be used (only called for entries that count and are not priced). */
function reasonOf(
  reserves: ReserveValueInputs,
  r: number,
  priceStatus: number,
  category: CompiledCategory | undefined,
): string {
  const symbol = reserves.symbol[r]!;
  if (category) {
    if (category.status !== UNPRICED && priceStatus === UNPRICED) {
      return `${symbol}: eMode price set but the asset's own price is unusable here`;
    }
    return category.reason ?? `${symbol}: ${STATUS_NAMES[priceStatus]}`;
  }
  return reserves.reason[r] ?? `${symbol}: ${STATUS_NAMES[priceStatus]}`;
}

function stableDebtOf(snapshot: RiskSnapshot, s: PositionStructure, i: number, e: number): RiskStableDebt {
  const p = s.positionProtocol[i]!;
  const position = snapshot.protocols[p]!.positions[i - s.protocolFirstPosition[p]!]!;
  return position.reserves[e - s.positionStart[i]!]!.stableDebt!;
}

const byProtocolAndUser =
  (positionProtocol: Int32Array, positionUser: string[]) =>
  (a: number, b: number): number => {
    const pa = positionProtocol[a]!;
    const pb = positionProtocol[b]!;
    if (pa !== pb) return pa - pb;
    const ua = positionUser[a]!;
    const ub = positionUser[b]!;
    return ua < ub ? -1 : ua > ub ? 1 : a - b;
  };

/** Positions by (protocol, user, index); each protocol's positions are contiguous, so each is sorted alone. */
function sortBaseOrder(first: Int32Array, positionProtocol: Int32Array, positionUser: string[]): Int32Array {
  const n = positionProtocol.length;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const compare = byProtocolAndUser(positionProtocol, positionUser);
  for (let p = 0; p + 1 < first.length; p++) {
    // A provider that lists users in order (rows read by id) needs no sort: one pass to check.
    let sorted = true;
    for (let i = first[p]! + 1; i < first[p + 1]! && sorted; i++) sorted = compare(i - 1, i) < 0;
    if (!sorted) order.subarray(first[p]!, first[p + 1]!).sort(compare);
  }
  return order;
}

/**
 * {@link sortBaseOrder} from the previous book's: a place whose user is unchanged keeps its rank (its
 * index moves with its protocol's offset, which keeps the order within the protocol); the other places
 * are sorted alone and merged in. Linear plus the sort of the changed places. Returns the previous
 * array itself when nothing moved.
 */
function mergeBaseOrder(
  previous: RiskBook,
  first: Int32Array,
  positionProtocol: Int32Array,
  positionUser: string[],
): Int32Array {
  const n = positionProtocol.length;
  const kept = new Int32Array(n);
  const isKept = new Uint8Array(n);
  let keptCount = 0;
  let moved = previous.positionCount !== n;
  const prevOrder = previous.baseOrder;
  const prevProtocol = previous.positionProtocol;
  const prevFirst = previous.protocolFirstPosition;
  const prevUser = previous.positionUser;
  for (let k = 0; k < prevOrder.length; k++) {
    const j = prevOrder[k]!;
    const p = prevProtocol[j]!;
    const slot = j - prevFirst[p]!;
    if (slot >= first[p + 1]! - first[p]!) continue;
    const i = first[p]! + slot;
    if (positionUser[i] !== prevUser[j]) continue;
    if (i !== j) moved = true;
    kept[keptCount++] = i;
    isKept[i] = 1;
  }
  if (keptCount === n && !moved) return prevOrder;
  const compare = byProtocolAndUser(positionProtocol, positionUser);
  const fresh: number[] = [];
  for (let i = 0; i < n; i++) if (isKept[i] === 0) fresh.push(i);
  fresh.sort(compare);
  // Each changed place goes in after the kept places that sort before it (binary search), and the
  // kept runs between them are copied as blocks.
  const order = new Int32Array(n);
  let out = 0;
  let a = 0;
  for (const f of fresh) {
    let lo = a;
    let hi = keptCount;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compare(kept[mid]!, f) < 0) lo = mid + 1;
      else hi = mid;
    }
    order.set(kept.subarray(a, lo), out);
    out += lo - a;
    a = lo;
    order[out++] = f;
  }
  order.set(kept.subarray(a, keptCount), out);
  return order;
}
