import { mkdirSync } from "node:fs";
import type { Hex } from "viem";
import { USDC } from "../bridgeNet.js";
import type { Service } from "../nodeProcess.js";
import { type AuditResult, auditChaos } from "./audit.js";
import { watchDeliveries } from "./deliveryWatch.js";
import type { Fault, FaultResult } from "./faults.js";
import { deliveryCounts, readLedger } from "./ledger.js";
import { startChaosRig } from "./rig.js";
import { findSecretLeaks, type SecretLeak } from "./secretLeaks.js";
import { fundSenders, startLoad, waitForFloat } from "./senders.js";
import { stageLatencyMeans } from "./stageLatency.js";

/**
 * One chaos soak: the rig, load in both directions, the fault schedule while the load runs, a drain,
 * then the audit and the secret-leak grep over every log of the run.
 */

export type ChaosOptions = {
  /** Transfers per second and for how long: locks home -> remote, burns remote -> home. */
  locksPerSecond: number;
  burnsPerSecond: number;
  loadSeconds: number;
  rpcFaultShare: number;
  faults: Fault[];
  /** Before the first fault, and between faults. */
  warmupMs: number;
  gapMs: number;
  downMs: number;
  recoveryTimeoutMs: number;
  drainTimeoutMs: number;
  /** Start the indexer with the rig (when no fault starts it). */
  indexerAtStart: boolean;
  logDir: string;
  log: (line: string) => void;
};

export type ChaosResult = {
  audit: AuditResult;
  faults: FaultResult[];
  loads: { kind: string; sent: number; failed: number; firstError: string | null }[];
  leaks: SecretLeak[];
  /** Processes that exited by themselves (restarted by the rig's supervisor), per name. */
  crashes: Record<string, number>;
  keysChecked: number;
  loadSeconds: number;
  deliveredDuringLoad: number;
  rpcRequests: number;
  rpcFaultsInjected: number;
  /** Mean seconds from the source block to each delivery stage, from the relayers' metrics. */
  stageMeans: Record<string, number>;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const { log } = options;
  mkdirSync(options.logDir, { recursive: true });
  log("starting the chaos rig: 2 chains, lossy RPC proxies, redis, 5 validators, 2 relayers ...");
  const lockers = Math.max(2, Math.ceil(options.locksPerSecond * 3));
  const burnersCount = Math.max(2, Math.ceil(options.burnsPerSecond * 3));
  let senders: { lockers: Hex[]; burners: Hex[] } | undefined;
  const rig = await startChaosRig({
    rpcFaultShare: options.rpcFaultShare,
    logDir: options.logDir,
    log,
    // Funding needs only the chains: it runs while the services start.
    whileStarting: async (net) => {
      senders = await fundSenders(net, { lockers, burners: burnersCount });
    },
  });
  try {
    if (!senders) throw new Error("the load's wallets were not funded");
    if (options.indexerAtStart) await rig.startIndexer();
    log(`funded ${lockers} lockers and ${burnersCount} burners; waiting for the burners' wUSDC ...`);
    await waitForFloat(rig.net, senders.burners);
    const watch = watchDeliveries(rig.net);
    const amounts = { amountMin: 1n * USDC, amountMax: 1_000n * USDC };
    const loadStart = Date.now();
    const deliveredBefore = watch.count();
    const loads: [string, Service][] = [
      [
        "lock",
        startLoad(
          rig.net,
          "lock",
          senders.lockers,
          { transfersPerSecond: options.locksPerSecond, seconds: options.loadSeconds, ...amounts },
          options.logDir,
        ),
      ],
      [
        "burn",
        startLoad(
          rig.net,
          "burn",
          senders.burners,
          {
            transfersPerSecond: options.burnsPerSecond,
            seconds: options.loadSeconds,
            ...amounts,
            amountMax: 100n * USDC,
          },
          options.logDir,
        ),
      ],
    ];
    log(
      `load: ${options.locksPerSecond} locks/s and ${options.burnsPerSecond} burns/s for ${options.loadSeconds} s`,
    );

    await sleep(options.warmupMs);
    const faults: FaultResult[] = [];
    for (const [i, fault] of options.faults.entries()) {
      if (i > 0) await sleep(options.gapMs);
      if (fault.afterHeldSettle) await Promise.all(faults.map((f) => f.followUp));
      faults.push(
        await fault.run({
          rig,
          watch,
          log,
          downMs: options.downMs,
          recoveryTimeoutMs: options.recoveryTimeoutMs,
        }),
      );
    }
    const loadResults = [];
    for (const [kind, proc] of loads) {
      if (proc.child.exitCode === null) await new Promise((r) => proc.child.once("exit", r));
      const last = proc.output().trim().split("\n").at(-1) ?? "";
      try {
        loadResults.push({
          kind,
          ...(JSON.parse(last) as { sent: number; failed: number; firstError: string | null }),
        });
      } catch {
        throw new Error(`the ${kind} load failed:\n${proc.output().slice(-3000)}`);
      }
    }
    const loadSeconds = (Date.now() - loadStart) / 1000;
    const deliveredDuringLoad = watch.count() - deliveredBefore;
    log(
      `load done after ${loadSeconds.toFixed(0)} s: ${loadResults.map((l) => `${l.kind} ${l.sent} sent, ${l.failed} failed`).join("; ")}`,
    );

    // Drain: until every transfer on chain is delivered (or the timeout; the audit then says what is lost).
    const drainDeadline = Date.now() + options.drainTimeoutMs;
    for (;;) {
      const ledger = await readLedger(rig.net);
      const counts = deliveryCounts(ledger);
      const missing = [...ledger.locks, ...ledger.burns].filter((s) => !counts.has(s.id as Hex)).length;
      if (missing === 0 || Date.now() > drainDeadline) {
        log(`drain: ${missing} transfers undelivered`);
        break;
      }
      await sleep(2_000);
    }
    // The relayer kills' follow-ups read the delivery watch: let them finish before stopping it.
    await Promise.all(faults.map((f) => f.followUp));
    watch.stop();
    const stageMeans = await stageLatencyMeans(rig.relayers);
    log(`mean seconds from the source block to each stage: ${JSON.stringify(stageMeans)}`);
    if (!rig.indexer()) await rig.startIndexer();
    // The audit reports an indexer that never caught up as a mismatch; waiting longer changes nothing.
    await rig
      .indexer()!
      .waitReady(600_000)
      .catch((error) => log(`indexer not ready: ${String(error).slice(0, 300)}`));
    log("auditing ...");
    const audit = await auditChaos(rig);
    log("audit done; stopping the rig ...");
    const keys = [...rig.privateKeys, ...senders.lockers, ...senders.burners];
    const counts = rig.proxies.map((p) => p.counts());
    const crashes = rig.crashes();
    await rig.stop();
    const leaks = findSecretLeaks(options.logDir, keys);
    return {
      audit,
      faults,
      loads: loadResults,
      leaks,
      crashes,
      keysChecked: keys.length,
      loadSeconds,
      deliveredDuringLoad,
      rpcRequests: counts.reduce((a, c) => a + c.requests, 0),
      rpcFaultsInjected: counts.reduce((a, c) => a + c.drop + c.status5xx + c.delay + c.truncate, 0),
      stageMeans,
    };
  } finally {
    await rig.stop();
  }
}
