import { type BackingRow, computeBacking } from "./backing.js";
import {
  type BookFrame,
  compileBookFrame,
  compileRiskBookWith,
  type RiskBook,
  sameReserveLayout,
  sameValueInputs,
} from "./book.js";
import {
  compilePositionValues,
  positionKey,
  writePositionEntries,
  writePositionValues,
} from "./bookPositions.js";
import {
  type ChunkLayout,
  chunkLayout,
  chunkOf,
  type ProtocolSummary,
  SUMMARY_WIDTH,
  summariesFromChunks,
  writeSummaryChunk,
} from "./chunks.js";
import { type ExposureMatrix, exposureFromChunks, exposureWidth, writeExposureChunk } from "./exposure.js";
import { computeHealth, type HealthArrays, writePositionHealth } from "./health.js";
import { applyMorphoHealth, applyMorphoPositionHealth } from "./morpho.js";
import type { RiskSnapshot } from "./snapshot.js";

export { DEBT_AT_RISK_THRESHOLDS, type ProtocolSummary } from "./chunks.js";

/** Everything derived from one snapshot without scenario parameters. */
export type RiskAnalysis = {
  snapshot: RiskSnapshot;
  book: RiskBook;
  health: HealthArrays;
  backing: BackingRow[];
  exposure: ExposureMatrix;
  protocols: ProtocolSummary[];
  /** Position indexes by (health factor asc, protocol, user): riskiest first; the pagination order. */
  order: Int32Array;
};

/**
 * What {@link updateRisk} needs beyond the analysis: the frame its values came from and the per-chunk
 * sums behind its aggregates (lib/risk/chunks.ts). Kept beside the analysis, not in it, so analyses
 * stay plain data.
 */
type UpdateState = {
  frame: BookFrame;
  layout: ChunkLayout;
  summaryRows: Float64Array;
  exposureRows: Float64Array;
  /** An order array of the right length no live analysis uses (the one before the previous), or null. */
  spareOrder: Int32Array | null;
  /** Set once {@link updateRisk} has taken the analysis's arrays over. */
  retired: boolean;
};
const updateStates = new WeakMap<RiskAnalysis, UpdateState>();

/**
 * Full recompute from a snapshot: compile, health factors, backing, exposure, per-protocol summaries and
 * the risk ordering of positions. Pure; about linear in the number of position entries. With the
 * analysis of an earlier snapshot, positions that are the same objects as in it are not converted again
 * ({@link compileRiskBook}); the result is the same as without it, and `previous` stays valid.
 *
 * @example
 * const analysis = analyzeRisk(snapshot);
 * analysis.protocols[0].debtAtRiskUsd; // [HF<1, HF<1.05, HF<1.1]
 * const next = analyzeRisk(nextSnapshot, analysis);
 */
export function analyzeRisk(snapshot: RiskSnapshot, previous?: RiskAnalysis): RiskAnalysis {
  const frame = compileBookFrame(snapshot);
  const book = compileRiskBookWith(snapshot, frame, previous?.book);
  const health = computeHealth(book);
  // Morpho positions: liquidatable exactly as Morpho Blue decides (lib/risk/morpho.ts).
  applyMorphoHealth(book, health);
  const layout = chunkLayout(book);
  const summaryRows = new Float64Array(layout.chunkCount * SUMMARY_WIDTH);
  const exposureRows = new Float64Array(layout.chunkCount * exposureWidth(book));
  writeAllChunks(book, health, layout, summaryRows, exposureRows);
  const order = riskOrder(book, health);
  return finishAnalysis(snapshot, book, health, order, {
    frame,
    layout,
    summaryRows,
    exposureRows,
    spareOrder: null,
  });
}

/**
 * The analysis of `snapshot`, equal to `analyzeRisk(snapshot)`, made by updating `previous` in place.
 * It applies when the snapshot has the same protocols and reserve lists, the same number of positions
 * per protocol, and each position object that differs (by identity) from the one at its place holds the
 * same user with the same number of reserves; those positions' structure is rewritten at their places.
 * Then:
 * - **only positions changed** (same prices, indexes, configuration, statuses, eMode categories,
 *   stable-debt time and Morpho market objects): only the changed positions are valued, only the chunks
 *   holding them are summed again (lib/risk/chunks.ts), and only they move in the risk order. Cost in
 *   the changed positions plus block copies of the order;
 * - **anything else moved**: every value, health factor, chunk and the order are computed again, into
 *   `previous`'s arrays (no new typed arrays, so no full garbage collection started by them).
 * Otherwise (users added or removed, a position's reserve count changed) it is
 * `analyzeRisk(snapshot, previous)`.
 *
 * **`previous` is consumed**: its arrays become the result's, so neither `previous` nor any analysis
 * that shares arrays with it (one `previous` was made from with `analyzeRisk(next, earlier)` shares its
 * position structure) may be used afterwards. A caller that still serves `previous` uses
 * {@link analyzeRisk} instead. Updating a consumed analysis again throws.
 *
 * @example
 * let analysis = analyzeRisk(snapshot);
 * analysis = updateRisk(analysis, nextSnapshot); // a block that touched a few positions
 */
export function updateRisk(previous: RiskAnalysis, snapshot: RiskSnapshot): RiskAnalysis {
  const state = updateStates.get(previous);
  if (state?.retired) throw new Error("updateRisk: this analysis was already updated in place");
  const old = previous.book;
  // Same protocols, reserve lists and bridge count: the chunk layout and row widths stay valid.
  const changed =
    state && sameReserveLayout(old.snapshot, snapshot) && old.bridges.length === snapshot.bridges.length
      ? changedPlaces(old, snapshot)
      : null;
  if (!state || changed === null) return analyzeRisk(snapshot, previous);
  state.retired = true;
  const frame = compileBookFrame(snapshot);
  const book: RiskBook = { ...old, ...frame.header };
  const health = previous.health;
  const n = book.positionCount;
  const { layout, summaryRows, exposureRows } = state;
  const spare = state.spareOrder?.length === n ? state.spareOrder : new Int32Array(n);
  const valuesOnly =
    sameValueInputs(state.frame, frame) &&
    sameMorphoMarkets(old.snapshot, snapshot) &&
    sameValues(old.marketBridge, frame.header.marketBridge) &&
    old.protocols.every((p, pi) => p.kind === frame.header.protocols[pi]!.kind);
  // Sort keys of the changed positions as the previous order has them, before their health moves.
  const oldKeys = new Map<number, number>();
  if (valuesOnly) for (const i of changed) oldKeys.set(i, positionSortKey(health.healthFactor[i]!));
  // The changed positions' structure, at their places (same user, same number of entries).
  for (const i of changed) {
    const p = book.positionProtocol[i]!;
    const pos = snapshot.protocols[p]!.positions[i - book.protocolFirstPosition[p]!]!;
    book.positionEMode[i] = pos.eModeCategory ?? 0;
    writePositionEntries(
      pos,
      snapshot.protocols[p]!.name,
      frame.reserveLookup[p]!,
      book.positionStart[i]!,
      book,
    );
  }
  let order: Int32Array;
  if (valuesOnly) {
    // Only positions changed: their values, health, chunks and places in the order.
    for (const i of changed) {
      const p = book.positionProtocol[i]!;
      const { categories, at } = frame.protocolInputs[p]!;
      writePositionValues(snapshot, book, frame.valueInputs, book, i, categories, at);
      writePositionHealth(book, book.marketPriceUsd, health, i);
      if (book.protocols[p]!.kind === "morpho-blue") applyMorphoPositionHealth(book, health, i);
    }
    const chunks = new Set<number>();
    for (const i of changed) chunks.add(chunkOf(book, layout, i));
    for (const c of chunks) {
      writeSummaryChunk(book, health, layout, c, summaryRows);
      writeExposureChunk(book, book.marketPriceUsd, layout, c, exposureRows);
    }
    order =
      changed.length === 0
        ? previous.order
        : changed.length <= n >>> 5
          ? moveInOrder(book, health, previous.order, oldKeys, spare)
          : riskOrder(book, health, spare);
  } else {
    // Prices, indexes, configuration or time moved: every value again, written into the previous
    // analysis's arrays instead of fresh ones (no new external memory, so no full collection of the
    // heap started by it: docs/benchmarks.md).
    Object.assign(book, compilePositionValues(snapshot, book, frame.valueInputs, frame.protocolInputs, book));
    for (let i = 0; i < n; i++) writePositionHealth(book, book.marketPriceUsd, health, i);
    applyMorphoHealth(book, health);
    writeAllChunks(book, health, layout, summaryRows, exposureRows);
    order = riskOrder(book, health, spare);
  }
  return finishAnalysis(snapshot, book, health, order, {
    frame,
    layout,
    summaryRows,
    exposureRows,
    spareOrder: order === previous.order ? state.spareOrder : previous.order,
  });
}

/** Every chunk's summary and exposure rows, written again. */
function writeAllChunks(
  book: RiskBook,
  health: HealthArrays,
  layout: ChunkLayout,
  summaryRows: Float64Array,
  exposureRows: Float64Array,
): void {
  for (let c = 0; c < layout.chunkCount; c++) {
    writeSummaryChunk(book, health, layout, c, summaryRows);
    writeExposureChunk(book, book.marketPriceUsd, layout, c, exposureRows);
  }
}

/** The analysis from its parts (sums over the chunk rows), registered for a later `updateRisk`. */
function finishAnalysis(
  snapshot: RiskSnapshot,
  book: RiskBook,
  health: HealthArrays,
  order: Int32Array,
  state: Omit<UpdateState, "retired">,
): RiskAnalysis {
  const analysis: RiskAnalysis = {
    snapshot,
    book,
    health,
    backing: computeBacking(snapshot),
    exposure: exposureFromChunks(book, state.layout, state.exposureRows),
    protocols: summariesFromChunks(book, state.layout, state.summaryRows),
    order,
  };
  updateStates.set(analysis, { ...state, retired: false });
  return analysis;
}

function sameValues(a: Int32Array, b: Int32Array): boolean {
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
  return true;
}

/** Morpho protocols carry the same market objects (their figures enter Morpho positions' health). */
function sameMorphoMarkets(a: RiskSnapshot, b: RiskSnapshot): boolean {
  return a.protocols.every(
    (p, pi) => (p.kind ?? "aave-v3") !== "morpho-blue" || p.morphoMarkets === b.protocols[pi]!.morphoMarkets,
  );
}

/**
 * Book positions whose object differs from the previous snapshot's at the same place, or null when the
 * in-place update does not apply: a protocol's position count changed, or a changed place holds another
 * user or another number of reserves (the structure would move).
 */
function changedPlaces(old: RiskBook, snapshot: RiskSnapshot): number[] | null {
  const changed: number[] = [];
  for (let p = 0; p < snapshot.protocols.length; p++) {
    const now = snapshot.protocols[p]!.positions;
    const before = old.snapshot.protocols[p]!.positions;
    if (now === before) continue;
    if (now.length !== before.length) return null;
    const first = old.protocolFirstPosition[p]!;
    for (let k = 0; k < now.length; k++) {
      const pos = now[k]!;
      if (pos === before[k]) continue;
      const i = first + k;
      if (
        positionKey(pos.user, pos.market) !== old.positionUser[i] ||
        pos.reserves.length !== old.positionStart[i + 1]! - old.positionStart[i]!
      ) {
        return null;
      }
      changed.push(i);
    }
  }
  return changed;
}

/** (protocol, user, index): the tie-break of the risk order, as `book.baseOrder` sorts positions. */
function compareBase(book: RiskBook, a: number, b: number): number {
  const pa = book.positionProtocol[a]!;
  const pb = book.positionProtocol[b]!;
  if (pa !== pb) return pa - pb;
  const ua = book.positionUser[a]!;
  const ub = book.positionUser[b]!;
  return ua < ub ? -1 : ua > ub ? 1 : a - b;
}

/**
 * The risk order after the positions in `oldKeys` (position -> its sort key in `order`) changed their
 * health factor, written into `out`: each is removed from its old place and inserted where its new key
 * and the base order put it, which is where `riskOrder`'s stable sort would put it. `order` is sorted by
 * each position's key as it was (the old key for the changed ones), so the insertion points are binary
 * searches in it.
 */
function moveInOrder(
  book: RiskBook,
  health: HealthArrays,
  order: Int32Array,
  oldKeys: Map<number, number>,
  out: Int32Array,
): Int32Array {
  const n = order.length;
  const hf = health.healthFactor;
  const keyAt = (j: number) => oldKeys.get(j) ?? positionSortKey(hf[j]!);
  // -0 and 0 tie, as in riskOrder's bit keys.
  const before = (ka: number, a: number, kb: number, b: number) =>
    ka < kb || (!(kb < ka) && compareBase(book, a, b) < 0);
  /** The first place in `order` whose element does not sort before (key, i). */
  const lowerBound = (key: number, i: number) => {
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const j = order[mid]!;
      if (before(keyAt(j), j, key, i)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  // Where each moved position goes (before the element there) and where it was (its old key finds it).
  const moved = [...oldKeys].map(([i, oldKey]) => {
    const key = positionSortKey(hf[i]!);
    return { i, key, at: lowerBound(key, i), was: lowerBound(oldKey, i) };
  });
  const oldPlaces = moved.map((m) => m.was).sort((a, b) => a - b);
  moved.sort((a, b) => a.at - b.at || (before(a.key, a.i, b.key, b.i) ? -1 : 1));
  // Copy the runs of `order` between the moved positions' old and new places as blocks.
  let w = 0;
  let from = 0;
  let a = 0;
  let b = 0;
  while (a < moved.length || b < oldPlaces.length) {
    const insertAt = a < moved.length ? moved[a]!.at : n;
    const removeAt = b < oldPlaces.length ? oldPlaces[b]! : n;
    const until = Math.min(insertAt, removeAt);
    out.set(order.subarray(from, until), w);
    w += until - from;
    from = until;
    if (insertAt <= removeAt) out[w++] = moved[a++]!.i;
    else {
      from = removeAt + 1;
      b++;
    }
  }
  out.set(order.subarray(from, n), w);
  return out;
}

/**
 * Position indexes by (health factor, protocol, user): a stable radix sort of `book.baseOrder` (already
 * by protocol and user) on the health factor's sort key, so ties keep the base order, exactly as
 * {@link comparePositionKeys} orders them, without a comparison per pair (1M positions: ~20M calls).
 */
function riskOrder(book: RiskBook, health: HealthArrays, out?: Int32Array): Int32Array {
  const n = book.positionCount;
  const hf = health.healthFactor;
  // A float64's bits, with the sign bit flipped for positives and every bit flipped for negatives,
  // order as unsigned integers exactly as the floats do.
  const { hi, lo, spare: scratch } = sortScratch(n);
  const word = new Float64Array(1);
  const halves = new Uint32Array(word.buffer);
  for (let i = 0; i < n; i++) {
    const key = positionSortKey(hf[i]!);
    word[0] = key === 0 ? 0 : key; // -0 sorts with 0
    const h = halves[HIGH]!;
    const l = halves[LOW]!;
    if (h >= 0x80000000) {
      hi[i] = ~h >>> 0;
      lo[i] = ~l >>> 0;
    } else {
      hi[i] = (h | 0x80000000) >>> 0;
      lo[i] = l;
    }
  }
  const result = out ?? new Int32Array(n);
  result.set(book.baseOrder);
  let order: Int32Array = result;
  let spare: Int32Array = scratch;
  const counts = new Uint32Array(65_536);
  for (let pass = 0; pass < 4; pass++) {
    const words = pass < 2 ? lo : hi;
    const shift = pass % 2 === 0 ? 0 : 16;
    counts.fill(0);
    for (let k = 0; k < n; k++) {
      const d = (words[order[k]!]! >>> shift) & 0xffff;
      counts[d] = counts[d]! + 1;
    }
    // A digit every key shares moves nothing.
    if (counts[(words[order[0] ?? 0]! >>> shift) & 0xffff] === n) continue;
    let sum = 0;
    for (let d = 0; d < 65_536; d++) {
      const c = counts[d]!;
      counts[d] = sum;
      sum += c;
    }
    for (let k = 0; k < n; k++) {
      const i = order[k]!;
      const d = (words[i]! >>> shift) & 0xffff;
      const at = counts[d]!;
      counts[d] = at + 1;
      spare[at] = i;
    }
    [order, spare] = [spare, order];
  }
  // After an odd number of passes the order sits in the scratch array, which can be longer than n.
  if (order !== result) result.set(order.subarray(0, n));
  return result;
}

/**
 * The sort's temporary arrays, kept between analyses: each analysis would otherwise allocate 12 bytes
 * per position of short-lived ArrayBuffers, and V8 answers that external memory with full collections
 * of the whole heap (the snapshot's objects included). Safe to share: the sort is synchronous.
 */
let scratchArrays: { hi: Uint32Array; lo: Uint32Array; spare: Int32Array } | undefined;
function sortScratch(n: number) {
  if (!scratchArrays || scratchArrays.hi.length < n) {
    const size = Math.max(n, 1024);
    scratchArrays = { hi: new Uint32Array(size), lo: new Uint32Array(size), spare: new Int32Array(size) };
  }
  return scratchArrays;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const HIGH = LITTLE_ENDIAN ? 1 : 0;
const LOW = LITTLE_ENDIAN ? 0 : 1;

/**
 * Sort key of a health factor: unknown (NaN: stale or unpriced) sorts first, before the riskiest known
 * position, so a page of "riskiest positions" never hides a position nobody can value.
 */
export function positionSortKey(healthFactor: number): number {
  return Number.isNaN(healthFactor) ? Number.NEGATIVE_INFINITY : healthFactor;
}

/**
 * Pagination order: health factor ascending (unknown first, no-debt positions last; keys from
 * {@link positionSortKey}), then protocol, then user.
 */
export function comparePositionKeys(
  a: { healthFactor: number; protocol: number; user: string },
  b: { healthFactor: number; protocol: number; user: string },
): number {
  if (a.healthFactor !== b.healthFactor) return a.healthFactor < b.healthFactor ? -1 : 1;
  if (a.protocol !== b.protocol) return a.protocol - b.protocol;
  return a.user < b.user ? -1 : a.user > b.user ? 1 : 0;
}
