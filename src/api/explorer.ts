import { existsSync, readFileSync, statSync } from "node:fs";
import { extname, join, normalize, resolve } from "node:path";
import { db } from "ponder:api";
import schema from "ponder:schema";
import type { Hono } from "hono";
import { eq } from "ponder";
import type { Hex } from "viem";
import { currentDeployment } from "../../indexer/deployment.js";
import { messageProgress, progressSources } from "../../indexer/messageProgress.js";
import { toJson } from "../../lib/service/json.js";

/**
 * The explorer (explorer/ in the repository, built by `npm ci` / `npm run build:explorer` into
 * explorer/dist) served from the indexer's origin, so its GraphQL calls need no CORS and no network
 * beyond this server:
 * - GET /explorer/ and its assets (index.html, graphiql.html, hashed JS/CSS);
 * - GET /explorer/api/progress/:id: finality, signatures and the relayer's record of one message,
 *   asked live from the chains, validators and relayer (nothing stored here);
 * - GET /explorer/api/meta: names from the deployments file (chains, asset symbols and decimals, the
 *   bridge id and protocols) so the pages can label what GraphQL returns as addresses and ids.
 */
const contentTypes: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".woff2": "font/woff2",
  ".json": "application/json",
};

export function explorerDistDir(): string {
  return resolve(process.env.EXPLORER_DIST_DIR ?? join(process.cwd(), "explorer", "dist"));
}

export function mountExplorer(app: Hono): void {
  const dist = explorerDistDir();
  const sources = progressSources();

  app.get("/explorer/api/progress/:id{0x[0-9a-fA-F]{64}}", async (c) => {
    const id = c.req.param("id").toLowerCase() as Hex;
    const [row] = await db.select().from(schema.transfer).where(eq(schema.transfer.id, id));
    if (!row) return c.json({ error: "unknown message id" }, 404);
    const progress = await messageProgress({
      id,
      deployment: currentDeployment().deployment,
      sources,
      source: { chainId: row.sourceChainId, block: row.sourceBlock },
      destinationChainId: row.destinationChainId,
    });
    return c.body(toJson(progress), 200, { "content-type": "application/json" });
  });

  app.get("/explorer/api/meta", (c) => {
    const { deployment } = currentDeployment();
    // The bridged assets: tokens native to the home chain (remote chains' own tokens, e.g. DAI, are not).
    const home = deployment.chains.find((c) => c.chainId === deployment.homeChainId);
    const assets = (home?.tokens ?? [])
      .filter((t) => t.kind === "native")
      .map((t) => ({ address: t.homeToken.toLowerCase(), symbol: t.symbol, decimals: t.decimals }));
    return c.json({
      name: deployment.name,
      bridgeId: deployment.bridgeId,
      homeChainId: deployment.homeChainId,
      chains: deployment.chains.map((chain) => ({
        chainId: chain.chainId,
        network: chain.network,
        role: chain.role,
        protocols: chain.aaveMarkets.map((m) => m.protocol),
      })),
      assets,
      // Lock/mint bridges the deployments file describes (not run by this deployment).
      otherBridges: deployment.externalBridges.map((b) => ({
        id: b.id,
        name: b.name,
        assets: b.assets.map((a) => ({ address: a.homeToken.toLowerCase(), symbol: a.symbol })),
      })),
    });
  });

  app.get("/explorer", (c) => c.redirect("/explorer/"));
  app.get("/explorer/*", (c) => {
    const relative = normalize(decodeURIComponent(c.req.path.slice("/explorer/".length)) || "index.html");
    const file = join(dist, relative);
    if (!file.startsWith(dist) || !existsSync(file) || !statSync(file).isFile()) {
      if (!existsSync(join(dist, "index.html")))
        return c.text("The explorer is not built: run `npm run build:explorer` (npm ci runs it).", 503);
      return c.text("not found", 404);
    }
    const type = contentTypes[extname(file)] ?? "application/octet-stream";
    // Vite names assets by content hash: cache them for good; the HTML always revalidates.
    const cache = relative.startsWith("assets/") ? "public, max-age=31536000, immutable" : "no-cache";
    return c.body(readFileSync(file), 200, { "content-type": type, "cache-control": cache });
  });
}
