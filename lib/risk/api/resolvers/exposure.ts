import { type RiskAnalysis, resolveProtocol, STATUS_NAMES } from "../../index.js";
import { userInput } from "./inputs.js";
import { bridgeOf, protocolOf, type RiskContext, statusEnum } from "./shared.js";

/** Query fields of one protocol's markets: its reserves and its exposure to bridges. */
export const exposureQueries = {
  async reserves(_: unknown, args: { protocol: string }, ctx: RiskContext) {
    const { analysis: a } = await ctx.risk();
    const { book, snapshot } = a;
    const p = userInput(() => resolveProtocol(book, args.protocol));
    const protocol = snapshot.protocols[p]!;
    const unit = Number(protocol.baseCurrencyUnit ?? 100_000_000n);
    const out = [];
    // A protocol's reserves are consecutive in the book, in the snapshot's order.
    let k = 0;
    for (let r = 0; r < book.reserveCount; r++) {
      if (book.reserveProtocol[r] !== p) continue;
      const reserve = protocol.reserves[k++]!;
      const status = STATUS_NAMES[book.reserveStatus[r]!]!;
      const b = book.marketBridge[book.reserveMarket[r]!]!;
      out.push({
        protocol: protocolOf(book, p),
        asset: reserve.asset,
        symbol: reserve.symbol,
        decimals: reserve.decimals,
        bridge: b >= 0 ? bridgeOf(book, b) : null,
        ltv: reserve.ltv,
        liquidationThreshold: reserve.liquidationThreshold,
        liquidationBonus: reserve.liquidationBonus,
        eModeCategory: reserve.eModeCategory ?? 0,
        oracleAnswer: reserve.oracleAnswer == null ? null : reserve.oracleAnswer.toString(),
        priceUsd:
          status === "unpriced"
            ? null
            : reserve.oracleAnswer == null
              ? reserve.priceUsd
              : Number(reserve.oracleAnswer) / unit,
        priceStatus: statusEnum(status),
        priceReason: book.reservePriceReason[r] ?? null,
        problems: book.reserveProblems[r]!,
        market: reserve.market ?? null,
      });
    }
    return out;
  },

  async exposure(_: unknown, args: { protocol: string }, ctx: RiskContext) {
    const { analysis: a } = await ctx.risk();
    return exposureOf(
      a,
      userInput(() => resolveProtocol(a.book, args.protocol)),
    );
  },

  async exposureMatrix(_: unknown, __: unknown, ctx: RiskContext) {
    const { analysis: a } = await ctx.risk();
    return a.book.protocols.map((_p, p) => exposureOf(a, p));
  },
};

function exposureOf(a: RiskAnalysis, p: number) {
  const x = a.exposure.protocols[p]!;
  return {
    protocol: protocolOf(a.book, p),
    totalCollateralUsd: x.totalCollateralUsd,
    totalBorrowingPowerUsd: x.totalBorrowingPowerUsd,
    hhi: x.hhi,
    positionsSkipped: x.positionsSkipped,
    bridges: x.bridges.map((e) => ({ ...e, bridge: bridgeOf(a.book, e.bridge) })),
  };
}
