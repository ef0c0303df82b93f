/**
 * The indexer's tables, defined in lib/indexerSchema/ so the risk API (lib/risk/api) and the standalone
 * risk process read the same drizzle definitions without importing the indexer. Ponder loads this file
 * (`ponder:schema`) and follows its re-exports.
 *
 * Why the fingerprint below: Ponder 0.16 derives the build ID from this file's TEXT, not from what it
 * imports (node_modules/ponder/src/build/index.ts, executeSchema: sha256 of readFileSync(schemaFile)).
 * `ponder start` on a database schema whose stored build ID matches resumes there ("crash recovery");
 * a different ID refuses the schema. Splitting the tables out therefore keeps crash recovery working
 * (unchanged modules, unchanged text, same ID), but a column changed only in lib/indexerSchema/ would
 * keep the old ID and resume onto tables of the old shape. The fingerprint is a hash of those modules;
 * test/indexer/schemaFingerprint.test.ts fails until it is updated here, and updating it changes this
 * file's text and so the build ID, exactly as editing a single-file schema would.
 *
 * schema modules fingerprint: 5ac10faeb986ac09
 */
export * from "./lib/indexerSchema/aave.js";
export * from "./lib/indexerSchema/bridgeContracts.js";
export * from "./lib/indexerSchema/externalBridges.js";
export * from "./lib/indexerSchema/morpho.js";
export * from "./lib/indexerSchema/prices.js";
export * from "./lib/indexerSchema/relations.js";
export * from "./lib/indexerSchema/transfers.js";
export * from "./lib/indexerSchema/uniswap.js";
