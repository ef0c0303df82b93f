import type { PriceShockResult, RiskBook } from "../../index.js";
import { assetOf } from "./shared.js";

const LIQUIDITY_SOURCE = {
  "uniswap-v3": "UNISWAP_V3",
  "constant-product": "CONSTANT_PRODUCT",
  none: "NONE",
} as const;

/** Per market that had collateral seized or has a pool: its sale, as the DexSale type shows it. */
export function dexSalesOf(book: RiskBook, sales: PriceShockResult["sales"]) {
  const dexSales = [];
  for (let m = 0; m < book.marketCount; m++) {
    const sale = sales[m]!;
    if (sale.seizedTokens === 0 && sale.source === "none") continue;
    const assetIdx = book.marketAsset[m]!;
    dexSales.push({
      chainId: book.marketChainId[m]!,
      token: book.marketToken[m]!,
      symbol: book.marketSymbol[m]!,
      asset: assetIdx >= 0 ? assetOf(book, assetIdx) : null,
      ...sale,
      source: LIQUIDITY_SOURCE[sale.source],
      amountOffered: sale.amountOffered?.toString() ?? null,
      amountIn: sale.amountIn?.toString() ?? null,
      amountOut: sale.amountOut?.toString() ?? null,
      ticksCrossed: sale.initializedTicksCrossed,
    });
  }
  return dexSales;
}
