import { PRICED, type RiskBook } from "./book.js";

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
 * `HHI_p = sum_b E[p,b]^2`, and for each bridge the protocols that depend on it.
 *
 * @example
 * const x = computeExposure(book);
 * x.protocols[0].hhi; // 0.25 when half the collateral rides on one bridge
 */
export function computeExposure(
  book: RiskBook,
  collateralPrices: Float64Array = book.marketPriceUsd,
): ExposureMatrix {
  const P = book.protocols.length;
  const B = book.bridges.length;
  const x = new Float64Array(P * B);
  const xw = new Float64Array(P * B);
  const tc = new Float64Array(P);
  const tw = new Float64Array(P);
  const skipped = new Int32Array(P);
  for (let i = 0; i < book.positionCount; i++) {
    const p = book.positionProtocol[i]!;
    if (book.positionStatus[i] !== priced) {
      skipped[p] = skipped[p]! + 1;
      continue;
    }
    for (let e = book.positionStart[i]!; e < book.positionStart[i + 1]!; e++) {
      const coll = book.entryCollateral[e]!;
      if (coll === 0) continue;
      const r = book.entryReserve[e]!;
      const m = book.reserveMarket[r]!;
      const v = coll * collateralPrices[m]!;
      const w = v * book.entryLt[e]!;
      tc[p] = tc[p]! + v;
      tw[p] = tw[p]! + w;
      const b = book.marketBridge[m]!;
      if (b >= 0) {
        x[p * B + b] = x[p * B + b]! + v;
        xw[p * B + b] = xw[p * B + b]! + w;
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
