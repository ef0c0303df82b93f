import { indexedCounts, measureViews } from "./explorer/measureViews.js";

/**
 * First render of each explorer view and the slowest GraphQL answer it waits for, in headless
 * Chromium (Debian's, through playwright-core), against a running indexer:
 *
 *   npx tsx bench/explorer-views.ts [explorer URL] [loads per view]
 *
 * (default http://127.0.0.1:42069/explorer/, 10 loads; bench/explorer/measureViews.ts says what is
 * timed). Figures depend on how much the indexer holds: the output says how many transfers and
 * positions. bench/explorer-scale.ts seeds 10,000 transfers and 100,000 positions and runs the same.
 */
const explorerUrl = process.argv[2] ?? "http://127.0.0.1:42069/explorer/";
const loads = Number(process.argv[3] ?? 10);
const counts = await indexedCounts(new URL(explorerUrl).origin);
console.log(`indexer holds ${counts.transfers} transfers, ${counts.positions} positions`);
const views = await measureViews(explorerUrl, loads);
// Last line: the figures as one JSON object.
console.log(JSON.stringify({ ...counts, loads, views }));
