import { atLeast, evaluateAlerts, type Severity } from "../../index.js";
import { backingQueries, bridgeBackingFields } from "./backing.js";
import { exposureQueries } from "./exposure.js";
import { kindEnum } from "./morpho.js";
import { positionFields, positionQueries } from "./positions.js";
import { type RiskContext, type RiskResolverOptions, SEVERITY_ENUM } from "./shared.js";
import { stressQueries, stressTestResultType } from "./stress.js";

export { badInput } from "./inputs.js";
export type { RiskContext, RiskResolverOptions, RiskState } from "./shared.js";

/**
 * Resolver map of {@link riskTypeDefs}. Every argument is validated here or by the engine, and every
 * caller mistake comes back as a GraphQLError with `extensions.code = "BAD_USER_INPUT"` naming the
 * argument.
 *
 * @example
 * const schema = createSchema({ typeDefs: riskTypeDefs, resolvers: createRiskResolvers(options) });
 */
export function createRiskResolvers(options: RiskResolverOptions) {
  const { limits } = options;
  return {
    Query: {
      ...backingQueries,
      ...positionQueries(limits),
      ...exposureQueries,
      ...stressQueries,
      async snapshot(_: unknown, __: unknown, ctx: RiskContext) {
        const { analysis } = await ctx.risk();
        return {
          blocks: analysis.snapshot.asOf.blockTimestamps.map((b) => ({
            chainId: b.chainId,
            blockNumber: b.blockNumber?.toString() ?? null,
            timestamp: b.timestamp,
          })),
        };
      },
      async alerts(_: unknown, args: { minSeverity: string }, ctx: RiskContext) {
        const state = await ctx.risk();
        const min = args.minSeverity.toLowerCase() as Severity;
        return evaluateAlerts(state.analysis, {
          config: options.alertConfig,
          now: options.now(),
          scenarios: state.scenarios(),
        })
          .filter((alert) => atLeast(alert.severity, min))
          .map((alert) => ({
            ...alert,
            protocolKind:
              alert.protocol === undefined
                ? null
                : kindEnum(
                    state.analysis.book.protocols[
                      state.analysis.book.protocolIndex.get(alert.protocol.toLowerCase())!
                    ]!.kind,
                  ),
            kind: alert.kind.toUpperCase(),
            severity: SEVERITY_ENUM[alert.severity],
          }));
      },
    },

    StressTestResult: stressTestResultType,

    BridgeBacking: bridgeBackingFields,

    Position: positionFields,

    Protocol: {
      kind: (p: { kind: string }) => kindEnum(p.kind),
      async aaveRevision(p: { id: string }, _: unknown, ctx: RiskContext) {
        const { analysis } = await ctx.risk();
        return analysis.snapshot.protocols.find((q) => q.id === p.id)?.aaveRevision ?? null;
      },
    },
  };
}
