import type { OraclePrice } from "../../../aave/oracle.js";
import { aaveRulesByName } from "../../../aave/revisions.js";
import { getUserAccountData } from "../../../aave/userAccountData.js";
import { type PriceStatus, positionOf, type RiskAnalysis, type RiskProtocol } from "../../index.js";
import type { PositionRef } from "./shared.js";

export function protocolTime(a: RiskAnalysis, pi: number): number {
  const p = a.snapshot.protocols[pi]!;
  return p.timestamp ?? a.snapshot.asOf.blockTimestamps.find((b) => b.chainId === p.chainId)?.timestamp ?? 0;
}

function oracleOf(
  answer: bigint | null | undefined,
  status: PriceStatus,
  reason: string | null | undefined,
  label: string,
): OraclePrice {
  if (status === "unpriced" || answer == null)
    return { status: "unpriced", reason: reason ?? `${label}: no price` };
  if (status === "stale") return { status: "stale", price: answer, reason: reason ?? `${label}: stale` };
  return { status: "priced", price: answer };
}

/**
 * The Pool's exact account data for one position (lib/aave, under the market's Aave revision rules:
 * `protocol.aaveRevision`, v3.0 when absent), from the snapshot's bigint state. Null when any reserve of
 * the position lacks an exact oracle answer (synthetic snapshots), when the position is unpriced, or when
 * the position is in an eMode of a v3.2+ market (the snapshot does not carry the categories' collateral
 * bitmaps, so the eMode LT cannot be placed).
 */
export function exactAccountData({ a, i }: PositionRef) {
  const pi = a.book.positionProtocol[i]!;
  const protocol: RiskProtocol = a.snapshot.protocols[pi]!;
  if ((protocol.kind ?? "aave-v3") !== "aave-v3") return null;
  const first = a.book.positionStart[i]!;
  if (first === a.book.positionStart[i + 1]!) return null;
  const position = positionOf(a.book, i);
  const byAsset = new Map(protocol.reserves.map((r) => [r.asset.toLowerCase(), r]));
  const reserves = [];
  for (const pr of position.reserves) {
    const r = byAsset.get(pr.asset.toLowerCase())!;
    if (r.oracleAnswer === undefined) return null;
    reserves.push({
      symbol: r.symbol,
      decimals: r.decimals,
      ltv: BigInt(r.ltv),
      liquidationThreshold: BigInt(r.liquidationThreshold),
      eModeCategory: r.eModeCategory ?? 0,
      price: oracleOf(r.oracleAnswer, r.priceStatus ?? "priced", r.priceReason, r.symbol),
      scaledATokenBalance: pr.scaledCollateral,
      scaledVariableDebt: pr.scaledDebt,
      stableDebt: pr.stableDebt ?? null,
      usedAsCollateral: pr.usedAsCollateral,
      normalizedIncome: r.liquidityIndex,
      normalizedDebt: r.variableBorrowIndex,
    });
  }
  const category = position.eModeCategory
    ? protocol.eModeCategories?.find((c) => c.id === position.eModeCategory)
    : undefined;
  const rules = aaveRulesByName(protocol.aaveRevision?.rules ?? "v3.0");
  if (category && rules.eModeForm === "bitmaps") return null;
  const result = getUserAccountData({
    rules,
    reserves,
    eMode: category
      ? {
          id: category.id,
          ltv: BigInt(category.ltv),
          liquidationThreshold: BigInt(category.liquidationThreshold),
          priceSource: category.hasPriceSource
            ? oracleOf(
                category.oracleAnswer,
                category.priceStatus,
                category.priceReason,
                `eMode ${category.id}`,
              )
            : null,
        }
      : null,
    timestamp: BigInt(protocolTime(a, pi)),
  });
  if (result.data === null) return null;
  return {
    totalCollateralBase: result.data.totalCollateralBase.toString(),
    totalDebtBase: result.data.totalDebtBase.toString(),
    availableBorrowsBase: result.data.availableBorrowsBase.toString(),
    currentLiquidationThreshold: result.data.currentLiquidationThreshold.toString(),
    ltv: result.data.ltv.toString(),
    healthFactor: result.healthFactor === null ? null : result.healthFactor.toString(),
  };
}
