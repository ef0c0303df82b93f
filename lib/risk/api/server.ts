import {
  createGraphQLError,
  createSchema,
  createYoga,
  maskError,
  type YogaInitialContext,
  type YogaServerInstance,
} from "graphql-yoga";
import type { Hono } from "hono";
import type { Registry } from "prom-client";
import type { Logger } from "../../logger.js";
import { createServiceApp } from "../../service/http.js";
import { type AlertConfig, analyzeRisk, type RiskSnapshot, runStandardScenarios } from "../index.js";
import { type RiskLimits, riskLimitsPlugins, riskLimitsSchema } from "./limits.js";
import { createRiskResolvers, type RiskContext, type RiskState } from "./resolvers/index.js";
import { riskTypeDefs } from "./schema.js";

export type CreateRiskYogaParameters = {
  /**
   * The current snapshot. Called once per request; return the same object while nothing changed, since
   * the analysis is cached per snapshot object.
   */
  getSnapshot: () => Promise<RiskSnapshot>;
  limits?: Partial<RiskLimits>;
  alertConfig?: Partial<AlertConfig>;
  /** Unix seconds, for staleness alerts. Default: the wall clock. */
  now?: () => number;
  /** Default "/graphql". */
  graphqlEndpoint?: string;
  /** GraphiQL loads from a CDN, so it is off by default (blank offline). */
  graphiql?: boolean;
  /** The per-snapshot analysis cache (createRiskStateCache), when the caller also warms it. */
  stateOf?: (snapshot: RiskSnapshot) => RiskState;
};

/**
 * The analysis of each snapshot, computed on first use and kept while the snapshot object lives (the
 * standard stress scenarios only when first asked for). Each analysis starts from the previous one, so a
 * provider that keeps unchanged positions as the same objects pays only for what changed.
 */
export function createRiskStateCache(): (snapshot: RiskSnapshot) => RiskState {
  const cache = new WeakMap<RiskSnapshot, RiskState>();
  let last: RiskState["analysis"] | undefined;
  return (snapshot) => {
    let state = cache.get(snapshot);
    if (!state) {
      const analysis = analyzeRisk(snapshot, last);
      last = analysis;
      let scenarios: ReturnType<RiskState["scenarios"]> | undefined;
      state = {
        analysis,
        scenarios: () => {
          scenarios ??= runStandardScenarios(analysis.book, analysis.health);
          return scenarios;
        },
      };
      cache.set(snapshot, state);
    }
    return state;
  };
}

export type RiskYoga = YogaServerInstance<Record<string, unknown>, RiskContext>;

/**
 * The risk GraphQL API as a graphql-yoga instance: a fetch handler (`yoga.fetch(request)`) that mounts
 * in any fetch-based app (Ponder's Hono API: `app.use("/risk", (c) => yoga.fetch(c.req.raw))`) or as a
 * `node:http` request listener (`createServer(yoga)`). Enforces depth, cost, alias, token and page-size
 * limits.
 *
 * @example
 * const yoga = createRiskYoga({ getSnapshot: async () => snapshot });
 * const res = await yoga.fetch("http://x/graphql", {
 *   method: "POST",
 *   headers: { "content-type": "application/json" },
 *   body: JSON.stringify({ query: "{ alerts { kind message } }" }),
 * });
 */
export function createRiskYoga(params: CreateRiskYogaParameters): RiskYoga {
  const limits = riskLimitsSchema.parse(params.limits ?? {});
  if (limits.defaultPageSize > limits.maxPageSize) {
    throw new RangeError(
      `defaultPageSize ${limits.defaultPageSize} exceeds maxPageSize ${limits.maxPageSize}`,
    );
  }
  const now = params.now ?? (() => Date.now() / 1000);
  const stateOf = params.stateOf ?? createRiskStateCache();

  return createYoga<Record<string, unknown>, RiskContext>({
    schema: createSchema<Record<string, unknown> & YogaInitialContext & RiskContext>({
      typeDefs: riskTypeDefs,
      resolvers: createRiskResolvers({ limits, alertConfig: params.alertConfig ?? {}, now }),
    }),
    graphqlEndpoint: params.graphqlEndpoint ?? "/graphql",
    graphiql: params.graphiql ?? false,
    landingPage: false,
    plugins: riskLimitsPlugins(limits),
    maskedErrors: {
      maskError: (error, message, isDev) => maskError(adoptGraphQLError(error), message, isDev),
    },
    context: (initial) => {
      // A caller that keys a response cache by snapshot passes it as server context (`{ snapshot }`),
      // so the answer is computed from exactly the snapshot it is kept under.
      const given = initial.snapshot as RiskSnapshot | undefined;
      let pending: Promise<RiskState> | undefined;
      const risk = () => {
        pending ??= (given ? Promise.resolve(given) : params.getSnapshot()).then(stateOf);
        return pending;
      };
      return { risk };
    },
  });
}

type NamedGraphQLError = Error & {
  originalError?: unknown;
  extensions?: Record<string, unknown>;
  nodes?: unknown;
  path?: readonly (string | number)[];
};
const isNamedGraphQLError = (value: unknown): value is NamedGraphQLError =>
  value instanceof Error && value.name === "GraphQLError";

/**
 * The resolvers' GraphQLError (BAD_USER_INPUT) can come from another copy of graphql than the one
 * executing the query: inside Ponder's API, vite-node runs graphql-yoga on index.mjs while risk/* loads
 * index.js. graphql-js then wraps it as an unknown error and yoga masks it as "Unexpected error.". A
 * GraphQLError of the other copy is recreated in yoga's copy (same message, extensions, path), so
 * callers see what was wrong with their input; anything else is masked as usual. Found by
 * bench/api-load.ts: a document over the token limit answered 500 "Unexpected error." in the indexer.
 */
function adoptGraphQLError(error: unknown): unknown {
  if (!isNamedGraphQLError(error)) return error;
  // A limit rejected while parsing (the token limit) arrives as the other copy's GraphQLError itself.
  if (error.originalError == null) return createGraphQLError(error.message, { extensions: error.extensions });
  const original = error.originalError;
  if (!isNamedGraphQLError(original) || original.originalError != null) return error;
  return createGraphQLError(original.message, {
    nodes: error.nodes as never,
    path: error.path,
    extensions: original.extensions,
  });
}

export type CreateRiskAppParameters = {
  yoga: RiskYoga;
  /** Served at /metrics when given. */
  registry?: Registry;
  log: Logger;
};

/**
 * The risk API's HTTP app (lib/service): GraphQL at the yoga endpoint, Prometheus text at /metrics,
 * /health. Serve it with lib/service/http.ts `serve`.
 *
 * @example
 * const server = await serve({ app: createRiskApp({ yoga, registry, log }), host: "127.0.0.1", port: 4100 });
 */
export function createRiskApp(params: CreateRiskAppParameters): Hono {
  const app = createServiceApp({
    log: params.log,
    registry: params.registry,
    health: () => ({ healthy: true, body: { status: "ok" } }),
  });
  const endpoint = params.yoga.graphqlEndpoint;
  app.on(["GET", "POST"], endpoint, (c) => params.yoga.fetch(c.req.raw));
  return app;
}
