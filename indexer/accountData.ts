import { normalizedDebt, normalizedIncome } from "../lib/aave/interest.js";
import { type OraclePrice, oraclePrice } from "../lib/aave/oracle.js";
import {
  type AccountDataResult,
  type AccountReserve,
  getUserAccountData,
} from "../lib/aave/userAccountData.js";
import type * as schema from "../ponder.schema.js";

/**
 * getUserAccountData from indexed rows (ponder.schema.ts), for the API, the tests and the bench. Pure (no
 * Ponder imports): the caller selects the rows. Prices are each source's raw answer, exactly what
 * AaveOracle returns; the math is lib/aave's, to the wei of the Pool's own view.
 */

export type ReserveRow = typeof schema.reserve.$inferSelect;
export type PositionRow = typeof schema.position.$inferSelect;
export type PriceSourceRow = typeof schema.priceSource.$inferSelect;
export type EModeCategoryRow = typeof schema.emodeCategory.$inferSelect;

export type MarketRows = {
  reserves: readonly ReserveRow[];
  /** Price sources of the market's chain. */
  sources: readonly PriceSourceRow[];
  emodeCategories: readonly EModeCategoryRow[];
  /** AaveOracle's source per asset (asset_source), for eMode category price sources (asset addresses). */
  assetSources: ReadonlyMap<string, string>;
};

/** The reserve's indexes as the pool computes them at `timestamp` (getReserveNormalizedIncome/VariableDebt). */
export function reserveIndexesAt(row: ReserveRow, timestamp: bigint): { income: bigint; debt: bigint } {
  const state = {
    liquidityIndex: row.liquidityIndex,
    variableBorrowIndex: row.variableBorrowIndex,
    currentLiquidityRate: row.liquidityRate,
    currentVariableBorrowRate: row.variableBorrowRate,
    lastUpdateTimestamp: row.lastUpdateTimestamp,
  };
  return { income: normalizedIncome(state, timestamp), debt: normalizedDebt(state, timestamp) };
}

/** AaveOracle's price of a source (proxy address), judged at `now` against the source's heartbeat. */
export function priceOfSource(
  sources: ReadonlyMap<string, PriceSourceRow>,
  proxy: string | null | undefined,
  label: string,
  now: bigint,
): OraclePrice {
  const row = proxy ? sources.get(proxy.toLowerCase()) : undefined;
  return oraclePrice({
    answer: row?.answer ?? null,
    updatedAt: row?.updatedAt ?? null,
    now,
    heartbeatSeconds: row?.heartbeatSeconds,
    label: `${label} (${proxy ?? "no source"})`,
  });
}

/**
 * One user's account data in one market at `timestamp` (unix seconds of the block the Pool's view would
 * run in; also the moment prices are judged stale against).
 */
export function accountDataFromRows(
  positions: readonly PositionRow[],
  eModeCategory: number,
  rows: MarketRows,
  timestamp: bigint,
): AccountDataResult {
  const reserves = new Map(rows.reserves.map((r) => [r.id, r]));
  const sources = new Map(rows.sources.map((s) => [s.proxy.toLowerCase(), s]));
  const accountReserves: AccountReserve[] = [];
  for (const p of positions) {
    const r = reserves.get(p.reserveId);
    if (!r) continue;
    const indexes = reserveIndexesAt(r, timestamp);
    accountReserves.push({
      symbol: r.symbol ?? r.asset,
      decimals: r.decimals,
      ltv: BigInt(r.ltv),
      liquidationThreshold: BigInt(r.liquidationThreshold),
      eModeCategory: r.eModeCategory,
      price: priceOfSource(sources, r.priceSource, r.symbol ?? r.asset, timestamp),
      scaledATokenBalance: p.scaledATokenBalance,
      scaledVariableDebt: p.scaledVariableDebt,
      stableDebt:
        p.stableDebtPrincipal === 0n
          ? null
          : {
              principal: p.stableDebtPrincipal,
              rate: p.stableBorrowRate,
              lastUpdateTimestamp: p.stableDebtTimestamp,
            },
      usedAsCollateral: p.usedAsCollateral,
      normalizedIncome: indexes.income,
      normalizedDebt: indexes.debt,
    });
  }
  const category = rows.emodeCategories.find((c) => c.categoryId === eModeCategory);
  const categorySource =
    category && !/^0x0{40}$/.test(category.priceSource) ? category.priceSource.toLowerCase() : null;
  return getUserAccountData({
    reserves: accountReserves,
    eMode:
      category && eModeCategory !== 0
        ? {
            id: eModeCategory,
            ltv: BigInt(category.ltv),
            liquidationThreshold: BigInt(category.liquidationThreshold),
            priceSource: categorySource
              ? priceOfSource(
                  sources,
                  rows.assetSources.get(categorySource),
                  `eMode ${category.label}`,
                  timestamp,
                )
              : null,
          }
        : null,
    timestamp,
  });
}
