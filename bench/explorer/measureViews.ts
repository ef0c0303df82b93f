import { chromium, type Request } from "playwright-core";

/**
 * First render of each explorer view and the slowest GraphQL answer it waits for, in headless Chromium
 * (Debian's, through playwright-core). "First render" is navigation start to the view's first complete
 * refresh (the page sets body[data-loaded]); "largest GraphQL answer" is the longest POST to /graphql or
 * /risk/graphql during that load, from Chromium's own request timing (request sent to response end). The
 * first load of each view warms the browser's and the server's caches and is not counted.
 */
export const explorerViews = ["#/transfers", "#/backing", "#/risk"] as const;

export type ViewFigures = {
  render_p50_ms: number;
  render_p95_ms: number;
  graphql_p50_ms: number;
  graphql_p95_ms: number;
  /** The query (operation text, shortened) that was slowest in the load with the slowest answer. */
  slowest_query: string;
};

export const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

export async function postGraphql<T>(origin: string, path: string, query: string): Promise<T> {
  const response = await fetch(`${origin}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query }),
  });
  return ((await response.json()) as { data: T }).data;
}

/** How many transfers and positions the indexer behind `origin` holds. */
export async function indexedCounts(origin: string) {
  const size = await postGraphql<{ positions: { totalCount: number } }>(
    origin,
    "/risk/graphql",
    "{ positions(first: 1) { totalCount } }",
  );
  const transfers = await postGraphql<{ transfers: { totalCount: number } }>(
    origin,
    "/graphql",
    "{ transfers(limit: 1) { totalCount } }",
  );
  return { transfers: transfers.transfers.totalCount, positions: size.positions.totalCount };
}

const queryOf = (request: Request) => {
  try {
    const body = JSON.parse(request.postData() ?? "{}") as { query?: string };
    return (body.query ?? "").replace(/\s+/g, " ").slice(0, 120);
  } catch {
    return "";
  }
};

export async function measureViews(
  explorerUrl: string,
  loads: number,
  log: (line: string) => void = console.log,
): Promise<Record<string, ViewFigures>> {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const results: Record<string, ViewFigures> = {};
  try {
    for (const view of explorerViews) {
      const renders: number[] = [];
      const answers: number[] = [];
      let slowest = { ms: -1, query: "" };
      for (let i = 0; i <= loads; i++) {
        const graphql: Request[] = [];
        const onRequest = (request: Request) => {
          if (request.method() === "POST" && /\/(risk\/)?graphql$/.test(request.url())) graphql.push(request);
        };
        page.on("requestfinished", onRequest);
        await page.goto("about:blank");
        const started = Date.now();
        await page.goto(`${explorerUrl}${view}`);
        await page.waitForSelector("body[data-loaded]", { state: "attached", timeout: 120_000 });
        const rendered = Date.now() - started;
        page.off("requestfinished", onRequest);
        const timed = graphql.map((r) => ({ ms: r.timing().responseEnd - r.timing().requestStart, r }));
        const top = timed.reduce((a, b) => (b.ms > a.ms ? b : a), {
          ms: 0,
          r: undefined as Request | undefined,
        });
        if (i === 0) {
          log(`${view} warm-up load: ${rendered} ms, ${graphql.length} GraphQL requests`);
          continue;
        }
        renders.push(rendered);
        answers.push(top.ms);
        if (top.ms > slowest.ms && top.r) slowest = { ms: top.ms, query: queryOf(top.r) };
      }
      results[view] = {
        render_p50_ms: percentile(renders, 50),
        render_p95_ms: percentile(renders, 95),
        graphql_p50_ms: Math.round(percentile(answers, 50)),
        graphql_p95_ms: Math.round(percentile(answers, 95)),
        slowest_query: slowest.query,
      };
      const f = results[view]!;
      log(
        `${view.padEnd(12)} first render p50 ${f.render_p50_ms} ms, p95 ${f.render_p95_ms} ms (goal < 1000); largest GraphQL answer p50 ${f.graphql_p50_ms} ms, p95 ${f.graphql_p95_ms} ms (goal < 200); slowest: ${f.slowest_query}`,
      );
    }
  } finally {
    await browser.close();
  }
  return results;
}
