/**
 * Sustained lock -> mint throughput, run like production: two anvil chains with 1 s blocks (2-block
 * finality), five validators and the relayer as separate processes started from their builds the way the
 * README starts them (`node dist/validator/main.js`, `node dist/relayer/main.js`, PostgreSQL and Redis),
 * and the load from a separate process (harness/bridgeLoad.ts). Two phases: light load (1 lock/s) for the
 * latency floor, then `rate` locks/s for `seconds`. Everything is read back from the chains: delivered
 * messages per second over the loaded window (after a 10 s ramp), the source bound (block gas / gas per
 * lock) and the destination bound (block gas / gas per delivered message as the relayer batched them,
 * root submissions included), the share of the smaller bound, CPU per process, latency p50/p95 (lock
 * block -> mint block, block timestamps) against the finality floor, and an exactly-once check.
 *
 * Usage: npm run build && npx tsx bench/bridge-throughput.ts [seconds=60] [rate=200] [senders=40]
 * The last line printed is one JSON object with every figure.
 */
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Hex, parseAbiItem } from "viem";
import { freePort } from "../devnet/anvil.js";
import { startBridgeNet, USDC } from "../harness/bridgeNet.js";
import { DATABASE_URL, REDIS_URL, uniqueName } from "../harness/bridgeServices.js";
import { fundSenders } from "../harness/chaos/senders.js";
import {
  cpuSeconds,
  percentile,
  type Service,
  startNode,
  stop,
  waitHealthy,
} from "../harness/nodeProcess.js";
import { devnetKeys } from "../lib/devnet/accounts.js";

const seconds = Number(process.argv[2] ?? 60);
const rate = Number(process.argv[3] ?? 200);
const senderCount = Number(process.argv[4] ?? 40);
for (const [name, v] of Object.entries({ seconds, rate, senders: senderCount }))
  if (!Number.isFinite(v) || v <= 0)
    throw new Error(`bench/bridge-throughput: ${name} must be positive, got ${v}`);
if (!existsSync("dist/validator/main.js") || !existsSync("dist/relayer/main.js"))
  throw new Error("bench/bridge-throughput runs the built services: run `npm run build` first");

const RAMP_SECONDS = 10;
const LIGHT_SECONDS = 20;
const locked = parseAbiItem(
  "event Locked(bytes32 indexed messageId, address indexed token, address indexed sender, uint64 destinationChainId, address destinationBridge, uint64 nonce, address recipient, uint256 amount)",
);
const minted = parseAbiItem(
  "event Minted(bytes32 indexed messageId, address indexed token, address indexed recipient, address wrappedToken, uint64 sourceChainId, uint256 amount)",
);

console.log("starting two anvil chains and deploying the bridge ...");
const net = await startBridgeNet({ remotes: 1, blockTimeSeconds: 1, finalityBlocks: 2 });
const [home, remote] = net.chains as [(typeof net.chains)[0], (typeof net.chains)[0]];
const vault = net.deployment.chains[0]!.bridge.address;
const minter = net.deployment.chains[1]!.bridge.address;
const services: Service[] = [];
try {
  console.log("starting 5 validators and the relayer as processes ...");
  const quiet = { LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? "warn", DEPLOYMENT_FILE: net.deploymentFile };
  const validatorUrls: string[] = [];
  for (const [i, key] of devnetKeys.validators.entries()) {
    const port = await freePort();
    const v = startNode(`validator-${i}`, ["dist/validator/main.js"], {
      ...net.rpcEnv,
      ...quiet,
      VALIDATOR_PRIVATE_KEY: key,
      VALIDATOR_PORT: String(port),
      VALIDATOR_DATA_DIR: join(net.dir, `validator-${i}`),
    });
    services.push(v);
    validatorUrls.push(`http://127.0.0.1:${port}`);
  }
  await Promise.all(services.map((s, i) => waitHealthy(s, validatorUrls[i]!)));
  const relayerPort = await freePort();
  const relayer = startNode("relayer", ["dist/relayer/main.js"], {
    ...net.rpcEnv,
    ...quiet,
    RELAYER_PRIVATE_KEY: devnetKeys.relayer,
    REDIS_URL,
    DATABASE_URL,
    RELAYER_DB_SCHEMA: uniqueName("bench"),
    RELAYER_QUEUE_PREFIX: uniqueName("bench"),
    VALIDATOR_URLS: validatorUrls.join(","),
    RELAYER_PORT: String(relayerPort),
  });
  services.push(relayer);
  await waitHealthy(relayer, `http://127.0.0.1:${relayerPort}`);

  // Senders with ether and test USDC; the load process approves and locks with their keys.
  const { lockers: senderKeys } = await fundSenders(net, { lockers: senderCount, burners: 0 });

  async function load(phase: string, perSecond: number, duration: number) {
    const file = join(net.dir, `load-${phase}.json`);
    writeFileSync(
      file,
      JSON.stringify({
        rpcUrl: home.anvil.rpcUrl,
        chainId: home.chainId,
        vault,
        token: net.usdc,
        destinationChainId: remote.chainId,
        amount: USDC.toString(),
        senderKeys,
        locksPerSecond: perSecond,
        seconds: duration,
      }),
    );
    const proc = startNode(`load-${phase}`, ["--import", "tsx", "harness/bridgeLoad.ts", file], {});
    return proc;
  }
  async function finished(proc: Service): Promise<{
    sent: number;
    failed: number;
    firstError: string | null;
    rpcMs?: Record<string, { count: number; p50: number; p95: number; max: number }>;
  }> {
    if (proc.child.exitCode === null) await new Promise((r) => proc.child.once("exit", r));
    const last = proc.output().trim().split("\n").at(-1) ?? "";
    try {
      return JSON.parse(last);
    } catch {
      throw new Error(`load process failed:\n${proc.output().slice(-3000)}`);
    }
  }
  const timestampOf = new Map<string, number>();
  const blockTime = async (client: typeof home.publicClient, tag: string, n: bigint) => {
    const key = `${tag}:${n}`;
    if (!timestampOf.has(key))
      timestampOf.set(key, Number((await client.getBlock({ blockNumber: n })).timestamp));
    return timestampOf.get(key)!;
  };
  /** Locks sent from `fromBlock` on, their mints, and lock block -> mint block latency in seconds. */
  async function delivered(homeFrom: bigint, remoteFrom: bigint, expected: number, drainMs: number) {
    const deadline = Date.now() + drainMs;
    for (;;) {
      const mints = await remote.publicClient.getLogs({
        address: minter,
        event: minted,
        fromBlock: remoteFrom,
      });
      if (mints.length >= expected || Date.now() > deadline) {
        const locks = await home.publicClient.getLogs({ address: vault, event: locked, fromBlock: homeFrom });
        return { locks, mints };
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  // Phase 1: light load, for latency against the finality floor.
  console.log(`light load: 1 lock/s for ${LIGHT_SECONDS} s ...`);
  const lightHome = await home.publicClient.getBlockNumber();
  const lightRemote = await remote.publicClient.getBlockNumber();
  const light = await finished(await load("light", 1, LIGHT_SECONDS));
  const lightRun = await delivered(lightHome, lightRemote, light.sent, 60_000);
  const latencies = async (run: Awaited<ReturnType<typeof delivered>>) => {
    const mintBlock = new Map(run.mints.map((m) => [m.args.messageId!, m.blockNumber]));
    const out: number[] = [];
    for (const l of run.locks) {
      const m = mintBlock.get(l.args.messageId!);
      if (m === undefined) continue;
      out.push(
        (await blockTime(remote.publicClient, "r", m)) -
          (await blockTime(home.publicClient, "h", l.blockNumber)),
      );
    }
    return out;
  };
  const lightLatency = await latencies(lightRun);

  // Phase 2: the sustained load.
  console.log(`load: ${rate} locks/s for ${seconds} s from ${senderCount} senders ...`);
  const heavyHome = await home.publicClient.getBlockNumber();
  const heavyRemote = await remote.publicClient.getBlockNumber();
  const cpuBefore = services.map((s) => cpuSeconds(s.child.pid));
  const anvilCpuBefore = net.chains.map((c) => cpuSeconds(c.anvil.process.pid));
  const heavyProc = await load("heavy", rate, seconds);
  const loadStartedAt = Date.now();
  const heavyCpuPid = heavyProc.child.pid;
  let loadCpu = 0;
  const sampler = setInterval(() => {
    loadCpu = Math.max(loadCpu, cpuSeconds(heavyCpuPid));
  }, 500);
  const heavy = await finished(heavyProc);
  clearInterval(sampler);
  const windowSeconds = (Date.now() - loadStartedAt) / 1000;
  const cpu = Object.fromEntries([
    ...services.map((s, i) => [s.name, (cpuSeconds(s.child.pid) - cpuBefore[i]!) / windowSeconds]),
    ...net.chains.map((c, i) => [
      `anvil-${i === 0 ? "home" : "remote"}`,
      (cpuSeconds(c.anvil.process.pid) - anvilCpuBefore[i]!) / windowSeconds,
    ]),
    ["load", loadCpu / windowSeconds],
  ]);
  console.log(
    `load sent ${heavy.sent} locks (${heavy.failed} failed${heavy.firstError ? `: ${heavy.firstError}` : ""}); waiting for delivery ...`,
  );
  console.log(
    `load's RPC round trips (ms): ${Object.entries(heavy.rpcMs ?? {})
      .map(([method, t]) => `${method} ${t.count}x p50 ${t.p50} p95 ${t.p95} max ${t.max}`)
      .join("; ")}`,
  );
  const run = await delivered(heavyHome, heavyRemote, heavy.sent, 180_000);
  const heavyLatency = await latencies(run);

  // Sustained rate: mints in remote blocks stamped inside the loaded window, after the ramp.
  const startTs = (await blockTime(home.publicClient, "h", heavyHome)) + RAMP_SECONDS;
  const endTs = startTs - RAMP_SECONDS + Math.round(windowSeconds);
  let inWindow = 0;
  const mintsPerBlock = new Map<bigint, number>();
  for (const m of run.mints) {
    mintsPerBlock.set(m.blockNumber, (mintsPerBlock.get(m.blockNumber) ?? 0) + 1);
    const t = await blockTime(remote.publicClient, "r", m.blockNumber);
    if (t >= startTs && t < endTs) inWindow++;
  }
  const sustained = inWindow / (endTs - startTs);
  // Gas: every remote block that carried a mint (only the relayer sends transactions there: root
  // submissions and batches), per delivered message; a sample of lock receipts for the source side.
  let remoteGas = 0n;
  for (const n of mintsPerBlock.keys())
    remoteGas += (await remote.publicClient.getBlock({ blockNumber: n })).gasUsed;
  const gasPerDelivered = Number(remoteGas) / run.mints.length;
  const lockGas = percentile(
    await Promise.all(
      run.locks
        .slice(0, 50)
        .map(async (l) =>
          Number((await home.publicClient.getTransactionReceipt({ hash: l.transactionHash })).gasUsed),
        ),
    ),
    50,
  );
  const homeGasLimit = Number((await home.publicClient.getBlock()).gasLimit);
  const remoteGasLimit = Number((await remote.publicClient.getBlock()).gasLimit);
  const sourceBound = homeGasLimit / lockGas;
  const destinationBound = remoteGasLimit / gasPerDelivered;
  const bound = Math.min(sourceBound, destinationBound);
  // Exactly once: every lock minted once, nothing minted that was not locked.
  // Both phases: a light-phase lock may be minted during the loaded one.
  const all = await delivered(lightHome, lightRemote, 0, 0);
  const lockIds = new Set(all.locks.map((l) => l.args.messageId as Hex));
  const mintCount = new Map<Hex, number>();
  for (const m of all.mints) mintCount.set(m.args.messageId!, (mintCount.get(m.args.messageId!) ?? 0) + 1);
  const doubles = [...mintCount.values()].filter((n) => n > 1).length;
  const unbacked = [...mintCount.keys()].filter((id) => !lockIds.has(id)).length;
  const undelivered = [...lockIds].filter((id) => !mintCount.has(id)).length;
  const floor = net.finalityBlocks * 1;

  console.log(
    `delivered ${run.mints.length} of ${run.locks.length} locks; doubles ${doubles}, unbacked ${unbacked}, undelivered ${undelivered}`,
  );
  console.log(
    `sustained ${sustained.toFixed(1)} delivered/s over ${endTs - startTs} s (offered ${rate}/s; ${(heavy.sent / windowSeconds).toFixed(1)}/s sent)`,
  );
  console.log(
    `bounds: source ${homeGasLimit} / ${lockGas} gas per lock = ${sourceBound.toFixed(0)}/s; destination ${remoteGasLimit} / ${gasPerDelivered.toFixed(0)} gas per delivered message = ${destinationBound.toFixed(0)}/s; share of the smaller ${(sustained / bound).toFixed(3)}`,
  );
  console.log(
    `latency lock block -> mint block: light p50 ${percentile(lightLatency, 50)} s, p95 ${percentile(lightLatency, 95)} s; loaded p50 ${percentile(heavyLatency, 50)} s, p95 ${percentile(heavyLatency, 95)} s (finality floor ${floor} s)`,
  );
  console.log(
    `CPU per process, cores over the loaded window: ${Object.entries(cpu)
      .map(([k, v]) => `${k} ${(v as number).toFixed(2)}`)
      .join(", ")}`,
  );
  console.log(
    JSON.stringify({
      seconds_loaded: Number(windowSeconds.toFixed(1)),
      offered_locks_per_second: rate,
      sent_locks_per_second: heavy.sent / windowSeconds,
      delivered_per_second_sustained: sustained,
      source_bound_per_second: sourceBound,
      destination_bound_per_second: destinationBound,
      throughput_share_of_bound: sustained / bound,
      gas_per_lock: lockGas,
      gas_per_delivered_message: gasPerDelivered,
      messages_per_mint_block_max: Math.max(...mintsPerBlock.values()),
      latency_light_p50_seconds: percentile(lightLatency, 50),
      latency_light_p95_seconds: percentile(lightLatency, 95),
      latency_loaded_p50_seconds: percentile(heavyLatency, 50),
      latency_loaded_p95_seconds: percentile(heavyLatency, 95),
      finality_floor_seconds: floor,
      doubles,
      unbacked,
      undelivered,
      ...Object.fromEntries(Object.entries(cpu).map(([k, v]) => [`cpu_cores_${k.replace(/-/g, "_")}`, v])),
    }),
  );
} finally {
  await Promise.all(services.map(stop));
  await net.stop();
}
process.exit(0);
