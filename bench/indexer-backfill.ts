/**
 * Indexer benchmark: backfill throughput for a bridge workload across three chains, next to a bare Ponder
 * app indexing the same logs with empty handlers (the ceiling on this machine), then live lag from a
 * block being mined to its row being visible over GraphQL. Prints figures; asserts nothing.
 *
 * Usage: npm run bench:indexer   (BENCH_EVENTS=100000 by default; PGlite for both apps, or PostgreSQL
 * with BENCH_DATABASE_URL=postgresql://127.0.0.1:5432/postgres: each app then gets a fresh database
 * on that server, as docker-compose runs the indexer)
 *
 * The logs come from a small generator contract (compiled by bench/indexer/generators.ts with the solc npm
 * package, so the shared contracts/generated artifacts are untouched) that emits the bridge's exact
 * Locked/Minted/Burned/Released events in batches: message ids match across chains, so the indexer joins every leg as it would in
 * production, supply check included.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import {
  type Address,
  createPublicClient,
  createWalletClient,
  defineChain,
  encodeAbiParameters,
  http,
  keccak256,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { startAnvil } from "../devnet/anvil.js";
import { percentile } from "../harness/nodeProcess.js";
import { writeDeployment } from "../lib/deployments.js";
import { devnetKeys } from "../lib/devnet/accounts.js";
import { devnetNetworks, rpcUrlVariable } from "../lib/networks.js";
import { generateAave } from "./indexer/aaveEvents.js";
import { bareApp } from "./indexer/bareApp.js";
import type { BenchChain } from "./indexer/benchChain.js";
import { compileGenerator } from "./indexer/generators.js";
import { describeMetricsDelta, type Scrape, scrapeMetrics } from "./indexer/ponderMetrics.js";
import { cpuSeconds, freshDatabase, startPonderApp, stop, waitReady } from "./indexer/ponderRun.js";

const TOTAL_EVENTS = Number(process.env.BENCH_EVENTS ?? 100_000);
const BATCH = 500;
const LAG_SAMPLES = Number(process.env.BENCH_LAG_SAMPLES ?? 60);
const WARM_UP_SAMPLES = 5;
/** Share of the events that are Aave market events (the rest are bridge events). */
const AAVE_SHARE = 0.4;

async function main() {
  const dir = mkdtempSync(join(tmpdir(), "indexer-bench-"));
  const { abi, bytecode } = compileGenerator();
  const account = privateKeyToAccount(devnetKeys.deployer);
  const chains: BenchChain[] = [];
  for (const network of devnetNetworks) {
    const anvil = await startAnvil({ chainId: network.chainId, gasLimit: 60_000_000n });
    const chain = defineChain({
      id: network.chainId,
      name: network.name,
      nativeCurrency: { name: "ETH", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [anvil.rpcUrl] } },
    });
    const wallet = createWalletClient({ account, chain, transport: http(anvil.rpcUrl) });
    const client = createPublicClient({ chain, transport: http(anvil.rpcUrl) });
    const hash = await wallet.deployContract({ abi, bytecode });
    const receipt = await client.waitForTransactionReceipt({ hash });
    chains.push({
      network,
      anvil,
      generator: receipt.contractAddress!,
      startBlock: Number(receipt.blockNumber),
    });
  }
  const [home, b, c] = chains as [BenchChain, BenchChain, BenchChain];
  const token = "0x00000000000000000000000000000000000a11ce" as Address;

  // Workload: 60% bridge events (of which 30% locks, half to each remote, 30% mints, 20% burns, 20%
  // releases) and 40% Aave v3 market events on chain B (see generateAave).
  const bridgeEvents = Math.round(TOTAL_EVENTS * (1 - AAVE_SHARE));
  const perRemote = { locks: Math.round(bridgeEvents * 0.15), burns: Math.round(bridgeEvents * 0.1) };
  const send = async (chain: BenchChain, functionName: string, args: (bigint | Address)[]) => {
    const viemChain = defineChain({
      id: chain.network.chainId,
      name: chain.network.name,
      nativeCurrency: { name: "ETH", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [chain.anvil.rpcUrl] } },
    });
    const wallet = createWalletClient({ account, chain: viemChain, transport: http(chain.anvil.rpcUrl) });
    return wallet.writeContract({ address: chain.generator, abi, functionName, args, gas: 55_000_000n });
  };
  const generationStart = Date.now();
  let events = 0;
  const batches = async (count: number, fn: (first: bigint, n: bigint) => Promise<unknown>) => {
    for (let first = 1; first <= count; first += BATCH) {
      const n = Math.min(BATCH, count - first + 1);
      await fn(BigInt(first), BigInt(n));
      events += n;
    }
  };
  const amount = 10n ** 6n;
  for (const remote of [b, c]) {
    // Nonces are per source chain; remote B's locks use 1.., remote C's continue after them.
    const offset = remote === b ? 0n : BigInt(perRemote.locks);
    await batches(perRemote.locks, (first, n) =>
      send(home, "locks", [token, BigInt(remote.network.chainId), first + offset, n, amount]),
    );
    await batches(perRemote.locks, (first, n) =>
      send(remote, "mints", [token, BigInt(home.network.chainId), first + offset, n, amount]),
    );
    await batches(perRemote.burns, (first, n) =>
      send(remote, "burns", [token, BigInt(home.network.chainId), first, n, amount]),
    );
    await batches(perRemote.burns, (first, n) =>
      send(home, "releases", [token, BigInt(remote.network.chainId), first, n, amount]),
    );
  }
  const aave = await generateAave(b, account, Math.round(TOTAL_EVENTS * AAVE_SHARE));
  events += aave.events;
  // Past Ponder's 30-block finality window, so everything is backfilled rather than indexed live.
  await Promise.all(
    chains.map((ch) =>
      fetch(ch.anvil.rpcUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "anvil_mine", params: ["0x28", "0x0"] }),
      }),
    ),
  );
  console.log(`generated ${events} events in ${((Date.now() - generationStart) / 1000).toFixed(1)} s`);

  const deploymentFile = join(dir, "deployment.json");
  writeDeployment(deploymentFile, {
    name: "bench",
    createdAt: new Date().toISOString(),
    homeChainId: home.network.chainId,
    validators: { epoch: 1, addresses: [account.address], threshold: 1 },
    chains: chains.map((ch, i) => ({
      network: ch.network.name,
      chainId: ch.network.chainId,
      role: i === 0 ? ("home" as const) : ("remote" as const),
      // No ValidatorSet in this workload: an address without code has no logs.
      validatorSet: { address: "0x000000000000000000000000000000000000dEaD", startBlock: ch.startBlock },
      bridge: { address: ch.generator, startBlock: ch.startBlock },
      tokens: [
        {
          symbol: "USDC",
          decimals: 6,
          address: i === 0 ? token : ch.generator,
          homeToken: token,
          kind: i === 0 ? ("native" as const) : ("wrapped" as const),
        },
      ],
      aaveMarkets: ch === b ? [aave.market(ch.startBlock)] : [],
    })),
  });
  const env: Record<string, string> = { DEPLOYMENT_FILE: deploymentFile };
  for (const ch of chains) env[rpcUrlVariable(ch.network)] = ch.anvil.rpcUrl;

  const databaseServer = process.env.BENCH_DATABASE_URL;
  const measure = async (label: string, root: string | undefined) => {
    const databaseUrl = databaseServer ? await freshDatabase(databaseServer, `bench_${label}`) : "";
    const run = await startPonderApp(root, env, join(dir, `pglite-${label}`), databaseUrl);
    const readyAt = await waitReady(run);
    const cpu = cpuSeconds(run.child.pid!) - (run.backfillStartCpu ?? 0);
    const seconds = (readyAt - (run.backfillStartedAt ?? readyAt)) / 1000;
    const ponderOwn = /Completed backfill indexing across all chains \(([\d.]+)(m?s)\)/.exec(run.output());
    return {
      run,
      seconds,
      rate: events / seconds,
      cpu,
      ponderOwn: ponderOwn ? `${ponderOwn[1]}${ponderOwn[2]}` : "?",
    };
  };

  const bareDir = resolve("node_modules/.cache/indexer-bench-bare");
  rmSync(bareDir, { recursive: true, force: true });
  bareApp(bareDir, deploymentFile);
  const bare = await measure("bare", bareDir);
  const bareMetrics = await scrapeMetrics(bare.run.url);
  await stop(bare.run);
  const ours = await measure("indexer", undefined);
  console.log(
    `bare ponder (empty handlers): ${bare.seconds.toFixed(1)} s backfill, ${Math.round(bare.rate)} events/s (ponder: ${bare.ponderOwn})`,
  );
  console.log(
    `our indexer:                  ${ours.seconds.toFixed(1)} s backfill, ${Math.round(ours.rate)} events/s (ponder: ${ours.ponderOwn})`,
  );
  console.log(`ratio: ${((100 * ours.rate) / bare.rate).toFixed(0)}% of the ceiling`);
  // On PGlite the database runs inside the app's process, so its CPU time is all the work; on PostgreSQL
  // the server's share is not in it. Less sensitive to other jobs on the machine than the wall-time ratio.
  console.log(
    `CPU seconds over the backfill: bare ${bare.cpu.toFixed(1)} s, ours ${ours.cpu.toFixed(1)} s (ratio ${((100 * bare.cpu) / ours.cpu).toFixed(0)}%)`,
  );
  console.log("ponder's own metrics over the bare app's backfill:");
  for (const line of describeMetricsDelta(new Map(), bareMetrics)) console.log(`  ${line}`);
  console.log("ponder's own metrics over our backfill:");
  for (const line of describeMetricsDelta(new Map(), await scrapeMetrics(ours.run.url)))
    console.log(`  ${line}`);

  // Live lag: 1 s blocks on every chain; one lock per block on the home chain.
  for (const ch of chains) {
    await fetch(ch.anvil.rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "evm_setIntervalMining", params: [1] }),
    });
  }
  const liveStartedAt = Date.now();
  const homeClient = createPublicClient({ transport: http(home.anvil.rpcUrl) });
  const lags: number[] = [];
  const windows: { lag: number; from: number; to: number }[] = [];
  const baseNonce = 10_000_000n;
  const bWallet = createWalletClient({
    account,
    chain: defineChain({
      id: b.network.chainId,
      name: b.network.name,
      nativeCurrency: { name: "ETH", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [b.anvil.rpcUrl] } },
    }),
    transport: http(b.anvil.rpcUrl),
  });
  const aaveCall = (address: Address, name: string, functionName: string, args: unknown[]) =>
    bWallet.writeContract({ address, abi: aave.contracts[name]!.abi, functionName, args, gas: 5_000_000n });
  // The first blocks after interval mining starts are the backfill -> live hand-over (realtime sync
  // starting on three chains, omnichain ordering waiting for the slowest one): measured here as warm-up
  // and reported apart, so the steady-state figures describe live load, not start-up.
  const warmUp: number[] = [];
  let metricsBefore: Scrape | undefined;
  let handOver = { from: 0, to: 0 };
  for (let i = 0; i < WARM_UP_SAMPLES + LAG_SAMPLES; i++) {
    if (i === WARM_UP_SAMPLES) metricsBefore = await scrapeMetrics(ours.run.url);
    const nonce = baseNonce + BigInt(i);
    // Live Aave load on chain B next to the measured bridge lock: three users supply (ReserveDataUpdated,
    // Supply, collateral, aToken Mint each) and the aggregator answers once per block.
    const u = 1_000_000n + BigInt(i) * 3n;
    const { market: m, aToken, aggregator, asset } = aave.addresses;
    await aaveCall(m, "AaveMarketEvents", "supplies", [asset, u, 3n]);
    await aaveCall(aToken, "AaveTokenEvents", "mints", [u, 3n, 10n ** 18n]);
    await aaveCall(aggregator, "AggregatorEvents", "answers", [1_000_000n + BigInt(i), 1n]);
    const hash = await send(home, "locks", [token, BigInt(b.network.chainId), nonce, 1n, amount]);
    let minedAt = 0;
    while (!minedAt) {
      const receipt = await homeClient.getTransactionReceipt({ hash }).catch(() => undefined);
      if (receipt) minedAt = Date.now();
      else await new Promise((r) => setTimeout(r, 20));
    }
    const id = keccak256(
      encodeAbiParameters([{ type: "uint64" }, { type: "uint64" }], [BigInt(home.network.chainId), nonce]),
    );
    for (;;) {
      const body = (await (
        await fetch(`${ours.run.url}/graphql`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ query: `{ transfer(id: "${id}") { id } }` }),
        })
      ).json()) as { data?: { transfer: unknown } };
      if (body.data?.transfer) break;
      // PGlite serves queries and indexing from one thread: polling much faster than this steals time
      // from the indexing being measured.
      await new Promise((r) => setTimeout(r, 50));
    }
    if (i < WARM_UP_SAMPLES) {
      warmUp.push(Date.now() - minedAt);
      if (i === 0) handOver = { from: liveStartedAt, to: Date.now() };
      continue;
    }
    lags.push(Date.now() - minedAt);
    windows.push({ lag: Date.now() - minedAt, from: minedAt, to: Date.now() });
  }
  const metricsAfter = await scrapeMetrics(ours.run.url);
  console.log(`warm-up (first ${WARM_UP_SAMPLES} live blocks, not counted): lags ${warmUp.join(", ")} ms`);
  console.log(`ponder's own metrics over the ${LAG_SAMPLES} measured live blocks:`);
  for (const line of describeMetricsDelta(metricsBefore!, metricsAfter)) console.log(`  ${line}`);
  console.log(
    `live lag over ${lags.length} blocks (block mined -> row visible over GraphQL): p50 ${percentile(lags, 50)} ms, p95 ${percentile(lags, 95)} ms, max ${Math.max(...lags)} ms (block time 1000 ms)`,
  );

  // Where the slowest samples went: Ponder's own log lines (block indexed, with its duration; finalized;
  // anything else) between the block being mined and the row becoming visible.
  const logLines = ours.run.output().split("\n");
  const timeOf = (ms: number) => new Date(ms).toISOString().slice(11, 23);
  const linesBetween = (fromMs: number, toMs: number) => {
    const [from, to] = [timeOf(fromMs), timeOf(toMs)];
    return logLines.filter((l) => l.slice(0, 12) >= from && l.slice(0, 12) <= to);
  };
  const handOverLines = linesBetween(handOver.from, handOver.to);
  console.log(
    `hand-over: interval mining started ${timeOf(handOver.from)}, first live lock visible ${timeOf(handOver.to)}; ponder meanwhile (${handOverLines.length} lines, first and last 15):`,
  );
  const shown =
    handOverLines.length > 30
      ? [...handOverLines.slice(0, 15), "  ...", ...handOverLines.slice(-15)]
      : handOverLines;
  for (const line of shown) console.log(`  ${line.slice(0, 160)}`);
  for (const w of [...windows].sort((x, y) => y.lag - x.lag).slice(0, 3)) {
    const lines = linesBetween(w.from - 1000, w.to);
    console.log(
      `slow sample: ${w.lag} ms (mined ${timeOf(w.from)}, visible ${timeOf(w.to)}); ponder meanwhile:`,
    );
    for (const line of lines.slice(-12)) console.log(`  ${line.slice(0, 160)}`);
  }
  const summary = {
    events,
    bareEventsPerSecond: Math.round(bare.rate),
    indexerEventsPerSecond: Math.round(ours.rate),
    ratio: Number((ours.rate / bare.rate).toFixed(3)),
    bareBackfillCpuSeconds: Number(bare.cpu.toFixed(1)),
    indexerBackfillCpuSeconds: Number(ours.cpu.toFixed(1)),
    cpuRatio: Number((bare.cpu / ours.cpu).toFixed(3)),
    postgres: databaseServer ? 1 : 0,
    loadAverage1mAtEnd: Number(loadavg()[0]!.toFixed(2)),
    liveLagMs: {
      p50: percentile(lags, 50),
      p95: percentile(lags, 95),
      max: Math.max(...lags),
      samples: lags.length,
    },
  };

  await stop(ours.run);
  await Promise.all(chains.map((ch) => ch.anvil.stop()));
  console.log(JSON.stringify(summary));
  rmSync(dir, { recursive: true, force: true });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
