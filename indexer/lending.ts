import type { Context } from "ponder:registry";
import { position, reserve } from "ponder:schema";
import type { Hex } from "viem";
import { rayDiv, rayMul } from "../lib/aave/wadRayMath.js";
import { currentDeployment, key } from "./deployment.js";

/**
 * Aave v3 scaled-balance bookkeeping from the pool's events. Every event is preceded, in the same
 * transaction, by the ReserveDataUpdated that carries the index the pool used, so
 * `scaled = amount.rayDiv(index)` is the pool's own arithmetic. Where the pool moves a whole balance
 * (withdraw/repay/liquidate everything) it moves the stored scaled balance instead of a rounded quotient;
 * we detect that case the way the pool does (amount == scaled.rayMul(index)), so balances stay exact.
 */

type Db = Context["db"];
type ReserveRow = typeof reserve.$inferSelect;
type PositionRow = typeof position.$inferSelect;

export const reserveId = (protocol: string, asset: string) => `${protocol}:${asset.toLowerCase()}`;
export const positionId = (protocol: string, user: string, asset: string) =>
  `${protocol}:${user.toLowerCase()}:${asset.toLowerCase()}`;

/** The protocol id of a pool; pools missing from the deployments file are named by chain and address. */
export function protocolOf(chainId: number, pool: string): string {
  return currentDeployment().protocolByPool.get(key(chainId, pool)) ?? `${chainId}:${pool.toLowerCase()}`;
}

export async function requireReserve(db: Db, protocol: string, asset: Hex): Promise<ReserveRow> {
  const row = await db.find(reserve, { id: reserveId(protocol, asset) });
  if (!row) throw new Error(`reserve ${asset} of ${protocol} used before ReserveInitialized was indexed`);
  return row;
}

export type PositionChange = {
  collateral?: (row: PositionRow, reserve: ReserveRow) => bigint;
  debt?: (row: PositionRow, reserve: ReserveRow) => bigint;
  usedAsCollateral?: boolean;
};

/** Applies a scaled-balance delta to (protocol, user, reserve), creating the row on first touch. */
export async function changePosition(
  db: Db,
  params: { protocol: string; chainId: number; pool: Hex; user: Hex; asset: Hex; blockNumber: bigint },
  change: PositionChange,
): Promise<{ collateralDelta: bigint; debtDelta: bigint }> {
  const reserveRow = await requireReserve(db, params.protocol, params.asset);
  const id = positionId(params.protocol, params.user, params.asset);
  const row: PositionRow = (await db.find(position, { id })) ?? {
    id,
    protocol: params.protocol,
    chainId: params.chainId,
    user: params.user.toLowerCase() as Hex,
    reserveId: reserveRow.id,
    reserve: params.asset.toLowerCase() as Hex,
    scaledCollateral: 0n,
    scaledDebt: 0n,
    usedAsCollateral: false,
    updatedAtBlock: params.blockNumber,
  };
  const collateralDelta = change.collateral?.(row, reserveRow) ?? 0n;
  const debtDelta = change.debt?.(row, reserveRow) ?? 0n;
  const next = {
    scaledCollateral: row.scaledCollateral + collateralDelta,
    scaledDebt: row.scaledDebt + debtDelta,
    usedAsCollateral: change.usedAsCollateral ?? row.usedAsCollateral,
    updatedAtBlock: params.blockNumber,
  };
  await db
    .insert(position)
    .values({ ...row, ...next })
    .onConflictDoUpdate(next);
  if (collateralDelta !== 0n || debtDelta !== 0n) {
    await db.update(reserve, { id: reserveRow.id }).set((r) => ({
      totalScaledSupply: r.totalScaledSupply + collateralDelta,
      totalScaledDebt: r.totalScaledDebt + debtDelta,
    }));
  }
  return { collateralDelta, debtDelta };
}

/** Scaled amount removed when `amount` leaves a balance of `scaled` at `index` (whole balance -> all of it). */
export function scaledRemoved(scaled: bigint, amount: bigint, index: bigint): bigint {
  return amount === rayMul(scaled, index) ? scaled : rayDiv(amount, index);
}
