/**
 * API load (issue 14 point 5): the indexer's bridge GraphQL (Ponder's /graphql) and its risk GraphQL
 * (/risk/graphql) under many concurrent clients while the indexer follows live traffic, then the same
 * load with hostile clients beside it (deep, wide, aliased and huge-page queries), which must each be
 * refused with a clear error and must not slow the others down. Prints figures; asserts nothing.
 *
 *   npm start                                  # in another terminal: the devnet with demo traffic
 *   npx tsx bench/api-load.ts [API URL] [seconds per phase=15] [clients=200] [requests/s per client=1]
 *
 * The URL defaults to the devnet's indexer (http://127.0.0.1:42069); with DEVNET_DATABASE_URL the devnet
 * also runs the API on its own process (`ponder serve`, http://127.0.0.1:42070), as operators scale it.
 * The load comes from this process (paced clients, normal and hostile) and autocannon (saturation).
 *
 * Two kinds of phase, because "200 clients" can mean two different things:
 * - **clients** (the goals): 200 clients, each with its own keep-alive connection, each sending a
 *   request per second (three times the explorer's refresh rate: every open explorer tab is such a
 *   client), at its own random moment within the second as independent users do. (autocannon's
 *   `connectionRate` fires every connection on the same tick, 200 requests at once each second, which
 *   measured /health at p95 230 ms: a queue of its own making.) Latency counts from the moment a
 *   request was due, not from when it was sent, so a late answer delays nothing it does not also count.
 * - **saturation**: the same 200 connections with no pause between requests. This measures the
 *   server's capacity (requests/s); its latencies are the connections divided by that rate (Little's
 *   law), whatever the server does, so they are printed but are not what a client sees.
 * Every response's latency is kept, so the percentiles are exact. The indexed blocks before and after
 * show the indexer kept indexing. Last line: one JSON object.
 */
import { Agent, request } from "node:http";
import { loadavg } from "node:os";
import autocannon from "autocannon";

const origin = (process.argv[2] ?? "http://127.0.0.1:42069").replace(/\/$/, "");
const SECONDS = Number(process.argv[3] ?? 15);
const CLIENTS = Number(process.argv[4] ?? 200);
const RATE_PER_CLIENT = Number(process.argv[5] ?? 1);
/**
 * Hostile clients beside the normal ones: 20, each sending 10 requests a second (as many requests as
 * the 200 normal clients together). Flat-out senders would measure the server's capacity whatever
 * they sent, which the saturation phases already do.
 */
const HOSTILE_CLIENTS = 20;
const HOSTILE_RATE_PER_CLIENT = 10;

const BRIDGE_PATH = "/graphql";
const RISK_PATH = "/risk/graphql";

/** What the explorer's transfers view asks for: the newest transfers and the supply figures. */
const BRIDGE_QUERY = `{ transfers(limit: 50, orderBy: "sourceTimestamp", orderDirection: "desc") {
  items { id status amount sourceChainId destinationChainId sourceTimestamp destinationTimestamp }
  totalCount }
  assetSupplys { items { id custody remoteOutstanding inFlight healthy } } }`;

/** What the risk view asks for first: the riskiest positions, the alerts and the snapshot's blocks. */
const RISK_QUERY = `{ snapshot { blocks { chainId blockNumber } }
  positions(first: 20) { totalCount edges { node { user healthFactor status statusReason protocol { id } } } }
  alerts { kind severity message } }`;

const nest = (depth: number) =>
  `{ transfers { items { ${"supply { routes { items { supply { ".repeat(depth)} id ${"} } } }".repeat(depth)} } } }`;

/** One of each kind the issue names, per API; each must come back with an error saying what was refused. */
const HOSTILE: { api: "bridge" | "risk"; kind: string; query: string }[] = [
  { api: "bridge", kind: "deep", query: nest(8) },
  {
    api: "bridge",
    kind: "wide",
    query: `{ transfers { items { ${Array.from({ length: 1500 }, () => "id").join(" ")} } } }`,
  },
  {
    api: "bridge",
    kind: "aliased",
    query: `{ ${Array.from({ length: 200 }, (_, i) => `a${i}: transfers { totalCount }`).join(" ")} }`,
  },
  { api: "bridge", kind: "huge page", query: `{ transfers(limit: 1000000) { items { id } } }` },
  // The risk schema has no cycle, so a deep query can only nest past its leaves: refused either way.
  {
    api: "risk",
    kind: "deep",
    query: `{ positions { edges { node { protocol { ${"id { ".repeat(12)} id ${"} ".repeat(12)} } } } } }`,
  },
  {
    api: "risk",
    kind: "wide",
    query: `{ alerts { ${Array.from({ length: 3000 }, () => "message").join(" ")} } }`,
  },
  {
    api: "risk",
    kind: "aliased",
    query: `{ ${Array.from({ length: 200 }, (_, i) => `a${i}: alerts { kind }`).join(" ")} }`,
  },
  { api: "risk", kind: "huge page", query: `{ positions(first: 1000000) { totalCount } }` },
];
type Phase = {
  name: string;
  requests: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  non2xx: number;
  errors: number;
  graphqlErrors: number;
};

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
}

async function post(path: string, query: string): Promise<{ status: number; body: unknown; ms: number }> {
  const started = performance.now();
  const response = await fetch(`${origin}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query }),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: response.status, body, ms: performance.now() - started };
}

/** The highest block the indexer has indexed per chain, from Ponder's /status. */
async function indexedBlocks(): Promise<Record<string, number>> {
  const status = (await (await fetch(`${origin}/status`)).json()) as Record<
    string,
    { block?: { number: number } | null }
  >;
  return Object.fromEntries(Object.entries(status).map(([chain, s]) => [chain, s.block?.number ?? 0]));
}

/** autocannon's closed loop: each connection sends its next request as soon as it has an answer. */
async function load(name: string, path: string, query: string, connections: number): Promise<Phase> {
  const latencies: number[] = [];
  const instance = autocannon({
    url: `${origin}${path}`,
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query }),
    connections,
    duration: SECONDS,
    // A 200 answer can still carry GraphQL errors: counted apart (a normal client must never get one).
    verifyBody: (body) => !body.includes('"errors"'),
  });
  instance.on("response", (_client: unknown, _status: number, _bytes: number, responseTime: number) => {
    latencies.push(responseTime);
  });
  const result = await instance;
  latencies.sort((a, b) => a - b);
  return {
    name,
    requests: result.requests.total,
    rps: Math.round(result.requests.average),
    p50: Math.round(percentile(latencies, 0.5)),
    p95: Math.round(percentile(latencies, 0.95)),
    p99: Math.round(percentile(latencies, 0.99)),
    max: Math.round(latencies.at(-1) ?? Number.NaN),
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    graphqlErrors: result.mismatches,
  };
}

/**
 * `clients` independent clients, each on its own keep-alive connection, each sending `ratePerClient`
 * requests a second starting at a random offset. Latency is measured from when each request was due.
 */
async function paced(
  name: string,
  path: string,
  query: string,
  clients: number,
  ratePerClient: number,
): Promise<Phase> {
  const url = new URL(`${origin}${path}`);
  const body = JSON.stringify({ query });
  const periodMs = 1000 / ratePerClient;
  const latencies: number[] = [];
  let non2xx = 0;
  let errors = 0;
  let graphqlErrors = 0;
  const started = performance.now();
  const endAt = started + SECONDS * 1000;

  const send = (agent: Agent) =>
    new Promise<void>((resolve) => {
      const req = request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: "POST",
          headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
          timeout: 10_000,
        },
        (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => {
            text += chunk;
          });
          res.on("end", () => {
            if ((res.statusCode ?? 0) < 200 || (res.statusCode ?? 0) > 299) non2xx++;
            else if (text.includes('"errors"')) graphqlErrors++;
            resolve();
          });
        },
      );
      req.on("timeout", () => req.destroy(new Error("timeout")));
      req.on("error", () => {
        errors++;
        resolve();
      });
      req.end(body);
    });

  const client = async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    let due = started + Math.random() * periodMs;
    while (due < endAt) {
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      await send(agent);
      latencies.push(performance.now() - due);
      due += periodMs;
    }
    agent.destroy();
  };
  await Promise.all(Array.from({ length: clients }, client));
  latencies.sort((a, b) => a - b);
  return {
    name,
    requests: latencies.length,
    rps: Math.round(latencies.length / SECONDS),
    p50: Math.round(percentile(latencies, 0.5)),
    p95: Math.round(percentile(latencies, 0.95)),
    p99: Math.round(percentile(latencies, 0.99)),
    max: Math.round(latencies.at(-1) ?? Number.NaN),
    non2xx,
    errors,
    graphqlErrors,
  };
}

const describe = (p: Phase) =>
  `${p.name.padEnd(44)} ${String(p.requests).padStart(6)} requests (${p.rps}/s), p50 ${p.p50} ms, p95 ${p.p95} ms, p99 ${p.p99} ms, max ${p.max} ms; non-2xx ${p.non2xx}, timeouts and transport errors ${p.errors}, GraphQL errors ${p.graphqlErrors}`;

async function main() {
  for (const [name, value] of [
    ["seconds per phase", SECONDS],
    ["clients", CLIENTS],
    ["requests/s per client", RATE_PER_CLIENT],
  ] as const) {
    if (!Number.isFinite(value) || value <= 0) {
      console.error(`${name} must be a positive number, got ${JSON.stringify(value)}`);
      process.exit(2);
    }
  }
  console.log(
    `API at ${origin}; ${CLIENTS} clients per API at ${RATE_PER_CLIENT} request/s each, then saturation; ${SECONDS} s per phase`,
  );
  const ready = await fetch(`${origin}/ready`).then(
    (r) => r.status === 200,
    () => false,
  );
  if (!ready) {
    console.error(`no ready indexer at ${origin}: start the devnet (npm start) or pass the indexer's URL`);
    process.exit(2);
  }
  for (const [name, path, query] of [
    ["bridge", BRIDGE_PATH, BRIDGE_QUERY],
    ["risk", RISK_PATH, RISK_QUERY],
  ] as const) {
    const warm = await post(path, query);
    const errors = (warm.body as { errors?: { message: string }[] }).errors;
    if (warm.status !== 200 || errors)
      throw new Error(`the ${name} query fails: ${warm.status} ${JSON.stringify(errors ?? warm.body)}`);
  }

  // Hostile queries, one at a time: each must be refused with a message naming what was refused.
  let refused = 0;
  for (const h of HOSTILE) {
    const answer = await post(h.api === "bridge" ? BRIDGE_PATH : RISK_PATH, h.query);
    const message = (answer.body as { errors?: { message: string }[] }).errors?.[0]?.message;
    if (message) refused++;
    console.log(
      `hostile ${h.api} ${h.kind.padEnd(9)} -> ${answer.status} in ${answer.ms.toFixed(0)} ms: ${message ?? "ANSWERED (not refused)"}`,
    );
  }

  const blocksBefore = await indexedBlocks();
  const clients = `${CLIENTS} clients at ${RATE_PER_CLIENT}/s`;
  const bridge = await paced(
    `bridge GraphQL, ${clients}`,
    BRIDGE_PATH,
    BRIDGE_QUERY,
    CLIENTS,
    RATE_PER_CLIENT,
  );
  console.log(describe(bridge));
  const risk = await paced(`risk GraphQL, ${clients}`, RISK_PATH, RISK_QUERY, CLIENTS, RATE_PER_CLIENT);
  console.log(describe(risk));

  // The same clients with hostile ones beside them (the largest hostile queries, refused at validation).
  const hostileBridge = HOSTILE.filter((h) => h.api === "bridge");
  const hostileRisk = HOSTILE.filter((h) => h.api === "risk");
  const [bridgeUnderAttack, ...bridgeAttackers] = await Promise.all([
    paced(`bridge GraphQL, ${clients}, hostile beside`, BRIDGE_PATH, BRIDGE_QUERY, CLIENTS, RATE_PER_CLIENT),
    ...hostileBridge.map((h) =>
      paced(
        `  hostile bridge ${h.kind}`,
        BRIDGE_PATH,
        h.query,
        HOSTILE_CLIENTS / hostileBridge.length,
        HOSTILE_RATE_PER_CLIENT,
      ),
    ),
  ]);
  console.log(describe(bridgeUnderAttack!));
  for (const a of bridgeAttackers) console.log(describe(a));
  const [riskUnderAttack, ...riskAttackers] = await Promise.all([
    paced(`risk GraphQL, ${clients}, hostile beside`, RISK_PATH, RISK_QUERY, CLIENTS, RATE_PER_CLIENT),
    ...hostileRisk.map((h) =>
      paced(
        `  hostile risk ${h.kind}`,
        RISK_PATH,
        h.query,
        HOSTILE_CLIENTS / hostileRisk.length,
        HOSTILE_RATE_PER_CLIENT,
      ),
    ),
  ]);
  console.log(describe(riskUnderAttack!));
  for (const a of riskAttackers) console.log(describe(a));

  // Capacity: the same connections flat out.
  const bridgeSaturated = await load("bridge GraphQL, saturation", BRIDGE_PATH, BRIDGE_QUERY, CLIENTS);
  console.log(describe(bridgeSaturated));
  const riskSaturated = await load("risk GraphQL, saturation", RISK_PATH, RISK_QUERY, CLIENTS);
  console.log(describe(riskSaturated));
  const blocksAfter = await indexedBlocks();
  const advanced = Object.fromEntries(
    Object.entries(blocksAfter).map(([chain, n]) => [chain, n - (blocksBefore[chain] ?? 0)]),
  );
  console.log(`blocks indexed during the load, per chain: ${JSON.stringify(advanced)}`);
  console.log(
    `goals (${clients}): bridge p95 ${bridge.p95} ms (goal < 100), risk p95 ${risk.p95} ms (goal < 50); hostile refused ${refused} of ${HOSTILE.length}`,
  );

  console.log(
    JSON.stringify({
      clients: CLIENTS,
      requests_per_s_per_client: RATE_PER_CLIENT,
      seconds_per_phase: SECONDS,
      bridge_graphql_p50_ms: bridge.p50,
      bridge_graphql_p95_ms: bridge.p95,
      bridge_graphql_requests_per_s: bridge.rps,
      risk_graphql_p50_ms: risk.p50,
      risk_graphql_p95_ms: risk.p95,
      risk_graphql_requests_per_s: risk.rps,
      bridge_graphql_p95_ms_with_hostile_clients: bridgeUnderAttack!.p95,
      risk_graphql_p95_ms_with_hostile_clients: riskUnderAttack!.p95,
      normal_client_graphql_errors: bridge.graphqlErrors + risk.graphqlErrors,
      normal_client_timeouts_and_transport_errors: bridge.errors + risk.errors,
      bridge_graphql_saturation_requests_per_s: bridgeSaturated.rps,
      bridge_graphql_saturation_p95_ms: bridgeSaturated.p95,
      risk_graphql_saturation_requests_per_s: riskSaturated.rps,
      risk_graphql_saturation_p95_ms: riskSaturated.p95,
      hostile_queries_refused: refused,
      hostile_queries: HOSTILE.length,
      blocks_indexed_during_load_min: Math.min(...Object.values(advanced)),
      load_average_1m_at_end: Number(loadavg()[0]!.toFixed(2)),
    }),
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
