import { type BackingRow, computeBacking } from "./backing.js";
import { compileRiskBook, PRICED, type RiskBook, STALE } from "./book.js";
import { computeExposure, type ExposureMatrix } from "./exposure.js";
import { computeHealth, type HealthArrays, isLiquidatable } from "./health.js";
import { applyMorphoHealth } from "./morpho.js";
import type { RiskSnapshot } from "./snapshot.js";
import { type StaticLosses, staticLosses } from "./stress.js";

// Module-level copies of imported bindings used per position: under tsx's and vite-node's module
// transforms an imported name is a getter call on each use, which showed in the 1M-position profile.
const priced = PRICED;
const liquidatable = isLiquidatable;

/** Health-factor thresholds reported as "debt at risk" (HF below each). */
export const DEBT_AT_RISK_THRESHOLDS = [1.0, 1.05, 1.1] as const;

export type ProtocolSummary = {
  protocol: number;
  positions: number;
  /** Positions whose figures depend on a stale / missing price: out of every sum below. */
  positionsStale: number;
  positionsUnpriced: number;
  /** Priced positions only. */
  collateralUsd: number;
  debtUsd: number;
  positionsLiquidatable: number;
  /** Debt of positions with HF below each of {@link DEBT_AT_RISK_THRESHOLDS} (strictly below; 1.0 uses HF_EPSILON). */
  debtAtRiskUsd: number[];
  losses: StaticLosses;
};

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
 * Full recompute from a snapshot: compile, health factors, backing, exposure, per-protocol summaries and
 * the risk ordering of positions. Pure; about linear in the number of position entries. With the
 * analysis of an earlier snapshot, positions that are the same objects as in it are not converted again
 * ({@link compileRiskBook}); the result is the same as without it.
 *
 * @example
 * const analysis = analyzeRisk(snapshot);
 * analysis.protocols[0].debtAtRiskUsd; // [HF<1, HF<1.05, HF<1.1]
 * const next = analyzeRisk(nextSnapshot, analysis);
 */
export function analyzeRisk(snapshot: RiskSnapshot, previous?: RiskAnalysis): RiskAnalysis {
  const book = compileRiskBook(snapshot, previous?.book);
  const health = computeHealth(book);
  // Morpho positions: liquidatable exactly as Morpho Blue decides (lib/risk/morpho.ts).
  applyMorphoHealth(book, health);
  const backing = computeBacking(snapshot);
  const exposure = computeExposure(book);
  const losses = staticLosses(book, health);
  const protocols: ProtocolSummary[] = book.protocols.map((_, p) => ({
    protocol: p,
    positions: 0,
    positionsStale: 0,
    positionsUnpriced: 0,
    collateralUsd: 0,
    debtUsd: 0,
    positionsLiquidatable: 0,
    debtAtRiskUsd: DEBT_AT_RISK_THRESHOLDS.map(() => 0),
    losses: losses.protocols[p]!,
  }));
  for (let i = 0; i < book.positionCount; i++) {
    const s = protocols[book.positionProtocol[i]!]!;
    const hf = health.healthFactor[i]!;
    const d = health.debtUsd[i]!;
    s.positions++;
    const status = book.positionStatus[i]!;
    if (status !== priced) {
      if (status === STALE) s.positionsStale++;
      else s.positionsUnpriced++;
      continue;
    }
    s.collateralUsd += health.collateralUsd[i]!;
    s.debtUsd += d;
    if (liquidatable(hf)) s.positionsLiquidatable++;
    for (let k = 0; k < DEBT_AT_RISK_THRESHOLDS.length; k++) {
      const t = DEBT_AT_RISK_THRESHOLDS[k]!;
      if (t === 1 ? liquidatable(hf) : hf < t) s.debtAtRiskUsd[k] = s.debtAtRiskUsd[k]! + d;
    }
  }
  return { snapshot, book, health, backing, exposure, protocols, order: riskOrder(book, health) };
}

/**
 * Position indexes by (health factor, protocol, user): a stable radix sort of `book.baseOrder` (already
 * by protocol and user) on the health factor's sort key, so ties keep the base order, exactly as
 * {@link comparePositionKeys} orders them, without a comparison per pair (1M positions: ~20M calls).
 */
function riskOrder(book: RiskBook, health: HealthArrays): Int32Array {
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
  const result = Int32Array.from(book.baseOrder);
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
