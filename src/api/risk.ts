import { db } from "ponder:api";
import schema from "ponder:schema";
import type { Hono } from "hono";
import { currentDeployment } from "../../indexer/deployment.js";
import { logger } from "../../lib/logger.js";
import { createIndexerSnapshotProvider } from "../../lib/risk/api/provider/indexerSnapshot.js";
import { createRiskService } from "../../lib/risk/api/provider/riskService.js";
import type { RiskSnapshot } from "../../lib/risk/index.js";
import { apiCacheEnabled, createResponseCache } from "./responseCache.js";

/**
 * The risk API inside the indexer's API process (the only way with PGlite, which one process owns):
 * POST /risk/graphql (graphql-yoga: bridgeBacking, positions, exposure, stressTest, assetGroups,
 * liquidationCurve, alerts) and GET /risk/metrics (risk gauges, recomputed when a new block was indexed). Reads through
 * Ponder's read-only `db`; nothing here writes.
 */
export function mountRiskApi(app: Hono): void {
  // Each new snapshot's analysis (the liquidation curve) is computed once, before it is served. While
  // the API is in use the next snapshot is built shortly before the current one is a second old, and
  // the documents asked for in the last seconds are answered on it as soon as it is served, so requests
  // find their answers ready instead of waiting for a rebuild (0.1-0.25 s at 100k positions once
  // incremental, 1.4 s for the first full read; bench/explorer-scale.ts). Every answer still comes from
  // a snapshot whose look at the indexer began less than a second before the request: answering from
  // an older snapshot while the next is built was tried and reverted, because it answered "priced" for
  // a block after a feed went stale (test/risk-e2e/aaveRisk.test.ts, which until c599583 could also
  // wait one block short: viem's cached block number); a risk monitor's answer reflects the newest block.
  let prepare: (snapshot: RiskSnapshot) => void = () => {};
  let served: (snapshot: RiskSnapshot) => void = () => {};
  const provider = createIndexerSnapshotProvider({
    db,
    tables: schema,
    deployment: currentDeployment().deployment,
    logger: logger.child({ service: "risk-api" }),
    prepare: (snapshot) => prepare(snapshot),
    refreshAheadWhileUsedMs: KEEP_WARM_MS,
    served: (snapshot) => served(snapshot),
  });
  const {
    yoga,
    registry,
    prepare: warm,
  } = createRiskService({
    getSnapshot: provider.getSnapshot,
    graphqlEndpoint: "/risk/graphql",
  });
  prepare = warm;
  // Answers are kept per snapshot object (src/api/responseCache.ts): the provider returns the same
  // object until a new block is indexed, and each answer is computed from the snapshot it is kept under.
  // Documents asking for alerts also key on the second: their stale-data ages follow the clock.
  const cache = createResponseCache<RiskSnapshot>({
    version: provider.getSnapshot,
    clockKey: (query) => (/\balerts\b/.test(query) ? String(Math.floor(Date.now() / 1000)) : ""),
    warm: { windowMs: KEEP_WARM_MS, maxDocuments: 32 },
  });
  const execute = (request: Request, snapshot?: RiskSnapshot) => yoga.fetch(request, { snapshot });
  // GraphQL requests keep snapshots and answers coming ahead; a metrics scrape (every 5-15 s) does not:
  // it can wait for a rebuild, and an unwatched API then rebuilds only when scraped, as before.
  let usedAt = Number.NEGATIVE_INFINITY;
  app.use("/risk/graphql", async (_, next) => {
    provider.inUse();
    usedAt = Date.now();
    await next();
  });
  if (apiCacheEnabled()) {
    app.post("/risk/graphql", (c) => cache.handle(c.req.raw, execute));
    served = (snapshot) => void cache.warm(snapshot, execute);
    // Answers asking for alerts are kept per second: while the API is in use, compute the new second's
    // right after it begins, so the first requests of each second do not wait for the execution.
    everySecondWhile(
      () => Date.now() - usedAt < KEEP_WARM_MS,
      () =>
        void provider.getSnapshot().then(
          (snapshot) => cache.warm(snapshot, execute),
          () => {},
        ),
    );
  }
  app.all("/risk/graphql", (c) => yoga.fetch(c.req.raw));
  app.get("/risk/metrics", async (c) =>
    c.text(await registry.metrics(), 200, { "content-type": registry.contentType }),
  );
}

/**
 * How long after the last GraphQL request snapshots keep being built ahead and answers computed ahead:
 * longer than the explorer's refresh interval (3 s), so a watched view stays warm; an idle API does no
 * work ahead.
 */
const KEEP_WARM_MS = 10_000;

/**
 * Calls `tick` just after each second begins (5 ms in) while `active()`; checks again every second
 * otherwise. The timer never keeps the process alive.
 */
export function everySecondWhile(active: () => boolean, tick: () => void): void {
  const arm = () => {
    const timer = setTimeout(
      () => {
        if (active()) tick();
        arm();
      },
      1005 - (Date.now() % 1000),
    );
    timer.unref?.();
  };
  arm();
}
