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

const root = document.getElementById("graphiql");
if (root) {
  createRoot(root).render(
    createElement(GraphiQL, {
      fetcher: createGraphiQLFetcher({ url: new URL(url, location.origin).toString() }),
      defaultQuery,
      storage: undefined,
    }),
  );
}
