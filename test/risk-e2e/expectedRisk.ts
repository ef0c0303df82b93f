import type { ChainPool, ChainPosition } from "./chainPool.js";

/** The risk API's DESIGN.md section 4 figures recomputed by hand from a pool read off the chain. */

const tokens = (amount: bigint, decimals: number) => Number(amount) / 10 ** decimals;

/** Collateral value that counts (enabled as collateral, LT > 0), optionally with wrapped tokens repriced. */
function values(position: ChainPosition, recovery = 1) {
  let collateral = 0;
  let weighted = 0;
  let wrapped = 0;
  let wrappedWeighted = 0;
  let debt = 0;
  let wrappedSupplied = 0;
  for (const e of position.reserves) {
    const price = e.reserve.priceUsd * (e.reserve.wrapped ? recovery : 1);
    debt += tokens(e.debt, e.reserve.decimals) * e.reserve.priceUsd;
    const supplied = tokens(e.collateral, e.reserve.decimals) * price;
    if (e.reserve.wrapped) wrappedSupplied += tokens(e.collateral, e.reserve.decimals) * e.reserve.priceUsd;
    if (!e.usedAsCollateral || e.reserve.liquidationThreshold === 0) continue;
    collateral += supplied;
    weighted += (supplied * e.reserve.liquidationThreshold) / 10_000;
    if (e.reserve.wrapped) {
      wrapped += supplied;
      wrappedWeighted += (supplied * e.reserve.liquidationThreshold) / 10_000;
    }
  }
  return { collateral, weighted, wrapped, wrappedWeighted, debt, wrappedSupplied };
}

/** DESIGN.md section 4 exposure of one pool to the deployment's (only) bridge. */
export function expectedExposure(pool: ChainPool) {
  let total = 0;
  let power = 0;
  let bridged = 0;
  let bridgedPower = 0;
  for (const p of pool.positions) {
    const v = values(p);
    total += v.collateral;
    power += v.weighted;
    bridged += v.wrapped;
    bridgedPower += v.wrappedWeighted;
  }
  const share = total > 0 ? bridged / total : 0;
  return {
    totalCollateralUsd: total,
    totalBorrowingPowerUsd: power,
    bridgedCollateralUsd: bridged,
    share,
    borrowingPowerShare: power > 0 ? bridgedPower / power : 0,
    hhi: share * share,
  };
}

/**
 * DESIGN.md section 4 bridge failure, recomputed by hand: wrapped collateral at `recovery * P`, debt at
 * oracle prices; bad debt = sum max(0, D - C'); liquidatable debt = D of positions with HF' < 1; lenders'
 * loss = added bad debt + haircut on wrapped tokens supplied by accounts without debt.
 */
export function expectedBridgeFailure(pools: ChainPool[], recovery: number) {
  const losses = (rho: number) => {
    let badDebt = 0;
    let liquidatableDebt = 0;
    let liquidatable = 0;
    let lenderHaircut = 0;
    for (const pool of pools) {
      for (const p of pool.positions) {
        const v = values(p, rho);
        if (v.debt === 0) {
          lenderHaircut += v.wrappedSupplied * (1 - rho);
          continue;
        }
        badDebt += Math.max(0, v.debt - v.collateral);
        if (v.weighted / v.debt < 1 - 1e-12) {
          liquidatableDebt += v.debt;
          liquidatable++;
        }
      }
    }
    return { badDebt, liquidatableDebt, liquidatable, lenderHaircut };
  };
  const after = losses(recovery);
  const before = losses(1);
  return {
    badDebtUsd: after.badDebt,
    liquidatableDebtUsd: after.liquidatableDebt,
    positionsLiquidatable: after.liquidatable,
    lendersLossUsd: Math.max(0, after.badDebt - before.badDebt) + after.lenderHaircut,
    baseline: before,
  };
}
