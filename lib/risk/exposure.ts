import { PRICED, type RiskBook } from "./book.js";
import { type ChunkLayout, chunkLayout } from "./chunks.js";

// Module-level copies of imported bindings used per position: under tsx's and vite-node's module
// transforms an imported name is a getter call on each use, which showed in the 1M-position profile.
const priced = PRICED;

/** Exposure of one protocol to one bridge. */
export type BridgeExposure = {
  bridge: number;
  /** X[p,b]: collateral value held in b's wrapped tokens. */
  collateralUsd: number;
  /** E[p,b] = X[p,b] / TC_p. */
  share: number;
  /** Same with every collateral weighted by its liquidation threshold: share of borrowing power. */
  borrowingPowerShare: number;
};

export type ProtocolExposure = {
  protocol: number;
  /** TC_p: all collateral value (usedAsCollateral, LT > 0). */
  totalCollateralUsd: number;
  totalBorrowingPowerUsd: number;
  /** Only bridges with non-zero exposure, largest first. */
  bridges: BridgeExposure[];
  /** sum over bridges of E[p,b]^2; 0 when nothing is bridged, 1 when everything rides on one bridge. */
  hhi: number;
  /** Stale or unpriced positions, whose collateral is left out of every figure above. */
  positionsSkipped: number;
};

/** Which protocols depend on one bridge. */
export type BridgeDependents = {
  bridge: number;
  protocols: { protocol: number; collateralUsd: number; share: number }[];
  totalCollateralUsd: number;
};

export type ExposureMatrix = { protocols: ProtocolExposure[]; bridges: BridgeDependents[] };

/**
 * Exposure matrix `X[p,b]`, shares `E[p,b] = X[p,b] / TC_p`, LT-weighted borrowing-power shares,
 * `HHI_p = sum_b E[p,b]^2`, and for each bridge the protocols that depend on it. Sums run per chunk of
 * positions (lib/risk/chunks.ts), so an update can sum again only the chunks that changed.
 *
 * @example
 * const x = computeExposure(book);
 * x.protocols[0].hhi; // 0.25 when half the collateral rides on one bridge
 */
export function computeExposure(
  book: RiskBook,
  collateralPrices: Float64Array = book.marketPriceUsd,
): ExposureMatrix {
  const layout = chunkLayout(book);
  const rows = new Float64Array(layout.chunkCount * exposureWidth(book));
  for (let c = 0; c < layout.chunkCount; c++) writeExposureChunk(book, collateralPrices, layout, c, rows);
  return exposureFromChunks(book, layout, rows);
}

/** Columns of an exposure chunk row: TC, TW, skipped, then X[b] and XW[b] per bridge. */
const TC = 0;
const TW = 1;
const SKIPPED = 2;
const X = 3;
export const exposureWidth = (book: Pick<RiskBook, "bridges">) => X + 2 * book.bridges.length;

/** Exposure sums of chunk `c` (lib/risk/chunks.ts) into its row of `rows`. */
export function writeExposureChunk(
  book: RiskBook,
  collateralPrices: Float64Array,
  layout: ChunkLayout,
  c: number,
  rows: Float64Array,
): void {
  const B = book.bridges.length;
  const width = X + 2 * B;
  const at = c * width;
  rows.fill(0, at, at + width);
  const end = layout.chunkFirstPosition[c + 1]!;
  for (let i = layout.chunkFirstPosition[c]!; i < end; i++) {
    if (book.positionStatus[i] !== priced) {
      rows[at + SKIPPED]!++;
      continue;
    }
    for (let e = book.positionStart[i]!; e < book.positionStart[i + 1]!; e++) {
      const coll = book.entryCollateral[e]!;
      if (coll === 0) continue;
      const r = book.entryReserve[e]!;
      const m = book.reserveMarket[r]!;
      const v = coll * collateralPrices[m]!;
      const w = v * book.entryLt[e]!;
      rows[at + TC]! += v;
      rows[at + TW]! += w;
      const b = book.marketBridge[m]!;
      if (b >= 0) {
        rows[at + X + b]! += v;
        rows[at + X + B + b]! += w;
      }
    }
  }
}

/** The exposure matrix from the chunk rows (each protocol's chunks summed in order). */
export function exposureFromChunks(book: RiskBook, layout: ChunkLayout, rows: Float64Array): ExposureMatrix {
  const P = book.protocols.length;
  const B = book.bridges.length;
  const width = X + 2 * B;
  const x = new Float64Array(P * B);
  const xw = new Float64Array(P * B);
  const tc = new Float64Array(P);
  const tw = new Float64Array(P);
  const skipped = new Int32Array(P);
  for (let p = 0; p < P; p++) {
    for (let c = layout.protocolFirstChunk[p]!; c < layout.protocolFirstChunk[p + 1]!; c++) {
      const at = c * width;
      tc[p] = tc[p]! + rows[at + TC]!;
      tw[p] = tw[p]! + rows[at + TW]!;
      skipped[p] = skipped[p]! + rows[at + SKIPPED]!;
      for (let b = 0; b < B; b++) {
        x[p * B + b] = x[p * B + b]! + rows[at + X + b]!;
        xw[p * B + b] = xw[p * B + b]! + rows[at + X + B + b]!;
      }
    }
  }
  const protocols: ProtocolExposure[] = [];
  for (let p = 0; p < P; p++) {
    const bridges: BridgeExposure[] = [];
    let hhi = 0;
    for (let b = 0; b < B; b++) {
      const v = x[p * B + b]!;
      if (v === 0) continue;
      const share = tc[p]! > 0 ? v / tc[p]! : 0;
      hhi += share * share;
      bridges.push({
        bridge: b,
        collateralUsd: v,
        share,
        borrowingPowerShare: tw[p]! > 0 ? xw[p * B + b]! / tw[p]! : 0,
      });
    }
    bridges.sort((a, c) => c.collateralUsd - a.collateralUsd);
    protocols.push({
      protocol: p,
      totalCollateralUsd: tc[p]!,
      totalBorrowingPowerUsd: tw[p]!,
      bridges,
      hhi,
      positionsSkipped: skipped[p]!,
    });
  }
  const bridges: BridgeDependents[] = [];
  for (let b = 0; b < B; b++) {
    const deps: BridgeDependents["protocols"] = [];
    let total = 0;
    for (let p = 0; p < P; p++) {
      const v = x[p * B + b]!;
      if (v === 0) continue;
      total += v;
      deps.push({ protocol: p, collateralUsd: v, share: tc[p]! > 0 ? v / tc[p]! : 0 });
    }
    deps.sort((a, c) => c.collateralUsd - a.collateralUsd);
    bridges.push({ bridge: b, protocols: deps, totalCollateralUsd: total });
  }
  return { protocols, bridges };
}
