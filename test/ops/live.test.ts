import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eacAggregatorProxyAbi } from "../../contracts/generated/index.js";
import { pushPrice } from "../../deploy/aave.js";
import { clientsFor } from "../../deploy/system.js";
import { devnetKeys } from "../../devnet/accounts.js";
import { freePort } from "../../devnet/anvil.js";
import { devnetPorts } from "../../devnet/services.js";
import { renderBridgeMetrics } from "../../indexer/metrics.js";
import { type Deployment, readDeployment } from "../../lib/deployments.js";
import { getNetwork } from "../../lib/networks.js";
import { createRiskMetrics } from "../../lib/risk/api/metrics.js";
import { analyzeRisk, runStandardScenarios } from "../../lib/risk/index.js";
import { fixtureSnapshot } from "../risk/fixtures.js";
import { startAlertStack, type WebhookAlert } from "./alertStack.js";
import { allExpressions, ROOT } from "./expressions.js";
import { exportedNames, isExported, metricNames } from "./promql.js";

/*
 * Against a running devnet (`node dist/devnet/main.js` on free ports, as `npm start` runs):
 * (1) every metric name used by the dashboards and alert rules is served by a live /metrics;
 * (2) real Prometheus and Alertmanager scrape it, a collateral price drop fires LiquidationRiskHigh at a
 *     webhook in this test, and restoring the price resolves it.
 * Sources the devnet does not serve yet (the indexer and the risk API are being wired into it) are
 * replaced by the same code in-process (their prom-client registries / renderers, exercised) and named
 * in the test output, so the check tightens by itself as the devnet grows.
 */

type Source = { name: string; url?: string; exposition: string; live: boolean };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function fetchText(url: string): Promise<string | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
    return response.ok ? await response.text() : undefined;
  } catch {
    return undefined;
  }
}

async function waitForText(url: string, timeoutMs: number): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const text = await fetchText(url);
    if (text !== undefined) return text;
    await sleep(500);
  }
  return undefined;
}

/** An offset that moves every devnet service port onto free ones. */
async function freeOffset(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    // Keep every service port outside the kernel's ephemeral range (32768-60999), where other suites'
    // free ports come from: validators and relayer land at 26k-31k, the indexer at 61k-65.5k.
    const offset = 19_000 + Math.floor(Math.random() * 4_400);
    const ports = devnetPorts({ DEVNET_PORT_OFFSET: String(offset) });
    const all = [...ports.validators, ports.relayer, ports.indexer];
    const free = await Promise.all(
      all.map(
        (port) =>
          new Promise<boolean>((resolve) => {
            const server = createServer();
            server.once("error", () => resolve(false));
            server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
          }),
      ),
    );
    if (free.every(Boolean)) return offset;
  }
  throw new Error("no free port range for the devnet's services");
}

function startProcess(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
): { child: ChildProcess; output: () => string } {
  let output = "";
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (chunk) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk) => {
    output += chunk.toString();
  });
  return { child, output: () => output };
}

async function stopProcess(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGINT");
  const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
  await exited;
  clearTimeout(timer);
}

/** In-process stand-ins, exercised so labelled families are populated, for sources not served yet. */
async function inProcessExposition(name: string): Promise<string> {
  if (name === "risk") {
    const registry = new Registry();
    const analysis = analyzeRisk(fixtureSnapshot());
    createRiskMetrics(registry).update(analysis, runStandardScenarios(analysis.book, analysis.health));
    return registry.metrics();
  }
  if (name === "indexer_bridge") {
    return renderBridgeMetrics({
      bridgeId: "canonical",
      supplies: [
        {
          id: "0xa",
          custody: 1n,
          remoteOutstanding: 1n,
          inFlight: 0n,
          awaitingSource: 0n,
          violations: 0,
          healthy: true,
        },
      ],
      transfersByStatus: [{ status: "delivered", count: 1 }],
      assets: new Map([["0xa", { symbol: "USDC", decimals: 6 }]]),
    });
  }
  // Ponder's own registry (the class `ponder start` serves at /metrics).
  const url = pathToFileURL(join(ROOT, "node_modules/ponder/dist/esm/internal/metrics.js")).href;
  const { MetricsService } = (await import(url)) as { MetricsService: new () => { registry: Registry } };
  return new MetricsService().registry.metrics();
}

describe("operations against a running devnet", () => {
  const dir = mkdtempSync(join(tmpdir(), "ops-live-"));
  const deploymentFile = join(dir, "devnet.json");
  const rpcUrls: string[] = [];
  let devnet: ReturnType<typeof startProcess>;
  let ports: ReturnType<typeof devnetPorts>;
  let deployment: Deployment;
  const sources: Source[] = [];
  let riskUrl: string | undefined;

  beforeAll(async () => {
    for (let i = 0; i < 3; i++) rpcUrls.push(`http://127.0.0.1:${await freePort()}`);
    const offset = await freeOffset();
    ports = devnetPorts({ DEVNET_PORT_OFFSET: String(offset) });
    devnet = startProcess(process.execPath, ["--enable-source-maps", "dist/devnet/main.js"], {
      DEVNET_A_RPC_URL: rpcUrls[0],
      DEVNET_B_RPC_URL: rpcUrls[1],
      DEVNET_C_RPC_URL: rpcUrls[2],
      DEPLOYMENT_FILE: deploymentFile,
      DEVNET_PORT_OFFSET: String(offset),
      // No price walk: the end-to-end test moves the price itself and needs a steady baseline.
      TRAFFIC_INTERVAL_MS: "3600000",
      TRAFFIC_PRICE_WALK: "off",
      // No liquidator either: it would close the positions the price drop puts at risk before the alert fires.
      TRAFFIC_LIQUIDATIONS: "off",
    });
    const deadline = Date.now() + 280_000;
    while (!devnet.output().includes("Ctrl-C stops everything")) {
      if (devnet.child.exitCode !== null) throw new Error(`devnet exited early:\n${devnet.output()}`);
      if (Date.now() > deadline) throw new Error(`devnet did not start:\n${devnet.output()}`);
      await sleep(250);
    }
    deployment = readDeployment(deploymentFile);

    const live: { name: string; url: string }[] = [
      ...ports.validators.map((port, i) => ({
        name: `validator-${i + 1}`,
        url: `http://127.0.0.1:${port}/metrics`,
      })),
      { name: "relayer", url: `http://127.0.0.1:${ports.relayer}/metrics` },
    ];
    for (const { name, url } of live) {
      const text = await waitForText(url, 60_000);
      if (text === undefined) throw new Error(`${name} serves no /metrics at ${url}`);
      sources.push({ name, url, exposition: text, live: true });
    }
    // Served once the devnet runs the indexer (Ponder's registry + our supply figures) and the risk API.
    const riskPort = (ports as { risk?: number }).risk;
    const optional: { name: string; urls: string[] }[] = [
      { name: "indexer", urls: [`http://127.0.0.1:${ports.indexer}/metrics`] },
      { name: "indexer_bridge", urls: [`http://127.0.0.1:${ports.indexer}/metrics/bridge`] },
      {
        name: "risk",
        urls: [
          ...(riskPort ? [`http://127.0.0.1:${riskPort}/metrics`] : []),
          `http://127.0.0.1:${ports.indexer}/metrics/risk`,
          `http://127.0.0.1:${ports.indexer}/risk/metrics`,
        ],
      },
    ];
    for (const { name, urls } of optional) {
      let found: Source | undefined;
      for (const url of urls) {
        const text = await fetchText(url);
        if (text?.includes("# TYPE")) {
          found = { name, url, exposition: text, live: true };
          break;
        }
      }
      if (found && name === "risk") riskUrl = found.url;
      sources.push(found ?? { name, exposition: await inProcessExposition(name), live: false });
    }
    const standIns = sources.filter((s) => !s.live).map((s) => s.name);
    if (standIns.length > 0)
      console.warn(`[ops] not served by the devnet yet, checked in-process instead: ${standIns.join(", ")}`);
  }, 400_000);

  afterAll(async () => {
    await stopProcess(devnet?.child);
  }, 60_000);

  it("every metric name in the dashboards and alert rules is exported by a service", () => {
    const exported = { names: new Set<string>(), histograms: new Set<string>() };
    for (const source of sources) {
      const { names, histograms } = exportedNames(source.exposition);
      for (const n of names) exported.names.add(n);
      for (const h of histograms) exported.histograms.add(h);
    }
    const missing: string[] = [];
    for (const { where, expr } of allExpressions())
      for (const name of metricNames(expr))
        if (!isExported(name, exported)) missing.push(`${name} (${where})`);
    expect(missing).toEqual([]);
    // The live validators and relayer really are among the sources.
    expect(sources.filter((s) => s.live).length).toBeGreaterThanOrEqual(6);
  });

  it("a collateral price drop fires LiquidationRiskHigh through Prometheus and Alertmanager; restoring it resolves", async (context) => {
    if (!riskUrl) {
      console.warn(
        "[ops] end-to-end alert test waits on the devnet serving risk metrics (devnetPorts().risk or the indexer's /metrics/risk)",
      );
      context.skip();
      return;
    }
    const remote = deployment.chains.find((c) => c.role === "remote" && c.aaveMarkets.length > 0)!;
    const protocol = remote.aaveMarkets[0]!.protocol;
    const series = (text: string) =>
      text
        .split("\n")
        .filter(
          (l) =>
            l.startsWith("risk_debt_at_risk_usd{") &&
            l.includes(`protocol="${protocol}"`) &&
            l.includes('threshold="1.1"'),
        )
        .reduce((sum, l) => sum + Number(l.split(" ").at(-1)), 0);
    // The seeded positions at HF 1.035 and 1.08 put debt below HF 1.1 from the start; wait until the
    // risk engine has indexed them, or the threshold below would be derived from an empty book.
    let baseline = 0;
    for (const deadline = Date.now() + 120_000; baseline === 0 && Date.now() < deadline; await sleep(1_000)) {
      baseline = series((await fetchText(riskUrl)) ?? "");
    }
    expect(baseline).toBeGreaterThan(0);
    // Between today's debt at HF < 1.1 and what a 50% drop puts there (every seeded position).
    const threshold = Math.max(1_000, Math.round(baseline * 1.5));

    const risk = new URL(riskUrl);
    const stack = await startAlertStack({
      targets: {
        validators: ports.validators.map((p) => `127.0.0.1:${p}`),
        relayer: [`127.0.0.1:${ports.relayer}`],
        indexer: [`127.0.0.1:${ports.indexer}`],
        risk: [risk.host],
        riskMetricsPath: risk.pathname,
      },
      thresholds: { liquidationRiskDebtUsd: threshold },
    });
    const index = deployment.chains.indexOf(remote);
    const feed = remote.tokens.find((t) => t.symbol === "wWETH")!.priceFeed!;
    const clients = clientsFor(
      { network: getNetwork(remote.network), rpcUrl: rpcUrls[index]!, role: "remote" },
      devnetKeys.deployer,
    );
    const publicClient = clients.publicClient;
    // AaveOracle reads the proxy; a new round goes to the aggregator behind it (the proxy emits nothing).
    const aggregator = await publicClient.readContract({
      address: feed,
      abi: eacAggregatorProxyAbi,
      functionName: "aggregator",
    });
    const setPrice = async (answer: bigint) => {
      await pushPrice(clients, aggregator, answer);
    };
    const ours = (status: string) => (a: WebhookAlert) =>
      a.labels.alertname === "LiquidationRiskHigh" && a.labels.protocol === protocol && a.status === status;
    try {
      const original = await publicClient.readContract({
        address: feed,
        abi: eacAggregatorProxyAbi,
        functionName: "latestAnswer",
      });
      // Not firing before the drop.
      await sleep(5_000);
      expect(stack.received.filter(ours("firing"))).toEqual([]);

      await setPrice(original / 2n);
      const firing = await stack.waitFor(ours("firing"), 180_000);
      expect(firing.labels.severity).toBe("warning");
      expect(Number(firing.annotations.value)).toBeGreaterThan(threshold);
      expect(firing.annotations.summary).toContain(protocol);

      await setPrice(original);
      await stack.waitFor(ours("resolved"), 180_000);
    } finally {
      await stack.stop();
    }
  }, 420_000);
});
