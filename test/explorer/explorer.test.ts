import { copyFileSync, mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eacAggregatorProxyAbi } from "../../contracts/generated/index.js";
import { pushPrice } from "../../deploy/aave.js";
import { clientsFor } from "../../deploy/system.js";
import { readDeployment } from "../../lib/deployments.js";
import { devnetKeys } from "../../lib/devnet/accounts.js";
import { getNetwork } from "../../lib/networks.js";
import { eventually } from "../helpers/eventually.js";
import {
  bridgeCli,
  type ExplorerDevnet,
  listenerPid,
  lockWithoutCli,
  retry,
  startExplorerDevnet,
} from "./explorerDevnet.js";

/**
 * The explorer in real Chromium (Debian's `chromium`, driven by playwright-core: no browser download)
 * against `npm start`'s devnet. UPDATE_SCREENSHOTS=1 copies the three views' screenshots into
 * docs/explorer/ for the README.
 */
const chromiumPath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const shots = mkdtempSync(join(tmpdir(), "explorer-shots-"));
const docs = join(import.meta.dirname, "../../docs/explorer");

async function gql<T>(url: string, query: string, variables?: Record<string, unknown>): Promise<T> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data: T; errors?: unknown[] };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

describe("explorer (Chromium against the devnet)", () => {
  let devnet: ExplorerDevnet;
  let browser: Browser;
  let page: Page;
  const outside: string[] = [];
  const pageErrors: string[] = [];

  async function open(hash: string, live = true): Promise<void> {
    // A fresh document each time (the same hash twice would not navigate at all).
    await page.goto("about:blank");
    await page.goto(`${devnet.explorerUrl}${hash}`);
    if (!live) await page.uncheck("#live");
    await page.waitForSelector("body[data-loaded]", { state: "attached", timeout: 60_000 });
  }

  async function screenshot(name: string): Promise<void> {
    const file = join(shots, `${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    if (process.env.UPDATE_SCREENSHOTS === "1") {
      mkdirSync(docs, { recursive: true });
      copyFileSync(file, join(docs, `${name}.png`));
    }
  }

  beforeAll(async () => {
    devnet = await startExplorerDevnet();
    browser = await chromium.launch({ executablePath: chromiumPath, headless: true });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on("request", (request) => {
      const url = request.url();
      if (!url.startsWith(devnet.origin) && !url.startsWith("data:")) outside.push(url);
    });
    page.on("pageerror", (error) => pageErrors.push(error.message));
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await devnet?.stop();
  }, 60_000);

  it("npm start prints the explorer's URL, and the page loads its views", async () => {
    expect(devnet.output()).toContain(devnet.explorerUrl);
    // The seed's transfers reach the indexer a few blocks after the devnet is ready: the list can only
    // show what the indexer holds, so wait for its first transfer, then the page must list it.
    await eventually(
      () =>
        gql<{ transfers: { totalCount: number } }>(
          `${devnet.origin}/graphql`,
          "{ transfers(limit: 1) { totalCount } }",
        ),
      (d) => d.transfers.totalCount > 0,
      90_000,
    );
    await open("#/transfers");
    const rows = await page.locator("[data-testid=transfer-list] tbody tr").count();
    expect(rows).toBeGreaterThan(0);
  }, 120_000);

  it("a transfer sent with the CLI appears and turns delivered", async () => {
    const out = await bridgeCli(devnet, [
      "send",
      "--from",
      "devnet-a",
      "--to",
      "devnet-b",
      "--token",
      "USDC",
      "--amount",
      "3.5",
    ]);
    const id = /^0x[0-9a-f]{64}$/m.exec(out)?.[0];
    expect(id, out).toBeDefined();
    await open("#/transfers");
    await retry(async () => {
      expect(await page.locator(`a[href="#/transfer/${id}"]`).count()).toBe(1);
    }, 60_000);
    await page.click(`a[href="#/transfer/${id}"]`);
    await retry(async () => {
      expect(await page.textContent("[data-testid=transfer-status]")).toBe("delivered");
    }, 90_000);
    const detail = await page.textContent("[data-testid=transfer-detail]");
    expect(detail).toContain(id);
    expect(detail).toContain("3.5 USDC");
    expect(detail).toContain("devnet-a → devnet-b");
    expect(await page.locator("[data-testid=waiting]").count()).toBe(0);
    await open("#/transfers");
    await screenshot("transfers");
  }, 240_000);

  it("shows the backing of every asset with its history and the last supply check", async () => {
    await open("#/backing");
    for (const symbol of ["USDC", "WETH"]) {
      const card = page.locator(`[data-testid=backing-${symbol}]`);
      expect(await card.locator("[data-testid=last-check]").textContent()).toMatch(/held at block \d+/);
      const backing = await gql<{ bridgeBacking: { backingRatio: number } }>(
        `${devnet.origin}/risk/graphql`,
        `{ bridgeBacking(bridge: "canonical", asset: "${symbol}") { backingRatio } }`,
      );
      expect(Number(await card.locator("[data-testid=backing-ratio]").textContent())).toBeCloseTo(
        backing.bridgeBacking.backingRatio,
        5,
      );
    }
    // The two other bridges the devnet describes: Portal's WETH and the second instance's USDC.
    for (const [bridge, symbol] of [
      ["portal", "WETH"],
      ["canonical-2", "USDC"],
    ] as const) {
      const cell = page.locator(`[data-testid=other-backing-${bridge}-${symbol}]`);
      const backing = await gql<{ bridgeBacking: { backingRatio: number } }>(
        `${devnet.origin}/risk/graphql`,
        `{ bridgeBacking(bridge: "${bridge}", asset: "${symbol}") { backingRatio } }`,
      );
      expect(backing.bridgeBacking.backingRatio).toBe(1);
      expect(Number(await cell.getAttribute("data-value"))).toBe(backing.bridgeBacking.backingRatio);
    }
    await retry(async () => {
      await open("#/backing");
      expect(await page.locator("[data-testid=backing-plot-USDC] canvas").count()).toBe(1);
    }, 60_000);
    await screenshot("backing");
  }, 120_000);
  type RiskFigures = {
    exposure: Record<string, { hhi: number; totalCollateralUsd: number; shares: Record<string, number> }>;
    buckets: Record<string, number>;
    healthFactors: Record<string, number | null>;
  };

  /** The figures the risk view shows for aave-b, read from the page's cells. */
  async function pageRiskFigures(): Promise<RiskFigures> {
    return page.evaluate(() => {
      const exposure: RiskFigures["exposure"] = {};
      for (const row of document.querySelectorAll<HTMLElement>("[data-testid=exposure] tbody tr")) {
        const shares: Record<string, number> = {};
        for (const cell of row.querySelectorAll<HTMLElement>("td[data-bridge]"))
          shares[cell.dataset.bridge!] = Number(cell.dataset.value);
        const values = [...row.querySelectorAll<HTMLElement>("td[data-value]")].map((c) =>
          Number(c.dataset.value),
        );
        exposure[row.dataset.protocol!] = { shares, hhi: values.at(-2)!, totalCollateralUsd: values.at(-1)! };
      }
      const buckets: Record<string, number> = {};
      for (const cell of document.querySelectorAll<HTMLElement>("[data-testid=hf-counts] [data-bucket]"))
        buckets[cell.dataset.bucket!] = Number(cell.dataset.value);
      const healthFactors: Record<string, number | null> = {};
      for (const row of document.querySelectorAll<HTMLElement>("[data-testid=positions] tbody tr")) {
        const value = row.querySelector<HTMLElement>("td[data-value]")!.dataset.value!;
        healthFactors[row.dataset.user!] = value === "" ? null : Number(value);
      }
      return { exposure, buckets, healthFactors };
    });
  }

  /** The same figures straight from the risk API. */
  async function apiRiskFigures(): Promise<RiskFigures> {
    const risk = `${devnet.origin}/risk/graphql`;
    type ApiExposure = {
      totalCollateralUsd: number;
      hhi: number;
      bridges: { bridge: { id: string }; share: number }[];
    };
    type Count = { totalCount: number };
    const data = await gql<{
      b: ApiExposure;
      c: ApiExposure;
      p: { edges: { node: { user: string; healthFactor: number | null } }[] };
      s: Count;
      u: Count;
      le1: Count;
    }>(
      risk,
      `{
        b: exposure(protocol: "aave-b") { totalCollateralUsd hhi bridges { bridge { id } share } }
        c: exposure(protocol: "aave-c") { totalCollateralUsd hhi bridges { bridge { id } share } }
        p: positions(protocol: "aave-b", status: PRICED, maxHealthFactor: 1000000, first: 20) { edges { node { user healthFactor } } }
        s: positions(protocol: "aave-b", status: STALE, first: 1) { totalCount }
        u: positions(protocol: "aave-b", status: UNPRICED, first: 1) { totalCount }
        le1: positions(protocol: "aave-b", maxHealthFactor: 1, first: 1) { totalCount }
      }`,
    );
    const exposure: RiskFigures["exposure"] = {};
    for (const [key, id] of [
      ["b", "aave-b"],
      ["c", "aave-c"],
    ] as const) {
      exposure[id] = {
        hhi: data[key].hhi,
        totalCollateralUsd: data[key].totalCollateralUsd,
        shares: Object.fromEntries(data[key].bridges.map((b) => [b.bridge.id, b.share])),
      };
    }
    const healthFactors = Object.fromEntries(data.p.edges.map((e) => [e.node.user, e.node.healthFactor]));
    return {
      exposure,
      buckets: { STALE: data.s.totalCount, UNPRICED: data.u.totalCount, "≤ 1": data.le1.totalCount },
      healthFactors,
    };
  }

  it("the numbers on the risk view equal the risk API's for the same indexed state", async () => {
    await retry(async () => {
      const before = await apiRiskFigures();
      await open("#/risk?protocol=aave-b", false);
      const shown = await pageRiskFigures();
      const after = await apiRiskFigures();
      // Interest accrues between the two reads; only a pair that agrees is a single state to compare with.
      expect(after).toEqual(before);
      expect(shown.exposure).toEqual(before.exposure);
      expect(shown.healthFactors).toEqual(before.healthFactors);
      for (const [bucket, count] of Object.entries(before.buckets)) expect(shown.buckets[bucket]).toBe(count);
    }, 60_000);
    expect(await page.locator("[data-testid=hf-histogram] canvas").count()).toBe(1);
    expect(await page.locator("[data-testid=liquidation-curve] canvas").count()).toBe(1);
    await screenshot("risk");
  }, 120_000);

  it("the stress form answers from the risk API and rejects a shock outside its range inline", async () => {
    await open("#/risk?protocol=aave-b", false);
    const form = page.locator("[data-testid=stress-form]");
    await form.locator("input[name=shock]").fill("150");
    await form.locator("button[type=submit]").click();
    expect(await page.textContent("[data-testid=stress-error]")).toContain(
      "shock must be at least 0 % and below 100 %",
    );
    expect(await page.locator("[data-testid=stress-result] table").count()).toBe(0);

    await form.locator("select[name=asset]").selectOption("WETH");
    await form.locator("input[name=shock]").fill("30");
    await form.locator("button[type=submit]").click();
    await page.waitForSelector("[data-testid=stress-result] [data-figure=badDebtUsd]");
    const answer = await gql<{ stressTest: { badDebtUsd: number; liquidatedPositions: number } }>(
      `${devnet.origin}/risk/graphql`,
      `{ stressTest(scenario: { priceShock: { asset: "WETH", shock: 0.3 } }) { ... on PriceShockResult { badDebtUsd liquidatedPositions } } }`,
    );
    const shown = page.locator("[data-testid=stress-result]");
    expect(Number(await shown.locator("[data-figure=liquidatedPositions]").getAttribute("data-value"))).toBe(
      answer.stressTest.liquidatedPositions,
    );
    expect(Number(await shown.locator("[data-figure=badDebtUsd]").getAttribute("data-value"))).toBeCloseTo(
      answer.stressTest.badDebtUsd,
      0,
    );
    expect(await page.textContent("[data-testid=stress-error]")).toBe("");

    // Every bridge the exposure matrix knows can be failed from the form, the external Portal too.
    expect(await form.locator("select[name=bridge] option").allTextContents()).toEqual([
      "canonical",
      "portal",
      "canonical-2",
    ]);
    await form.locator("select[name=kind]").selectOption("bridgeFailure");
    await form.locator("select[name=bridge]").selectOption("portal");
    await form.locator("input[name=recovery]").fill("0");
    await form.locator("button[type=submit]").click();
    await page.waitForSelector("[data-testid=stress-result] h3:has-text('bridge portal fails')");
    const failure = await gql<{ stressTest: { liquidatableDebtUsd: number } }>(
      `${devnet.origin}/risk/graphql`,
      `{ stressTest(scenario: { bridgeFailure: { bridge: "portal", recovery: 0 } }) { ... on BridgeFailureResult { liquidatableDebtUsd } } }`,
    );
    expect(failure.stressTest.liquidatableDebtUsd).toBeGreaterThan(0);
    // The demo traffic keeps moving prices and accruing interest between the two reads: within 1 %.
    const shownDebt = Number(
      await shown.locator("[data-figure=liquidatableDebtUsd]").getAttribute("data-value"),
    );
    expect(Math.abs(shownDebt / failure.stressTest.liquidatableDebtUsd - 1)).toBeLessThan(0.01);
  }, 60_000);

  it("a price drop moves a position into the liquidatable list", async () => {
    await open("#/risk?protocol=aave-b");
    const before = await pageRiskFigures();
    const wasHealthy = Object.entries(before.healthFactors)
      .filter(([, hf]) => hf !== null && hf >= 1)
      .map(([u]) => u);
    expect(wasHealthy.length).toBeGreaterThan(0);
    const deployment = readDeployment(devnet.env.DEPLOYMENT_FILE!);
    const chain = deployment.chains.find((c) => c.network === "devnet-b")!;
    const proxy = chain.tokens.find((t) => t.symbol === "wWETH")!.priceFeed!;
    const clients = clientsFor(
      { network: getNetwork("devnet-b"), rpcUrl: devnet.env.DEVNET_B_RPC_URL!, role: "remote" },
      devnetKeys.deployer,
    );
    const read = { address: proxy, abi: eacAggregatorProxyAbi } as const;
    const [aggregator, answer] = await Promise.all([
      clients.publicClient.readContract({ ...read, functionName: "aggregator" }),
      clients.publicClient.readContract({ ...read, functionName: "latestAnswer" }),
    ]);
    await pushPrice(clients, aggregator, (answer * 85n) / 100n);
    // The page polls by itself: no reload.
    await retry(async () => {
      const now = await pageRiskFigures();
      const fell = wasHealthy.filter((u) => (now.healthFactors[u] ?? 2) < 1);
      expect(fell.length).toBeGreaterThan(0);
      expect(await page.locator(`[data-testid=positions] tr.bad[data-user="${fell[0]}"]`).count()).toBe(1);
    }, 90_000);
  }, 150_000);

  it("an unknown message id and a malformed address each say so", async () => {
    await open("#/transfers");
    const unknown = `0x${"ab".repeat(32)}`;
    await page.fill("#search input[name=q]", unknown);
    await page.click("#search button");
    await page.waitForSelector("[data-testid=not-found]");
    expect(await page.textContent("[data-testid=not-found]")).toContain("not found");
    await page.fill("#search input[name=q]", "0x12345");
    await page.click("#search button");
    expect(await page.textContent("[data-testid=search-error]")).toContain("is not an address");
  }, 60_000);

  it("serves an offline GraphiQL for both GraphQL APIs", async () => {
    for (const api of ["indexer", "risk"]) {
      const schemaLoaded = page.waitForResponse(
        (r) => r.request().postData()?.includes("IntrospectionQuery") === true && r.ok(),
        { timeout: 30_000 },
      );
      await page.goto(`${devnet.explorerUrl}graphiql.html?api=${api}`);
      await page.waitForSelector(".graphiql-container", { timeout: 30_000 });
      // Executing before the schema arrived does nothing in GraphiQL; a user waits for the page too.
      await schemaLoaded;
      await retry(async () => {
        await page.locator(".graphiql-execute-button").click();
        await page.waitForTimeout(1_000);
        // The schema loaded too: GraphiQL shows an introspection failure in the same pane.
        const result = await page.locator(".result-window").textContent();
        expect(result).toContain('"data"');
        expect(result).not.toContain('"errors"');
      }, 30_000);
    }
  }, 90_000);

  it("with the validators stopped, a transfer shows why it waits and the self-relay command", async () => {
    for (const port of devnet.validatorPorts) {
      const pid = await listenerPid(port);
      expect(pid, `validator on port ${port}`).toBeDefined();
      process.kill(pid!, "SIGTERM");
    }
    // The CLI refuses to send without a quorum answering (its preflight), so lock with viem as a dapp would.
    const deployment = readDeployment(devnet.env.DEPLOYMENT_FILE!);
    const home = deployment.chains.find((c) => c.role === "home")!;
    const remote = deployment.chains.find((c) => c.network === "devnet-c")!;
    const usdc = home.tokens.find((t) => t.symbol === "USDC")!;
    const clients = clientsFor(
      { network: getNetwork("devnet-a"), rpcUrl: devnet.env.DEVNET_A_RPC_URL!, role: "home" },
      devnetKeys.users[2]!,
    );
    const id = await lockWithoutCli(clients, home.bridge.address, usdc.address, BigInt(remote.chainId));
    await open(`#/transfer/${id}`);
    await retry(async () => {
      expect(await page.textContent("[data-testid=waiting-reason]")).toContain(
        "waiting for validators: 0 of 4 signatures",
      );
    }, 90_000);
    expect(await page.textContent("[data-testid=waiting-reason]")).toContain("unreachable");
    expect(await page.textContent("[data-testid=relay-command]")).toBe(`npx bridge relay ${id}`);
    expect(await page.textContent("[data-testid=transfer-status]")).toBe("pending");
    await screenshot("transfer-waiting");
  }, 180_000);

  it("loaded nothing from outside the indexer's origin and raised no page error", () => {
    expect(outside).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
