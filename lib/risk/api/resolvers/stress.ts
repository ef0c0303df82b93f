import {
  assetGroups,
  bridgeFailure,
  DEFAULT_ASSET_GROUPS,
  liquidationCurve,
  priceShockCascade,
} from "../../index.js";
import { dexSalesOf } from "./dexSales.js";
import { badInput, userInput } from "./inputs.js";
import { type PriceMoveScenario, runPriceMove } from "./priceMoves.js";
import { assetOf, bridgeOf, protocolOf, type RiskContext } from "./shared.js";

type StressScenarioArgs = PriceMoveScenario & {
  bridgeFailure?: { bridge: string; recovery: number } | null;
  priceShock?: { asset?: string | null; shock: number; maxRounds?: number | null } | null;
};

const SCENARIO_MEMBERS = [
  "bridgeFailure",
  "priceShock",
  "priceMove",
  "debtShock",
  "depeg",
  "groupShock",
] as const satisfies readonly (keyof StressScenarioArgs)[];

/** "a", "a and b", "a, b and c". */
const listed = (names: readonly string[]) =>
  names.length < 2 ? names.join("") : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;

/** Query fields of stress testing: one scenario, the groups it can name, and the liquidation curve. */
export const stressQueries = {
  async stressTest(_: unknown, args: { scenario: StressScenarioArgs }, ctx: RiskContext) {
    const scenario = args.scenario;
    const set = SCENARIO_MEMBERS.filter((m) => scenario[m] != null);
    if (set.length !== 1) {
      throw badInput(
        set.length === 0
          ? `scenario needs one member: ${SCENARIO_MEMBERS.join(", ")}`
          : `scenario must set exactly one of ${listed(set)}, not ${set.length === 2 ? "both" : `all ${set.length}`}`,
        { argument: "scenario" },
      );
    }
    const { bridgeFailure: bf, priceShock: ps } = scenario;
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
    if (!ps) return runPriceMove(a, scenario);
    const r = userInput(() =>
      priceShockCascade(book, {
        asset: ps.asset,
        shock: ps.shock,
        maxRounds: ps.maxRounds ?? undefined,
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
    const dexSales = dexSalesOf(book, r.sales);
    return {
      __typename: "PriceShockResult",
      ...r,
      asset: r.asset === null ? null : assetOf(book, r.asset),
      finalPrices,
      dexSales,
      protocols: r.protocols.map((p, i) => ({ ...p, protocol: protocolOf(book, i) })),
    };
  },

  async assetGroups(_: unknown, __: unknown, ctx: RiskContext) {
    const { analysis: a } = await ctx.risk();
    return assetGroups(a.book).map((g, i) => ({
      name: g.name,
      description: DEFAULT_ASSET_GROUPS[i]!.description,
      members: g.members.map((m) => m.name),
    }));
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

const curves = new WeakMap<object, Map<string, ReturnType<typeof liquidationCurve>>>();

/** The StressTestResult union: each result names its own type. */
export const stressTestResultType = {
  __resolveType: (r: { __typename: string }) => r.__typename,
};
