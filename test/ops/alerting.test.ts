import { createServer, type Server } from "node:http";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../devnet/anvil.js";
import { createRiskMetrics } from "../../lib/risk/api/metrics.js";
import { analyzeRisk, runStandardScenarios } from "../../lib/risk/index.js";
import { fixtureSnapshot } from "../risk/fixtures.js";
import { startAlertStack } from "./alertStack.js";

/*
 * The alert path on its own, with real parts: the risk engine's gauges (lib/risk/api/metrics.ts over a fixture
 * snapshot) served over HTTP, scraped by real Prometheus evaluating the committed rules, routed by real
 * Alertmanager to a webhook here. The threshold is set around the fixture's figure so that moving the
 * figure across it fires and resolves the alert. live.test.ts does the same against the devnet.
 */
describe("alert pipeline: risk gauges -> Prometheus -> Alertmanager -> webhook", () => {
  let server: Server;
  let stack: Awaited<ReturnType<typeof startAlertStack>>;
  let healthy = true;
  let protocol = "";
  let debt = 0;

  beforeAll(async () => {
    const analysis = analyzeRisk(fixtureSnapshot());
    const scenarios = runStandardScenarios(analysis.book, analysis.health);
    const index = analysis.protocols.findIndex((p) => p.debtAtRiskUsd[2]! > 0);
    expect(index).toBeGreaterThanOrEqual(0);
    protocol = analysis.book.protocols[analysis.protocols[index]!.protocol]!.name;
    debt = analysis.protocols[index]!.debtAtRiskUsd[2]!;
    const registry = new Registry();
    const metrics = createRiskMetrics(registry);
    server = createServer(async (_req, res) => {
      metrics.update(analysis, scenarios);
      // While "healthy", report half the debt at risk, below the threshold set under the real figure.
      let body = await registry.metrics();
      if (healthy) {
        body = body.replace(
          new RegExp(`^(risk_debt_at_risk_usd\\{[^}]*protocol="${protocol}"[^}]*\\}) (.+)$`, "gm"),
          (_, series: string, value: string) => `${series} ${Number(value) / 2}`,
        );
      }
      res.writeHead(200, { "content-type": registry.contentType }).end(body);
    });
    const port = await freePort();
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
    stack = await startAlertStack({
      targets: { validators: [], relayer: [], indexer: [], risk: [`127.0.0.1:${port}`] },
      thresholds: { liquidationRiskDebtUsd: debt * 0.75 },
    });
  });

  afterAll(async () => {
    await stack?.stop();
    await new Promise((resolve) => server?.close(resolve));
  });

  it("delivers LiquidationRiskHigh with protocol and debt at risk, then its resolution", async () => {
    const ours = (status: string) => (a: { status: string; labels: Record<string, string> }) =>
      a.labels.alertname === "LiquidationRiskHigh" && a.labels.protocol === protocol && a.status === status;
    // Evaluations run while healthy: nothing of ours may arrive.
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    expect(stack.received.filter(ours("firing"))).toEqual([]);

    healthy = false;
    const firing = await stack.waitFor(ours("firing"), 90_000);
    expect(firing.labels.severity).toBe("warning");
    expect(Number(firing.annotations.value)).toBeCloseTo(debt, 0);
    expect(firing.annotations.summary).toContain(`Protocol ${protocol}`);
    expect(firing.annotations.runbook).toBeTruthy();

    healthy = true;
    const resolved = await stack.waitFor(ours("resolved"), 90_000);
    expect(resolved.labels.protocol).toBe(protocol);
  }, 200_000);
});
