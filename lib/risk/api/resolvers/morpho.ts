import { toAssetsDown, toAssetsUp } from "../../../morpho/math.js";
import { morphoExactPosition, morphoMarketsOf, positionOf, type RiskBook } from "../../index.js";
import { badInput } from "./inputs.js";
import type { PositionRef } from "./shared.js";

export const kindEnum = (kind: string) => (kind === "morpho-blue" ? "MORPHO_BLUE" : "AAVE_V3");

/**
 * A `market` argument: a Morpho Blue market id of protocol `p` (0x and 32 bytes of hex), lower case.
 * Refused for an Aave protocol, and for an id the protocol does not list.
 */
export function parseMarket(book: RiskBook, p: number, market: string): string {
  if (!/^0x[0-9a-fA-F]{64}$/.test(market)) {
    throw badInput(`market: "${market}" is not a Morpho market id (0x and 32 bytes of hex)`, {
      argument: "market",
      value: market,
    });
  }
  const protocol = book.snapshot.protocols[p]!;
  if ((protocol.kind ?? "aave-v3") !== "morpho-blue") {
    throw badInput(
      `market: protocol ${protocol.name} is an Aave market; market applies to Morpho Blue only`,
      {
        argument: "market",
        value: market,
      },
    );
  }
  const id = market.toLowerCase();
  if (!morphoMarketsOf(protocol).has(id)) {
    throw badInput(`market: ${protocol.name} has no market ${id}`, { argument: "market", value: market });
  }
  return id;
}

/** The Position.morpho field: Morpho's exact figures, null for Aave positions. */
export function morphoPositionField({ a, i }: PositionRef) {
  const exact = morphoExactPosition(a.book, i);
  if (!exact) return null;
  const { market, health } = exact;
  const shares = positionOf(a.book, i).morpho!;
  return {
    marketId: market.id,
    loanToken: market.loanToken,
    collateralToken: market.collateralToken,
    oracle: market.oracle,
    lltv: market.lltv.toString(),
    oraclePrice: market.oraclePrice?.toString() ?? null,
    supplyShares: shares.supplyShares.toString(),
    borrowShares: shares.borrowShares.toString(),
    collateral: shares.collateral.toString(),
    borrowedAssets: toAssetsUp(
      shares.borrowShares,
      market.totalBorrowAssets,
      market.totalBorrowShares,
    ).toString(),
    maxBorrowAssets: health?.maxBorrowAssets.toString() ?? null,
    healthFactorWad: health?.healthFactor?.toString() ?? null,
  };
}

/** Supplied and borrowed assets of a Morpho entry, exactly as Morpho converts shares (supply down, debt up). */
export function morphoEntryAmounts(
  ref: PositionRef,
  entry: { market?: string; usedAsCollateral: boolean; scaledCollateral: bigint; scaledDebt: bigint },
) {
  const market = morphoExactPosition(ref.a.book, ref.i)?.market;
  if (!market || entry.usedAsCollateral) return { collateral: entry.scaledCollateral, debt: 0n };
  return {
    collateral: toAssetsDown(entry.scaledCollateral, market.totalSupplyAssets, market.totalSupplyShares),
    debt: toAssetsUp(entry.scaledDebt, market.totalBorrowAssets, market.totalBorrowShares),
  };
}
