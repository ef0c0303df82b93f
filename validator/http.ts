import type { Hono } from "hono";
import type { Hex, LocalAccount } from "viem";
import { deserializeMessage, rotationRequestSchema } from "../lib/attestationApi.js";
import type { Logger } from "../lib/logger.js";
import { createServiceApp } from "../lib/service/http.js";
import { jsonResponse } from "../lib/service/json.js";
import type { ValidatorChains } from "./chains.js";
import type { ValidatorMetrics } from "./metrics.js";
import type { RootStore } from "./rootStore.js";
import { signRoot } from "./roots.js";
import { RotationRefusedError, signRotation } from "./rotation.js";
import type { ChainHealth } from "./scan.js";
import type { ValidatorConfig } from "./service.js";
import { signOnce } from "./signing.js";
import type { ValidatorStore } from "./store.js";

export type ValidatorAppContext = {
  config: Pick<ValidatorConfig, "chains" | "rotationToken">;
  chains: ValidatorChains;
  store: ValidatorStore;
  roots: RootStore;
  metrics: ValidatorMetrics;
  log: Logger;
  account: LocalAccount;
  health: Map<number, ChainHealth>;
};

/**
 * The validator's HTTP API: GET /v1/attestations/:id (re-signed under a newer destination epoch after
 * a rotation), POST /v1/rotations (bearer token), /health (503 when a chain's scans went stale) and
 * /metrics.
 */
export function validatorApp(context: ValidatorAppContext): Hono {
  const { config, chains, store, roots, metrics, log, account, health } = context;
  const app = createServiceApp({
    log,
    registry: metrics.registry,
    health: () => {
      const now = Date.now();
      const chains = Object.fromEntries(
        [...health].map(([id, h]) => [id, { ...h, secondsSinceScan: (now - h.lastScanAt) / 1000 }]),
      );
      const stale = config.chains.some((c) => {
        const h = health.get(c.chainId);
        return !h || now - h.lastScanAt > Math.max(30_000, c.pollMs * 10);
      });
      return {
        healthy: !stale,
        body: {
          status: stale ? "degraded" : "ok",
          address: account.address,
          signed: store.signedCount,
          chains,
        },
      };
    },
    clientErrorStatus: (error) =>
      error instanceof RotationRefusedError || error instanceof SyntaxError ? 400 : undefined,
  });
  app.get("/v1/attestations/:id{0x[0-9a-fA-F]{64}}", async (c) => {
    const id = c.req.param("id").toLowerCase() as Hex;
    const latest = store.attestations(id).at(-1);
    if (!latest) return jsonResponse({ error: "not signed (unknown, not final yet, or refused)" }, 404);
    // After a rotation, sign the same (already verified) message again under the destination's new
    // epoch so pending messages do not expire with the old set's grace window.
    const epoch = chains.epochs.get(latest.message.destinationChainId);
    if (epoch !== undefined && BigInt(latest.epoch) < epoch) {
      return jsonResponse(await signOnce(store, account, deserializeMessage(latest.message), epoch));
    }
    return jsonResponse(latest);
  });
  app.get("/v1/roots/:id{0x[0-9a-fA-F]{64}}", async (c) => {
    const latest = roots.forMessage(c.req.param("id") as Hex).at(-1);
    if (!latest)
      return jsonResponse({ error: "no signed root covers it (unknown, not final yet, or refused)" }, 404);
    // As for single attestations: after a rotation, sign the same verified root again under the
    // destination's new epoch, so a root not yet submitted does not expire with the old set.
    const epoch = chains.epochs.get(latest.destinationChainId);
    if (epoch !== undefined && BigInt(latest.epoch) < epoch) {
      const { signer: _signer, signature: _signature, signedAt: _signedAt, ...unsigned } = latest;
      const entry = await signRoot(account, { ...unsigned, epoch: Number(epoch) });
      if (!roots.signed(entry)) roots.appendMany([entry]);
      return jsonResponse(entry);
    }
    return jsonResponse(latest);
  });
  app.post("/v1/rotations", async (c) => {
    if (!config.rotationToken)
      return jsonResponse({ error: "rotation signing is disabled on this validator" }, 403);
    if (c.req.header("authorization") !== `Bearer ${config.rotationToken}`) {
      return jsonResponse({ error: "missing or wrong bearer token" }, 401);
    }
    const body = await c.req.text();
    if (body.length > 100_000) return jsonResponse({ error: "request body too large" }, 413);
    const parsed = rotationRequestSchema.safeParse(JSON.parse(body));
    if (!parsed.success)
      return jsonResponse({ error: parsed.error.issues.map((i) => i.message).join("; ") }, 400);
    return jsonResponse(await signRotation({ chains, account, log }, parsed.data));
  });
  return app;
}
