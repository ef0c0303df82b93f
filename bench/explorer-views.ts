import { chromium, type Request } from "playwright-core";

/**
 * First render of each explorer view and the slowest GraphQL answer it waits for, in headless
 * Chromium (Debian's, through playwright-core), against a running indexer:
 *
 *   npx tsx bench/explorer-views.ts [explorer URL] [loads per view]
 *
 * (default http://127.0.0.1:42069/explorer/, 10 loads). "First render" is navigation start to the
 * view's first complete refresh (the page sets body[data-loaded]); "largest GraphQL answer" is the
 * longest POST to /graphql or /risk/graphql during that load, from Chromium's own request timing.
 * Figures depend on how much the indexer holds: the output says how many transfers and positions.
 */
const explorerUrl = process.argv[2] ?? "http://127.0.0.1:42069/explorer/";
const loads = Number(process.argv[3] ?? 10);
const origin = new URL(explorerUrl).origin;
const views = ["#/transfers", "#/backing", "#/risk"];

async function post<T>(path: string, query: string): Promise<T> {
  const response = await fetch(`${origin}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query }),
  });
  return ((await response.json()) as { data: T }).data;
}

const pct = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

const size = await post<{ positions: { totalCount: number } }>(
  "/risk/graphql",
  "{ positions(first: 1) { totalCount } }",
);
const transfers = await post<{ transfers: { totalCount: number } }>(
  "/graphql",
  "{ transfers(limit: 1) { totalCount } }",
);

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium" });
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
const results: Record<string, { render_p50_ms: number; render_p95_ms: number; graphql_p95_ms: number }> = {};
console.log(
  `indexer holds ${transfers.transfers.totalCount} transfers, ${size.positions.totalCount} positions`,
);
for (const view of views) {
  const renders: number[] = [];
  const answers: number[] = [];
  for (let i = 0; i <= loads; i++) {
    const graphql: Request[] = [];
    const onRequest = (request: Request) => {
      if (request.method() === "POST" && /\/(risk\/)?graphql$/.test(request.url())) graphql.push(request);
    };
    page.on("requestfinished", onRequest);
    await page.goto("about:blank");
    const started = Date.now();
    await page.goto(`${explorerUrl}${view}`);
    await page.waitForSelector("body[data-loaded]", { state: "attached", timeout: 60_000 });
    const rendered = Date.now() - started;
    page.off("requestfinished", onRequest);
    const slowest = Math.max(...graphql.map((r) => r.timing().responseEnd - r.timing().requestStart));
    // The first load warms the browser's and the server's caches; it is not counted.
    if (i === 0) continue;
    renders.push(rendered);
    answers.push(slowest);
  }
  results[view] = {
    render_p50_ms: pct(renders, 50),
    render_p95_ms: pct(renders, 95),
    graphql_p95_ms: Math.round(pct(answers, 95)),
  };
  console.log(
    `${view.padEnd(12)} first render p50 ${pct(renders, 50)} ms, p95 ${pct(renders, 95)} ms (goal < 1000); largest GraphQL answer p95 ${Math.round(pct(answers, 95))} ms (goal < 200)`,
  );
}
await browser.close();
// Last line: the figures as one JSON object.
console.log(
  JSON.stringify({
    transfers: transfers.transfers.totalCount,
    positions: size.positions.totalCount,
    loads,
    views: results,
  }),
);
