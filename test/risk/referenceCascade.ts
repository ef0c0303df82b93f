import { type RiskBook, resolveAsset, shockedPrices } from "../../lib/risk/book.js";
import { sellSeizedCollateral } from "../../lib/risk/dexSale.js";
import { type LiquidationPass, liquidateBook } from "../../lib/risk/liquidation.js";

/**
 * The cascade as it was specified before seizure curves: every round is a whole `liquidateBook` pass at
 * the round's prices, and the next prices come from selling what that pass seized. The reference the
 * fast cascade (priceShockCascade) is compared with: same loop, same tolerance, same round limit.
 */
export function referenceCascade(
  book: RiskBook,
  asset: string | null,
  shock: number,
  maxRounds = 25,
): { rounds: number; converged: boolean; finalPrices: Float64Array; pass: LiquidationPass } {
  const start = shockedPrices(book, shock, asset === null ? undefined : resolveAsset(book, asset));
  const sell = (seized: Float64Array) =>
    Array.from(seized, (q, m) => sellSeizedCollateral(book.marketDexPool[m]!, book.marketPoolDepth[m]!, q));
  let prices = start;
  let pass = liquidateBook(book, prices);
  let sales = sell(pass.seizedTokens);
  let rounds = 0;
  let converged = false;
  for (;;) {
    if (pass.liquidatedPositions === 0) {
      converged = true;
      break;
    }
    rounds++;
    const next = new Float64Array(book.marketCount);
    let moved = 0;
    for (let m = 0; m < book.marketCount; m++) {
      next[m] = start[m]! * sales[m]!.priceRatio;
      const before = prices[m]!;
      if (before > 0) moved = Math.max(moved, Math.abs(next[m]! - before) / before);
    }
    if (moved <= 1e-12) {
      converged = true;
      break;
    }
    if (rounds >= maxRounds) break;
    prices = next;
    pass = liquidateBook(book, prices);
    sales = sell(pass.seizedTokens);
  }
  return { rounds, converged, finalPrices: prices, pass };
}
