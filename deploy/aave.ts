/**
 * The real Aave v3 market and its Chainlink-style price sources, deployed from published bytecode.
 * The pieces live in deploy/aave/: config.ts (zod-checked parameters), market.ts (deployAaveMarket),
 * feeds.ts (FluxAggregator + EACAggregatorProxy, pushPrice, switching aggregators), link.ts.
 */
export * from "./aave/config.js";
export * from "./aave/feeds.js";
export * from "./aave/link.js";
export * from "./aave/market.js";
