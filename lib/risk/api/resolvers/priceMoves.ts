import {
  debtShock,
  depeg,
  groupShock,
  type PriceMoveResult,
  priceMoveStress,
  type RiskAnalysis,
} from "../../index.js";
import { dexSalesOf } from "./dexSales.js";
import { userInput } from "./inputs.js";
import { assetOf, protocolOf } from "./shared.js";

type Rounds = { maxRounds?: number | null };

/** The StressScenario members that move prices of both collateral and debt. */
export type PriceMoveScenario = {
  priceMove?: ({ moves: { asset: string; factor: number }[] } & Rounds) | null;
  debtShock?: ({ asset: string; rise: number } & Rounds) | null;
  depeg?: ({ asset: string; priceUsd: number } & Rounds) | null;
  groupShock?: ({ group?: string | null; assets?: string[] | null; factor: number } & Rounds) | null;
};

/**
 * Runs the one price-move member the scenario sets (the caller checked there is exactly one) and shapes
 * a PriceMoveResult.
 */
export function runPriceMove(a: RiskAnalysis, scenario: PriceMoveScenario) {
  const { book } = a;
  const { kind, group, result: r } = userInput(() => priceMoveOf(a, scenario));
  const prices = [];
  for (let m = 0; m < book.marketCount; m++) {
    const moved = r.movedPrices[m]!;
    const final = r.cascade.finalPrices[m]!;
    const oracle = r.oraclePrices[m]!;
    if (moved === oracle && final === oracle) continue;
    const assetIdx = book.marketAsset[m]!;
    prices.push({
      chainId: book.marketChainId[m]!,
      token: book.marketToken[m]!,
      symbol: book.marketSymbol[m]!,
      asset: assetIdx >= 0 ? assetOf(book, assetIdx) : null,
      oraclePriceUsd: oracle,
      movedPriceUsd: moved,
      finalPriceUsd: final,
    });
  }
  return {
    __typename: "PriceMoveResult",
    kind,
    group,
    moves: r.moves.map((m) => ({
      name: m.target.name,
      asset: m.target.asset === null ? null : assetOf(book, m.target.asset),
      factor: m.factor,
      markets: m.target.markets.length,
    })),
    prices,
    badDebtUsd: r.badDebtUsd,
    liquidatableDebtUsd: r.liquidatableDebtUsd,
    positionsLiquidatable: r.positionsLiquidatable,
    positionsSkipped: r.positionsSkipped,
    baseline: r.baseline,
    cascade: { ...r.cascade, dexSales: dexSalesOf(book, r.cascade.sales) },
    protocols: r.protocols.map((p, i) => ({
      ...p,
      protocol: protocolOf(book, i),
      cascade: { ...p.cascade, protocol: protocolOf(book, i) },
    })),
  };
}

/** The engine run of the member that is set, and how the result names it. */
function priceMoveOf(
  a: RiskAnalysis,
  scenario: PriceMoveScenario,
): { kind: string; group: string | null; result: PriceMoveResult } {
  const { book, health } = a;
  const { priceMove, debtShock: ds, depeg: dp, groupShock: gs } = scenario;
  if (priceMove) return { kind: "PRICE_MOVE", group: null, result: priceMoveStress(book, priceMove, health) };
  if (ds) return { kind: "DEBT_SHOCK", group: null, result: debtShock(book, ds, health) };
  if (dp) return { kind: "DEPEG", group: null, result: depeg(book, dp, health) };
  const result = groupShock(book, gs!, health);
  return { kind: "GROUP_SHOCK", group: result.group.name, result };
}
