import { calculateUserAccountData, type UserAccountData } from "../lib/aave/accountData.js";
import { normalizedDebt, normalizedIncome } from "../lib/aave/interest.js";

/**
 * Health factors from indexed rows. Pure (no Ponder imports) so the API, the risk engine and the tests
 * compute them the same way. Rows are the `reserve` and `position` tables as GraphQL/SQL return them.
 */

export type IndexedReserve = {
  id: string;
  decimals: number;
  ltv: number;
  liquidationThreshold: number;
  priceFeed: string;
  liquidityIndex: bigint;
  variableBorrowIndex: bigint;
  liquidityRate: bigint;
  variableBorrowRate: bigint;
  lastUpdateTimestamp: bigint;
};

export type IndexedPosition = {
  reserveId: string;
  scaledCollateral: bigint;
  scaledDebt: bigint;
  usedAsCollateral: boolean;
};

/** The reserve's indexes as the pool computes them at `timestamp` (getReserveNormalizedIncome/VariableDebt). */
export function reserveIndexesAt(row: IndexedReserve, timestamp: bigint): { income: bigint; debt: bigint } {
  const state = {
    liquidityIndex: row.liquidityIndex,
    variableBorrowIndex: row.variableBorrowIndex,
    currentLiquidityRate: row.liquidityRate,
    currentVariableBorrowRate: row.variableBorrowRate,
    lastUpdateTimestamp: row.lastUpdateTimestamp,
  };
  return { income: normalizedIncome(state, timestamp), debt: normalizedDebt(state, timestamp) };
}

/**
 * Aave's getUserAccountData for one user of one protocol, as of `timestamp`. `priceOf` returns the feed
 * answer (8 decimals) the pool reads for a reserve (its priceFeed's latest answer).
 */
export function accountDataFromRows(
  positions: readonly IndexedPosition[],
  reserves: ReadonlyMap<string, IndexedReserve>,
  priceOf: (reserve: IndexedReserve) => bigint,
  timestamp: bigint,
): UserAccountData {
  const inputs = positions.flatMap((p) => {
    const r = reserves.get(p.reserveId);
    if (!r) return [];
    const indexes = reserveIndexesAt(r, timestamp);
    return [
      {
        scaledCollateral: p.scaledCollateral,
        scaledDebt: p.scaledDebt,
        usedAsCollateral: p.usedAsCollateral,
        normalizedIncome: indexes.income,
        normalizedDebt: indexes.debt,
        price: priceOf(r),
        decimals: r.decimals,
        ltv: BigInt(r.ltv),
        liquidationThreshold: BigInt(r.liquidationThreshold),
      },
    ];
  });
  return calculateUserAccountData(inputs);
}
