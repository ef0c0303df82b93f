import { createGraphiQLFetcher, type Fetcher } from "@graphiql/toolkit";
import { GraphiQL } from "graphiql";
import { createElement } from "react";
import { createRoot } from "react-dom/client";
import "graphiql/graphiql.css";

/**
 * GraphiQL bundled with the explorer (Ponder's own page loads from a CDN, blank offline).
 * `?api=indexer` (default) queries /graphql, `?api=risk` queries /risk/graphql; both on this origin.
 */
const api = new URLSearchParams(location.search).get("api") === "risk" ? "risk" : "indexer";
const url = api === "risk" ? "/risk/graphql" : "/graphql";
document.title = `GraphiQL · ${api === "risk" ? "risk API" : "indexed data"}`;
const defaultQuery =
  api === "risk"
    ? '{\n  exposure(protocol: "aave-b") { totalCollateralUsd hhi bridges { bridge { id } share } }\n}\n'
    : '{\n  transfers(orderBy: "sourceTimestamp", orderDirection: "desc", limit: 5) {\n    items { id status amount sourceChainId destinationChainId }\n  }\n}\n';

/**
 * The indexer's GraphQL caps query depth at 12; GraphiQL's standard introspection query nests type
 * references 21 deep. Type references here wrap at most NonNull(List(NonNull(T))), so four `ofType`
 * levels describe every one of them.
 */
const typeRef =
  "kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } }";
const inputValue = `name description type { ${typeRef} } defaultValue`;
const introspection = `query IntrospectionQuery {
  __schema {
    queryType { name } mutationType { name } subscriptionType { name }
    types {
      kind name description
      fields(includeDeprecated: true) { name description args { ${inputValue} } type { ${typeRef} } isDeprecated deprecationReason }
      inputFields { ${inputValue} }
      interfaces { ${typeRef} }
      enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
      possibleTypes { ${typeRef} }
    }
    directives { name description locations args { ${inputValue} } }
  }
}`;

function shallowIntrospection(fetcher: Fetcher): Fetcher {
  return (params, options) =>
    fetcher(
      params.operationName === "IntrospectionQuery" ? { ...params, query: introspection } : params,
      options,
    );
}

function namespacedStorage(prefix: string): Storage {
  return {
    getItem: (key) => localStorage.getItem(prefix + key),
    setItem: (key, value) => localStorage.setItem(prefix + key, value),
    removeItem: (key) => localStorage.removeItem(prefix + key),
    clear: () => {
      for (const key of Object.keys(localStorage)) if (key.startsWith(prefix)) localStorage.removeItem(key);
    },
    key: (index) =>
      Object.keys(localStorage)
        .filter((k) => k.startsWith(prefix))
        [index]?.slice(prefix.length) ?? null,
    get length() {
      return Object.keys(localStorage).filter((k) => k.startsWith(prefix)).length;
    },
  };
}

const root = document.getElementById("graphiql");
if (root) {
  createRoot(root).render(
    createElement(GraphiQL, {
      fetcher: shallowIntrospection(createGraphiQLFetcher({ url: new URL(url, location.origin).toString() })),
      defaultQuery,
      // Both pages share one origin: keep each API's tabs and history apart.
      storage: namespacedStorage(`graphiql-${api}:`),
    }),
  );
}
