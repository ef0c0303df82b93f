import { createGraphiQLFetcher } from "@graphiql/toolkit";
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
      fetcher: createGraphiQLFetcher({ url: new URL(url, location.origin).toString() }),
      defaultQuery,
      // Both pages share one origin: keep each API's tabs and history apart.
      storage: namespacedStorage(`graphiql-${api}:`),
    }),
  );
}
