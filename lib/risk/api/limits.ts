// "graphql/index.js", not "graphql": the package has no "exports" map, so bundlers (vite/vitest) pick its
// "module" build (index.mjs) while Node, and therefore graphql-yoga, loads index.js. Two copies of
// graphql's classes in one process fail with "Cannot use GraphQLSchema from another module or realm".

import { maxAliasesRule } from "@escape.tech/graphql-armor-max-aliases";
import { maxDepthRule } from "@escape.tech/graphql-armor-max-depth";
import { maxTokensPlugin } from "@escape.tech/graphql-armor-max-tokens";
import {
  type ASTVisitor,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  GraphQLError,
  type GraphQLInterfaceType,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLType,
  Kind,
  type SelectionSetNode,
  type ValidationContext,
} from "graphql/index.js";
import type { Plugin } from "graphql-yoga";
import { z } from "zod";

// The schema's types come from whichever graphql copy graphql-yoga loaded, and that differs by runtime:
// under vitest it is index.js, inside Ponder's API (vite-node inlines graphql-yoga's esm/ build, whose
// "graphql" import vite resolves to index.mjs) it is index.mjs. graphql's own is*Type predicates are
// instanceof checks that throw across copies, so the rule classifies types by their Symbol.toStringTag
// ("GraphQLObjectType", ...), which both copies define identically.
const tagOf = (type: unknown): string => Object.prototype.toString.call(type).slice(8, -1);
const isObjectType = (type: unknown): type is GraphQLObjectType => tagOf(type) === "GraphQLObjectType";
const isInterfaceType = (type: unknown): type is GraphQLInterfaceType =>
  tagOf(type) === "GraphQLInterfaceType";
const isCompositeType = (type: unknown): type is GraphQLCompositeType =>
  isObjectType(type) || isInterfaceType(type) || tagOf(type) === "GraphQLUnionType";
const isListType = (type: unknown): boolean => tagOf(type) === "GraphQLList";
const isWrapping = (type: unknown): type is { ofType: GraphQLType } =>
  tagOf(type) === "GraphQLList" || tagOf(type) === "GraphQLNonNull";
const getNullableType = (type: GraphQLType): GraphQLType =>
  tagOf(type) === "GraphQLNonNull" ? (type as { ofType: GraphQLType }).ofType : type;
const getNamedType = (type: GraphQLType): GraphQLNamedType => {
  let t: GraphQLType = type;
  while (isWrapping(t)) t = t.ofType;
  return t as GraphQLNamedType;
};

/** Request limits of the risk API. Parse partial input with {@link riskLimitsSchema} to get defaults. */
export const riskLimitsSchema = z.object({
  /** Deepest field nesting (fragments are inlined; `__schema` is exempt). */
  maxDepth: z.number().int().positive().default(10),
  /** Estimated cost ceiling, see {@link costRule}. */
  maxCost: z.number().int().positive().default(10_000),
  /** Aliased fields per operation. */
  maxAliases: z.number().int().nonnegative().default(20),
  /**
   * Lexer tokens per document (graphql's parse `maxTokens`). Validation compares repeated fields pairwise
   * (OverlappingFieldsCanBeMerged), so a wide document costs the square of its size before any limit on
   * cost can refuse it; the explorer's largest query is about 150 tokens.
   */
  maxTokens: z.number().int().positive().default(1_000),
  /** Largest `first` on a connection. */
  maxPageSize: z.number().int().positive().default(100),
  defaultPageSize: z.number().int().positive().default(25),
});
export type RiskLimits = z.infer<typeof riskLimitsSchema>;

/** Cost of a field before its children (expensive resolvers cost more than plain reads). */
export const FIELD_COSTS: Readonly<Record<string, number>> = {
  "Query.stressTest": 1_000,
  "Query.liquidationCurve": 500,
  "Query.alerts": 100,
};
/** Assumed length of a list field with no `first` argument. */
export const ESTIMATED_LIST_SIZE = 10;

type Walk = { cost: number };

const limitError = (limit: string, max: number, actual: number, message: string) =>
  new GraphQLError(message, { extensions: { code: "GRAPHQL_VALIDATION_FAILED", limit, max, actual } });

/**
 * graphql-armor reports a rejection as an error whose message ends in "found <n>." (with exposeLimits);
 * the count is read back from it so our error can carry it as a number.
 */
const foundIn = (error: Error): number => Number(/found (\d+)\.?$/.exec(error.message)?.[1] ?? Number.NaN);

/** ` "Name"` of the document's named operation, for messages. */
const operationName = (context: ValidationContext | null): string => {
  const definition = context?.getDocument().definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
  return definition && "name" in definition && definition.name ? ` "${definition.name.value}"` : "";
};

/**
 * The risk API's request limits as graphql-yoga plugins: graphql-armor's token, depth and alias limits,
 * and our cost rule ({@link riskCostRule}, which knows connection page sizes). Each rejection is a
 * GRAPHQL_VALIDATION_FAILED error with `limit`, `max` and `actual` in its extensions and a sentence
 * saying what to change; the token limit aborts parsing with a syntax error.
 *
 * @example
 * createYoga({ schema, plugins: riskLimitsPlugins(riskLimitsSchema.parse({})) });
 */
export function riskLimitsPlugins(limits: RiskLimits): Plugin[] {
  const tokens = maxTokensPlugin({
    n: limits.maxTokens,
    onReject: [
      () => {
        throw new GraphQLError(
          `Syntax Error: Document contains more than ${limits.maxTokens} tokens. Parsing aborted.`,
        );
      },
    ],
  });
  const depth = maxDepthRule({
    n: limits.maxDepth,
    flattenFragments: true,
    propagateOnRejection: false,
    onReject: [
      (context, error) => {
        const actual = foundIn(error);
        context?.reportError(
          limitError(
            "depth",
            limits.maxDepth,
            actual,
            `Operation${operationName(context)} is nested ${actual} levels deep; the limit is ${limits.maxDepth}.`,
          ),
        );
      },
    ],
  });
  const aliases = maxAliasesRule({
    n: limits.maxAliases,
    allowList: [],
    propagateOnRejection: false,
    onReject: [
      (context, error) => {
        const actual = foundIn(error);
        context?.reportError(
          limitError(
            "aliases",
            limits.maxAliases,
            actual,
            `Operation${operationName(context)} uses ${actual} aliases; the limit is ${limits.maxAliases}.`,
          ),
        );
      },
    ],
  });
  return [
    tokens as Plugin,
    {
      onValidate({ addValidationRule }) {
        addValidationRule(depth as unknown as (context: ValidationContext) => ASTVisitor);
        addValidationRule(aliases as unknown as (context: ValidationContext) => ASTVisitor);
        addValidationRule(riskCostRule(limits));
      },
    },
  ];
}

/**
 * A validation rule enforcing the cost limit per operation. Cost model: every field
 * costs 1 (or its entry in {@link FIELD_COSTS}) plus its children; a list multiplies its children by
 * the `first` argument of the nearest enclosing field that has one (a connection's `edges`), or by
 * {@link ESTIMATED_LIST_SIZE}. A `first` given as a variable counts as `maxPageSize` (validation runs
 * before variables are known).
 *
 * @example
 * validate(schema, parse(query), [...specifiedRules, riskCostRule(riskLimitsSchema.parse({}))]);
 */
export function riskCostRule(limits: RiskLimits): (context: ValidationContext) => ASTVisitor {
  return (context) => ({
    OperationDefinition(node) {
      const schema = context.getSchema();
      const root =
        node.operation === "query"
          ? schema.getQueryType()
          : node.operation === "mutation"
            ? schema.getMutationType()
            : schema.getSubscriptionType();
      if (!root) return;
      const fragments = new Map<string, FragmentDefinitionNode>();
      for (const def of context.getDocument().definitions) {
        if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
      }
      const walk = (
        selectionSet: SelectionSetNode,
        parent: GraphQLCompositeType,
        pendingFirst: number | undefined,
        visiting: Set<string>,
      ): Walk => {
        const acc: Walk = { cost: 0 };
        const merge = (w: Walk) => {
          acc.cost += w.cost;
        };
        for (const sel of selectionSet.selections) {
          if (sel.kind === Kind.FIELD) {
            merge(fieldCost(sel, parent, pendingFirst, visiting));
          } else if (sel.kind === Kind.INLINE_FRAGMENT) {
            const type = sel.typeCondition ? schema.getType(sel.typeCondition.name.value) : parent;
            if (type && isCompositeType(type)) merge(walk(sel.selectionSet, type, pendingFirst, visiting));
          } else {
            const name = sel.name.value;
            const frag = fragments.get(name);
            if (!frag || visiting.has(name)) continue; // NoFragmentCycles / KnownFragmentNames report these
            const type = schema.getType(frag.typeCondition.name.value);
            if (!type || !isCompositeType(type)) continue;
            visiting.add(name);
            merge(walk(frag.selectionSet, type, pendingFirst, visiting));
            visiting.delete(name);
          }
        }
        return acc;
      };
      const fieldCost = (
        field: FieldNode,
        parent: GraphQLCompositeType,
        pendingFirst: number | undefined,
        visiting: Set<string>,
      ): Walk => {
        if (field.name.value.startsWith("__")) return { cost: 0 };
        if (!(isObjectType(parent) || isInterfaceType(parent))) return { cost: 0 };
        const def = parent.getFields()[field.name.value];
        if (!def) return { cost: 0 }; // FieldsOnCorrectType reports it
        const own = FIELD_COSTS[`${parent.name}.${def.name}`] ?? 1;
        const firstArg = field.arguments?.find((a) => a.name.value === "first");
        let first = pendingFirst;
        if (firstArg) {
          first =
            firstArg.value.kind === Kind.INT ? Number.parseInt(firstArg.value.value, 10) : limits.maxPageSize;
        }
        const isList = isListType(getNullableType(def.type as GraphQLOutputType));
        let multiplier = 1;
        if (isList) {
          multiplier = first ?? ESTIMATED_LIST_SIZE;
          first = undefined;
        }
        const named = getNamedType(def.type);
        if (!field.selectionSet || !isCompositeType(named)) return { cost: own };
        const inner = walk(field.selectionSet, named, first, visiting);
        return { cost: own + multiplier * inner.cost };
      };

      const result = walk(node.selectionSet, root, undefined, new Set());
      const name = node.name ? ` "${node.name.value}"` : "";
      if (result.cost > limits.maxCost) {
        context.reportError(
          limitError(
            "cost",
            limits.maxCost,
            result.cost,
            `Operation${name} has an estimated cost of ${result.cost}; the limit is ${limits.maxCost}. Ask for fewer items (first) or fewer expensive fields.`,
          ),
        );
      }
    },
  });
}
