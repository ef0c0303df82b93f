import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createAdaptorServer } from "@hono/node-server";
import { Hono } from "hono";
import type { Registry } from "prom-client";
import type { Logger } from "../logger.js";
import { jsonResponse } from "./json.js";

export type Health = { healthy: boolean; body: Record<string, unknown> };

export type CreateServiceAppParameters = {
  log: Logger;
  /** Served at GET /metrics. */
  registry?: Registry;
  /** GET /health answers 200 when healthy, 503 otherwise, with `body` as JSON. */
  health?: () => Health | Promise<Health>;
  /** Maps an error a route threw to a client status (4xx); others are logged and answered 500. */
  clientErrorStatus?: (error: unknown) => 400 | 401 | 403 | 404 | 413 | undefined;
};

/**
 * A Hono app with what every service answers: /health, /metrics, a JSON 404, errors turned into JSON
 * (`{ error }`) and a debug line per request. Services add their own routes to it.
 *
 * @example
 * const app = createServiceApp({ log, registry, health: () => ({ healthy: true, body: { status: "ok" } }) });
 * app.get("/v1/things/:id", (c) => jsonResponse(things.get(c.req.param("id"))));
 */
export function createServiceApp(params: CreateServiceAppParameters): Hono {
  const app = new Hono();
  app.use(async (c, next) => {
    const started = performance.now();
    await next();
    params.log.debug(
      {
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round(performance.now() - started),
      },
      "request",
    );
  });
  if (params.health) {
    const health = params.health;
    app.get("/health", async () => {
      const { healthy, body } = await health();
      return jsonResponse(body, healthy ? 200 : 503);
    });
  }
  if (params.registry) {
    const registry = params.registry;
    app.get("/metrics", async (c) =>
      c.body(await registry.metrics(), 200, { "content-type": registry.contentType }),
    );
  }
  app.notFound(() => jsonResponse({ error: "not found" }, 404));
  app.onError((error) => {
    const status = params.clientErrorStatus?.(error);
    if (status === undefined) params.log.error({ err: error }, "request failed");
    return jsonResponse({ error: error instanceof Error ? error.message : String(error) }, status ?? 500);
  });
  return app;
}

export type ServeParameters = {
  app: Hono;
  /** From the service's `*_HOST` (lib/env.ts `host`): 127.0.0.1 on the devnet, 0.0.0.0 in compose. */
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
};

export type HttpService = {
  /** Where a process on this machine reaches the service (a wildcard host becomes 127.0.0.1). */
  url: string;
  port: number;
  server: Server;
  /** Stops accepting, drops idle and in-flight connections, and resolves once closed. */
  close(): Promise<void>;
};

/**
 * Serves a Hono app on host:port with @hono/node-server and resolves once it listens.
 *
 * @example
 * const http = await serve({ app, host: env.RELAYER_HOST, port: env.RELAYER_PORT });
 * await http.close();
 */
export async function serve(params: ServeParameters): Promise<HttpService> {
  const server = createAdaptorServer({ fetch: params.app.fetch }) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(params.port, params.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const reachable = params.host === "0.0.0.0" || params.host === "::" ? "127.0.0.1" : params.host;
  const hostInUrl = reachable.includes(":") ? `[${reachable}]` : reachable;
  return {
    url: `http://${hostInUrl}:${port}`,
    port,
    server,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
