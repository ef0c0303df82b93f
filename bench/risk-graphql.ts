/**
 * GraphQL load benchmark of the risk API: p95 latency of `bridgeBacking` and `exposure` under 100
 * concurrent clients. The server (createRiskApp over the 100k-position synthetic book of
 * bench/risk-engine.ts) runs in a child process; the load comes from autocannon in this one, so the
 * load generator does not compete with the server's event loop. Prints figures; asserts nothing.
 *
 *   npx tsx bench/risk-graphql.ts [positions=100000] [seconds=15] [connections=100]
 *
 * Goal on the 2-core machine: p95 <= 50 ms. Why autocannon: it is a Node library (pinned devDependency,
 * no system package), keeps connections alive like a real client pool, and reports every response's
 * latency, from which the p95 is computed exactly (its own summary has p90 and p97.5, not p95).
 */
import { type ChildProcess, spawn } from "node:child_process";
import autocannon from "autocannon";
import { logger } from "../lib/logger.js";
import { createRiskService } from "../lib/risk/api/provider/riskService.js";
import { createRiskApp } from "../lib/risk/api/server.js";
import { serve as serveHttp } from "../lib/service/http.js";
import { syntheticSnapshot } from "./syntheticRiskSnapshot.js";

const POSITIONS = Number(process.argv[2] ?? 100_000);
const SECONDS = Number(process.argv[3] ?? 15);
const CONNECTIONS = Number(process.argv[4] ?? 100);

const QUERIES = {
  bridgeBacking: `{ bridgeBacking(bridge: "main", asset: "WETH") { locked supply backingRatio shortfallUsd
    remote { chainId supply } dependents { protocol { id } collateralUsd share } } }`,
  exposure: `{ exposure(protocol: "lendA-1002") { totalCollateralUsd hhi
    bridges { bridge { name } collateralUsd share borrowingPowerShare } } }`,
};

async function serve(): Promise<void> {
  const snapshot = syntheticSnapshot(POSITIONS);
  const { yoga, registry } = createRiskService({ getSnapshot: async () => snapshot });
  const app = createRiskApp({ yoga, registry, log: logger.child({ service: "risk-api" }) });
  const { port } = await serveHttp({ app, host: "127.0.0.1", port: 0 });
  // The first request pays for the analysis of the snapshot (cached per snapshot object afterwards), so
  // it is timed apart and each query is warmed up once before the load.
  const started = performance.now();
  for (const query of Object.values(QUERIES)) {
    await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query }),
    });
  }
  process.stdout.write(`ready ${port} ${(performance.now() - started).toFixed(0)}\n`);
}

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
}

async function load(url: string, name: keyof typeof QUERIES) {
  const latencies: number[] = [];
  const instance = autocannon({
    url: `${url}/graphql`,
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query: QUERIES[name] }),
    connections: CONNECTIONS,
    duration: SECONDS,
  });
  instance.on("response", (_client: unknown, _status: number, _bytes: number, responseTime: number) => {
    latencies.push(responseTime);
  });
  const result = await instance;
  latencies.sort((a, b) => a - b);
  return {
    name,
    requests: result.requests.total,
    rps: result.requests.average,
    p50: percentile(latencies, 0.5),
    p95: percentile(latencies, 0.95),
    p99: percentile(latencies, 0.99),
    max: latencies.at(-1) ?? Number.NaN,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

async function main(): Promise<void> {
  const child: ChildProcess = spawn(
    process.execPath,
    ["--import", "tsx", "bench/risk-graphql.ts", String(POSITIONS), "--serve"],
    {
      stdio: ["ignore", "pipe", "inherit"],
      env: { ...process.env, NODE_ENV: "production" },
    },
  );
  const ready = await new Promise<{ port: number; firstMs: number }>((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (chunk) => {
      out += chunk.toString();
      const m = /ready (\d+) (\d+)/.exec(out);
      if (m) resolve({ port: Number(m[1]), firstMs: Number(m[2]) });
    });
    child.once("exit", (code) => reject(new Error(`server exited with ${code}`)));
  });
  const url = `http://127.0.0.1:${ready.port}`;
  try {
    console.log(
      `risk GraphQL benchmark: ${POSITIONS} positions, ${CONNECTIONS} connections, ${SECONDS} s per query, node ${process.version}`,
    );
    console.log(`  first requests (analysis of the snapshot, warm-up): ${ready.firstMs} ms`);
    for (const name of Object.keys(QUERIES) as (keyof typeof QUERIES)[]) {
      const r = await load(url, name);
      console.log(
        `  ${r.name.padEnd(13)} ${r.requests} requests, ${r.rps.toFixed(0)} req/s; latency p50 ${r.p50} ms, p95 ${r.p95} ms, p99 ${r.p99} ms, max ${r.max} ms; non-2xx ${r.non2xx}, errors ${r.errors}`,
      );
    }
  } finally {
    child.kill("SIGTERM");
  }
}

if (process.argv.includes("--serve")) await serve();
else await main();
