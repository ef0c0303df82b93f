/**
 * The explorer at issue 13's scale: seeds three anvil chains with ≥10,000 bridge transfers (both legs,
 * joined by message id) and ≥100,000 Aave v3 positions with a priced reserve, all as real logs from the
 * synthetic emitters of bench/indexer/ (the bridge's and Aave's exact events), indexes them with
 * `ponder start` on a fresh PostgreSQL database (dropped afterwards), which also serves the risk API
 * and the explorer as on the devnet, then times each view in headless Chromium
 * (bench/explorer/measureViews.ts).
 *
 *   npx tsx bench/explorer-scale.ts [loads per view]
 *
 * SCALE_TRANSFERS (default 10,000), SCALE_POSITIONS (default 100,000), SCALE_BLOCK_SECONDS (block
 * interval while measuring, default 1 as on the devnet; 0: no new blocks), DATABASE_URL_ADMIN (default
 * postgres://postgres@127.0.0.1:5432/postgres), SCALE_PONDER_LOG (a file to write the indexer's output
 * to at the end, its last 100 kB: with LOG_LEVEL=debug it has each risk snapshot rebuild's timings).
 * Prints progress; the last line is one JSON object.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { privateKeyToAccount } from "viem/accounts";
import { devnetKeys } from "../lib/devnet/accounts.js";
import { rpcUrlVariable } from "../lib/networks.js";
import { indexedCounts, measureViews, postGraphql } from "./explorer/measureViews.js";
import { generatePositions } from "./indexer/aavePositions.js";
import type { BenchChain } from "./indexer/benchChain.js";
import {
  benchToken,
  intervalMining,
  mineEverywhere,
  startBenchChains,
  writeBenchDeployment,
} from "./indexer/benchChains.js";
import { startPonderApp, stop, waitReady } from "./indexer/ponderRun.js";

const loads = Number(process.argv[2] ?? 10);
const TRANSFERS = Number(process.env.SCALE_TRANSFERS ?? 10_000);
const POSITIONS = Number(process.env.SCALE_POSITIONS ?? 100_000);
const admin = new URL(process.env.DATABASE_URL_ADMIN ?? "postgres://postgres@127.0.0.1:5432/postgres");
const BATCH = 500;

const t0 = Date.now();
const log = (line: string) =>
  console.log(
    `[${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s, load ${loadavg()[0]!.toFixed(1)}] ${line}`,
  );
const psql = (sql: string) =>
  execFileSync("psql", [admin.toString(), "-v", "ON_ERROR_STOP=1", "-qtAc", sql], { encoding: "utf8" });

// The indexer serves the explorer from explorer/dist (built by `npm ci`; built here when missing).
if (!existsSync("explorer/dist/index.html"))
  execFileSync("npm", ["run", "build:explorer"], { stdio: "inherit" });
const dir = mkdtempSync(join(tmpdir(), "explorer-scale-"));
const database = `explorer_scale_${process.pid}_${Date.now()}`;
const account = privateKeyToAccount(devnetKeys.deployer);
const { chains, send } = await startBenchChains(account);
const [home, b, c] = chains as [BenchChain, BenchChain, BenchChain];
let run: Awaited<ReturnType<typeof startPonderApp>> | undefined;
try {
  // Per remote: locks on the home chain (2 % of them left undelivered, so some transfers wait), mints
  // for the rest; burns on the remote (5 % of the transfers) each released at home.
  const perRemote = Math.ceil(TRANSFERS / 2);
  const burns = Math.round(perRemote * 0.05);
  const locks = perRemote - burns;
  const mints = Math.floor(locks * 0.98);
  const amount = 10n ** 6n;
  let events = 0;
  const batches = async (count: number, fn: (first: bigint, n: bigint) => Promise<unknown>) => {
    for (let first = 1; first <= count; first += BATCH) {
      const n = Math.min(BATCH, count - first + 1);
      await fn(BigInt(first), BigInt(n));
      events += n;
    }
  };
  for (const remote of [b, c]) {
    const offset = remote === b ? 0n : BigInt(locks);
    const to = BigInt(remote.network.chainId);
    const from = BigInt(home.network.chainId);
    await batches(locks, (f, n) => send(home, "locks", [benchToken, to, f + offset, n, amount]));
    await batches(mints, (f, n) => send(remote, "mints", [benchToken, from, f + offset, n, amount]));
    await batches(burns, (f, n) => send(remote, "burns", [benchToken, from, f, n, amount]));
    await batches(burns, (f, n) => send(home, "releases", [benchToken, to, f, n, amount]));
    log(`bridge events to and from ${remote.network.name}: ${events} so far`);
  }
  const aave = await generatePositions(b, account, POSITIONS, (done) => {
    if (done % 20_000 === 0 || done === POSITIONS) log(`aave positions emitted: ${done}`);
  });
  events += aave.events;
  await mineEverywhere(chains, 40, 1);
  const generatedMs = Date.now() - t0;
  log(`generated ${events} events`);

  const deploymentFile = join(dir, "deployment.json");
  writeBenchDeployment(deploymentFile, chains, account.address, aave.market);
  const env: Record<string, string> = { DEPLOYMENT_FILE: deploymentFile };
  for (const ch of chains) env[rpcUrlVariable(ch.network)] = ch.anvil.rpcUrl;
  psql(`CREATE DATABASE ${database}`);
  const url = new URL(admin);
  url.pathname = `/${database}`;
  log(`indexing into PostgreSQL database ${database}`);
  run = await startPonderApp(undefined, env, join(dir, "pglite-unused"), url.toString());
  const indexStart = Date.now();
  const readyAt = await waitReady(run, 3_600_000);
  const indexedMs = readyAt - indexStart;
  log(
    `ponder ready after ${(indexedMs / 1000).toFixed(0)} s (${Math.round(events / (indexedMs / 1000))} events/s)`,
  );

  // From here on the chains make a block a second, as on the devnet: the views are measured live.
  // SCALE_BLOCK_SECONDS=0 leaves them idle (nothing new to index: a diagnostic, not the goal's setting).
  const blockSeconds = Number(process.env.SCALE_BLOCK_SECONDS ?? 1);
  if (blockSeconds > 0) await intervalMining(chains, blockSeconds);
  const counts = await indexedCounts(run.url);
  const rows = await postGraphql<{ positions: { totalCount: number }; reserves: { totalCount: number } }>(
    run.url,
    "/graphql",
    "{ positions(limit: 1) { totalCount } reserves(limit: 1) { totalCount } }",
  );
  log(
    `indexer holds ${counts.transfers} transfers, ${rows.positions.totalCount} position rows in ${rows.reserves.totalCount} reserve(s); risk API: ${counts.positions} positions`,
  );
  if (counts.positions === 0 || counts.positions < rows.positions.totalCount / 2)
    log(`ponder log tail:\n${run.output().slice(-4000)}`);
  const load = loadavg().map((x) => Number(x.toFixed(2)));
  const views = await measureViews(`${run.url}/explorer/`, loads, log);
  const loadAfter = loadavg().map((x) => Number(x.toFixed(2)));
  const figure: Record<string, number> = {
    transfers_indexed: counts.transfers,
    positions_indexed: counts.positions,
    events,
    generate_s: Math.round(generatedMs / 1000),
    index_s: Math.round(indexedMs / 1000),
    loads,
    block_seconds: blockSeconds,
    load_avg_1m_before: load[0]!,
    load_avg_1m_after: loadAfter[0]!,
  };
  for (const [view, f] of Object.entries(views)) {
    const name = view.replace("#/", "");
    figure[`${name}_view_first_render_ms_p50`] = f.render_p50_ms;
    figure[`${name}_view_first_render_ms_p95`] = f.render_p95_ms;
    figure[`largest_graphql_ms_p50_${name}`] = f.graphql_p50_ms;
    figure[`largest_graphql_ms_p95_${name}`] = f.graphql_p95_ms;
  }
  console.log(JSON.stringify(figure));
} finally {
  if (run) await stop(run);
  if (run && process.env.SCALE_PONDER_LOG) writeFileSync(process.env.SCALE_PONDER_LOG, run.output());
  await Promise.all(chains.map((ch) => ch.anvil.stop()));
  try {
    psql(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  } catch (error) {
    console.error(`could not drop ${database}: ${(error as Error).message}`);
  }
  rmSync(dir, { recursive: true, force: true });
}
