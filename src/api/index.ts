import { db } from "ponder:api";
import schema from "ponder:schema";
import { Hono } from "hono";
import { client, count, eq, graphql } from "ponder";
import { Registry } from "prom-client";
import type { Hex } from "viem";
import { accountDataFromRows } from "../../indexer/accountData.js";
import { currentDeployment } from "../../indexer/deployment.js";
import { renderBridgeMetrics } from "../../indexer/metrics.js";
import { mountExplorer } from "./explorer.js";
import { mountRateLimitApi } from "./rateLimits.js";
import { apiCacheEnabled, createResponseCache, indexedCheckpointVersion } from "./responseCache.js";
import { mountRiskApi } from "./risk.js";

/**
 * The indexer's HTTP API, mounted by Ponder next to its own /health, /ready, /status and /metrics.
 *
 * - POST /graphql (and /): Ponder's GraphQL over every table, with filters (`where`), `orderBy`,
 *   cursor pagination (`after`/`before`, `limit` <= 1000) and the relations in ponder.schema.ts.
 * - /sql/*: Ponder's SQL-over-HTTP for @ponder/client (read-only, validated queries).
 * - GET /metrics/bridge: supply-check figures and rate-limit headroom per route in Prometheus text.
 * - POST /bridge/graphql: rate-limit headroom per route and why a transfer waits (src/api/rateLimits.ts).
 * - GET /lending/accounts/:user: Aave getUserAccountData per protocol, from indexed rows.
 * - POST /risk/graphql and GET /risk/metrics: the risk engine (src/api/risk.ts).
 * - GET /explorer/: the explorer web app and its GraphiQL (src/api/explorer.ts).
 */
const app = new Hono();
mountRiskApi(app);
mountExplorer(app);
mountRateLimitApi(app);

// Our relations are at most a few levels deep; a depth cap well above that stops cyclic
// (transfer -> supply -> routes -> supply -> ...) queries from fanning out into huge joins. The token
// cap refuses wide documents: graphql's validation compares repeated fields pairwise, so 1,500 `id`s
// took seconds to answer (bench/api-load.ts); the explorer's largest query is about 100 tokens.
const gql = graphql(
  { db, schema },
  { maxOperationDepth: 12, maxOperationTokens: 500, maxOperationAliases: 30 },
);
// Answers change only when a block is indexed: kept per indexed checkpoint (src/api/responseCache.ts).
const bridgeGraphql = new Hono();
bridgeGraphql.use("*", gql);
const bridgeCache = createResponseCache({ version: indexedCheckpointVersion(db) });
for (const path of ["/graphql", "/"]) {
  if (apiCacheEnabled())
    app.post(path, (c) => bridgeCache.handle(c.req.raw, (request) => bridgeGraphql.fetch(request)));
  app.use(path, gql);
}
app.use("/sql/*", client({ db, schema }));

app.get("/metrics/bridge", async (c) => {
  const { deployment } = currentDeployment();
  const [supplies, statuses, rateLimits] = await Promise.all([
    db.select().from(schema.assetSupply),
    db
      .select({ status: schema.transfer.status, count: count() })
      .from(schema.transfer)
      .groupBy(schema.transfer.status),
    db.select().from(schema.rateLimit),
  ]);
  const chainName = (id: number) => deployment.chains.find((c) => c.chainId === id)?.network ?? String(id);
  const assets = new Map<string, { symbol: string; decimals: number }>();
  for (const chain of deployment.chains) {
    for (const token of chain.tokens) {
      if (token.kind === "native") assets.set(token.homeToken.toLowerCase(), token);
    }
  }
  const body = await renderBridgeMetrics({
    bridgeId: deployment.bridgeId,
    supplies,
    transfersByStatus: statuses,
    assets,
    rateLimits: rateLimits.map((bucket) => ({
      ...bucket,
      chain: chainName(bucket.chainId),
      remoteChain: chainName(bucket.remoteChainId),
    })),
  });
  return c.text(body, 200, { "content-type": Registry.PROMETHEUS_CONTENT_TYPE });
});

app.get("/lending/accounts/:user", async (c) => {
  const user = c.req.param("user").toLowerCase() as Hex;
  if (!/^0x[0-9a-f]{40}$/.test(user))
    return c.json({ error: "user must be a 0x-prefixed 20-byte address" }, 400);
  const at = c.req.query("timestamp");
  if (at !== undefined && !/^\d+$/.test(at)) return c.json({ error: "timestamp must be unix seconds" }, 400);
  // A pool's views run at the timestamp of the block they are called in; default to now.
  const timestamp = BigInt(at ?? Math.floor(Date.now() / 1000));
  const [positions, users] = await Promise.all([
    db.select().from(schema.position).where(eq(schema.position.user, user)),
    db.select().from(schema.marketUser).where(eq(schema.marketUser.user, user)),
  ]);
  const protocols = [...new Set([...positions.map((p) => p.protocol), ...users.map((u) => u.protocol)])];
  const accounts = [];
  for (const protocol of protocols) {
    const marketRow = (await db.select().from(schema.market).where(eq(schema.market.id, protocol)))[0];
    if (!marketRow) continue;
    const [reserves, sources, emodeCategories, assetSources] = await Promise.all([
      db.select().from(schema.reserve).where(eq(schema.reserve.protocol, protocol)),
      db.select().from(schema.priceSource).where(eq(schema.priceSource.chainId, marketRow.chainId)),
      db.select().from(schema.emodeCategory).where(eq(schema.emodeCategory.protocol, protocol)),
      db.select().from(schema.assetSource).where(eq(schema.assetSource.protocol, protocol)),
    ]);
    const eModeCategory = users.find((u) => u.protocol === protocol)?.eModeCategory ?? 0;
    const result = accountDataFromRows(
      positions.filter((p) => p.protocol === protocol),
      eModeCategory,
      {
        reserves,
        sources,
        emodeCategories,
        assetSources: new Map(assetSources.map((a) => [a.asset, a.source])),
      },
      timestamp,
    );
    const figures = result.data
      ? Object.fromEntries(Object.entries(result.data).map(([k, v]) => [k, v.toString()]))
      : null;
    accounts.push({
      protocol,
      chainId: marketRow.chainId,
      eModeCategory,
      status: result.status,
      reasons: result.reasons,
      // Null unless every price it depends on is fresh: an unknown health is never reported as healthy.
      healthFactor: result.healthFactor?.toString() ?? null,
      data: figures,
    });
  }
  return c.json({ user, timestamp: timestamp.toString(), accounts });
});

export default app;
