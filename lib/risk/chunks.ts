import { PRICED, type RiskBook, STALE } from "./book.js";
import { type HealthArrays, isLiquidatable } from "./health.js";
import type { StaticLosses } from "./stress.js";

/*
 * Sums over positions in two levels: each protocol's positions in fixed chunks of CHUNK positions (by
 * place in the protocol), each chunk summed in position order, then the chunks summed in order. Float
 * addition is not associative, so a running sum over a million positions cannot be corrected by a delta
 * when a few positions change; with chunks, the update sums again the few chunks that hold a changed
 * position and then the chunk rows (about four thousand at 1M), and gets the same floats as the full
 * recompute, which sums the same chunks the same way (analyze.ts `updateRisk`).
 */

/**
 * Positions per chunk: a changed position costs summing its chunk again; smaller chunks mean more rows
 * to add up on every update (1M positions: ~4k rows). At 1024, 100 touched chunks took 8-13 ms.
 */
export const CHUNK = 256;

// Module-level copies of imported bindings used per position (see health.ts).
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

/** Which positions each chunk holds; depends only on the protocols' position counts. */
export type ChunkLayout = {
  chunkCount: number;
  /** Chunks of protocol p are `protocolFirstChunk[p] .. protocolFirstChunk[p + 1] - 1`. */
  protocolFirstChunk: Int32Array;
  chunkProtocol: Int32Array;
  /** Positions of chunk c are `chunkFirstPosition[c] .. chunkFirstPosition[c + 1] - 1`. */
  chunkFirstPosition: Int32Array;
};

export function chunkLayout(book: Pick<RiskBook, "protocolFirstPosition">): ChunkLayout {
  const first = book.protocolFirstPosition;
  const protocolCount = first.length - 1;
  const protocolFirstChunk = new Int32Array(protocolCount + 1);
  let chunkCount = 0;
  for (let p = 0; p < protocolCount; p++) {
    protocolFirstChunk[p] = chunkCount;
    chunkCount += Math.ceil((first[p + 1]! - first[p]!) / CHUNK);
  }
  protocolFirstChunk[protocolCount] = chunkCount;
  const chunkProtocol = new Int32Array(chunkCount);
  const chunkFirstPosition = new Int32Array(chunkCount + 1);
  for (let p = 0; p < protocolCount; p++) {
    for (let c = protocolFirstChunk[p]!; c < protocolFirstChunk[p + 1]!; c++) {
      chunkProtocol[c] = p;
      chunkFirstPosition[c] = first[p]! + (c - protocolFirstChunk[p]!) * CHUNK;
    }
  }
  chunkFirstPosition[chunkCount] = first[protocolCount]!;
  return { chunkCount, protocolFirstChunk, chunkProtocol, chunkFirstPosition };
}

/** The chunk holding position `i`. */
export function chunkOf(
  book: Pick<RiskBook, "protocolFirstPosition" | "positionProtocol">,
  layout: ChunkLayout,
  i: number,
): number {
  const p = book.positionProtocol[i]!;
  return layout.protocolFirstChunk[p]! + Math.floor((i - book.protocolFirstPosition[p]!) / CHUNK);
}

/** Columns of a summary row. */
const POSITIONS = 0;
const STALE_COUNT = 1;
const UNPRICED_COUNT = 2;
const COLLATERAL = 3;
const DEBT = 4;
const LIQUIDATABLE = 5;
const AT_RISK = 6; // one column per threshold
const BAD_DEBT = AT_RISK + DEBT_AT_RISK_THRESHOLDS.length;
export const SUMMARY_WIDTH = BAD_DEBT + 1;

/** Summary sums of chunk `c` into `rows[c * SUMMARY_WIDTH ..]`. */
export function writeSummaryChunk(
  book: RiskBook,
  health: HealthArrays,
  layout: ChunkLayout,
  c: number,
  rows: Float64Array,
): void {
  const at = c * SUMMARY_WIDTH;
  rows.fill(0, at, at + SUMMARY_WIDTH);
  const end = layout.chunkFirstPosition[c + 1]!;
  const status = book.positionStatus;
  const { healthFactor, debtUsd, collateralUsd } = health;
  for (let i = layout.chunkFirstPosition[c]!; i < end; i++) {
    rows[at + POSITIONS]!++;
    const s = status[i]!;
    if (s !== priced) {
      if (s === STALE) rows[at + STALE_COUNT]!++;
      else rows[at + UNPRICED_COUNT]!++;
      continue;
    }
    const hf = healthFactor[i]!;
    const d = debtUsd[i]!;
    const coll = collateralUsd[i]!;
    rows[at + COLLATERAL]! += coll;
    rows[at + DEBT]! += d;
    if (d > coll) rows[at + BAD_DEBT]! += d - coll;
    if (liquidatable(hf)) {
      rows[at + LIQUIDATABLE]!++;
      rows[at + AT_RISK]! += d;
    }
    for (let k = 1; k < DEBT_AT_RISK_THRESHOLDS.length; k++) {
      if (hf < DEBT_AT_RISK_THRESHOLDS[k]!) rows[at + AT_RISK + k]! += d;
    }
  }
}

/**
 * Per-protocol summaries from the chunk rows. The static losses at oracle prices are the same sums:
 * liquidatable debt is the debt at HF < 1 (the first debt-at-risk column).
 */
export function summariesFromChunks(
  book: RiskBook,
  layout: ChunkLayout,
  rows: Float64Array,
): ProtocolSummary[] {
  return book.protocols.map((_, p) => {
    const sum = new Float64Array(SUMMARY_WIDTH);
    for (let c = layout.protocolFirstChunk[p]!; c < layout.protocolFirstChunk[p + 1]!; c++) {
      for (let k = 0; k < SUMMARY_WIDTH; k++) sum[k] = sum[k]! + rows[c * SUMMARY_WIDTH + k]!;
    }
    return {
      protocol: p,
      positions: sum[POSITIONS]!,
      positionsStale: sum[STALE_COUNT]!,
      positionsUnpriced: sum[UNPRICED_COUNT]!,
      collateralUsd: sum[COLLATERAL]!,
      debtUsd: sum[DEBT]!,
      positionsLiquidatable: sum[LIQUIDATABLE]!,
      debtAtRiskUsd: DEBT_AT_RISK_THRESHOLDS.map((_, k) => sum[AT_RISK + k]!),
      losses: {
        badDebtUsd: sum[BAD_DEBT]!,
        liquidatableDebtUsd: sum[AT_RISK]!,
        positionsLiquidatable: sum[LIQUIDATABLE]!,
        positionsSkipped: sum[STALE_COUNT]! + sum[UNPRICED_COUNT]!,
      },
    };
  });
}
