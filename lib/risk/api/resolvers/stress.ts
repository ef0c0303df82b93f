import { bridgeFailure, liquidationCurve, priceShockCascade } from "../../index.js";
import { badInput, userInput } from "./inputs.js";
import { assetOf, bridgeOf, protocolOf, type RiskContext } from "./shared.js";

/** Query fields of stress testing: one scenario, and the liquidation curve of a price walk. */
export const stressQueries = {
  async stressTest(
    _: unknown,
    args: {
      scenario: {
        bridgeFailure?: { bridge: string; recovery: number } | null;
        priceShock?: { asset?: string | null; shock: number; maxRounds?: number | null } | null;
      };
    },
    ctx: RiskContext,
  ) {
    const { bridgeFailure: bf, priceShock: ps } = args.scenario;
    if ((bf == null) === (ps == null)) {
      throw badInput(
        bf == null
          ? "scenario needs one member: bridgeFailure or priceShock"
          : "scenario must set exactly one of bridgeFailure and priceShock, not both",
        { argument: "scenario" },
      );
    }
    const { analysis: a } = await ctx.risk();
    const { book } = a;
    if (bf) {
      const r = userInput(() => bridgeFailure(book, bf, a.health));
      return {
        __typename: "BridgeFailureResult",
        ...r,
        bridge: bridgeOf(book, r.bridge),
        protocols: r.protocols.map((p, i) => ({ ...p, protocol: protocolOf(book, i) })),
      };
    }
    const r = userInput(() =>
      priceShockCascade(book, {
        asset: ps!.asset,
        shock: ps!.shock,
        maxRounds: ps!.maxRounds ?? undefined,
      }),
    );
    const finalPrices = [];
    for (let m = 0; m < book.marketCount; m++) {
      if (r.finalPrices[m] === r.oraclePrices[m]) continue;
      const assetIdx = book.marketAsset[m]!;
      finalPrices.push({
        chainId: book.marketChainId[m]!,
        token: book.marketToken[m]!,
        symbol: book.marketSymbol[m]!,
        asset: assetIdx >= 0 ? assetOf(book, assetIdx) : null,
        oraclePriceUsd: r.oraclePrices[m]!,
        finalPriceUsd: r.finalPrices[m]!,
      });
    }
    const dexSales = [];
    for (let m = 0; m < book.marketCount; m++) {
      const sale = r.sales[m]!;
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
    return {
      __typename: "PriceShockResult",
      ...r,
      asset: r.asset === null ? null : assetOf(book, r.asset),
      finalPrices,
      dexSales,
      protocols: r.protocols.map((p, i) => ({ ...p, protocol: protocolOf(book, i) })),
    };
  },

  async liquidationCurve(_: unknown, args: { asset?: string | null; steps: number }, ctx: RiskContext) {
    const { analysis: a } = await ctx.risk();
    // The curve depends only on the snapshot's book: computed once per snapshot and arguments (a full
    // pass per step over every position, ~0.3 s at 100k positions under load), not once per request.
    let byArgs = curves.get(a);
    if (!byArgs) {
      byArgs = new Map();
      curves.set(a, byArgs);
    }
    const key = `${args.asset ?? ""}:${args.steps}`;
    let curve = byArgs.get(key);
    if (!curve) {
      curve = userInput(() => liquidationCurve(a.book, { asset: args.asset, steps: args.steps }));
      byArgs.set(key, curve);
    }
    return curve;
  },
};

const LIQUIDITY_SOURCE = {
  "uniswap-v3": "UNISWAP_V3",
  "constant-product": "CONSTANT_PRODUCT",
  none: "NONE",
} as const;

const curves = new WeakMap<object, Map<string, ReturnType<typeof liquidationCurve>>>();

/** The StressTestResult union: each result names its own type. */
export const stressTestResultType = {
  __resolveType: (r: { __typename: string }) => r.__typename,
};
