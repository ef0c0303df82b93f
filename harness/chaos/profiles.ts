import {
  baseFeeSpike,
  indexerKillDuringBackfill,
  postgresRestart,
  redisRestart,
  relayerKill,
  sourceReorg,
  validatorQuorumLoss,
} from "./faults.js";
import type { ChaosOptions } from "./run.js";

export type ChaosProfile = Omit<ChaosOptions, "logDir" | "log">;

/**
 * `npm run bench:chaos`: at least 1,000 transfers in both directions under every fault, 10 % of RPC
 * requests spoiled. It restarts the machine's PostgreSQL server, which other suites share: run it alone.
 */
export const fullSoak: ChaosProfile = {
  locksPerSecond: 1.7,
  burnsPerSecond: 0.7,
  loadSeconds: 430,
  rpcFaultShare: 0.1,
  faults: [
    relayerKill([0]),
    relayerKill([1]),
    relayerKill([0, 1]),
    validatorQuorumLoss,
    redisRestart,
    postgresRestart,
    sourceReorg(2),
    baseFeeSpike(200),
    indexerKillDuringBackfill,
  ],
  warmupMs: 15_000,
  gapMs: 5_000,
  downMs: 8_000,
  recoveryTimeoutMs: 120_000,
  drainTimeoutMs: 1_500_000,
  indexerAtStart: false,
};

/**
 * The variant `npm test` runs (test/chaos): about 215 transfers (2.7/s for 80 s), one relayer kill,
 * one restart of our own Redis, one reorg, 10 % lossy RPC, all faults inside the load window. It never
 * restarts PostgreSQL (other suites share that server). Sized to finish within 3 minutes on a 2-core
 * machine: ~30 s of rig start, 80 s of load, the drain of the relayers' backlog, the audit.
 */
export const shortSoak: ChaosProfile = {
  locksPerSecond: 1.9,
  burnsPerSecond: 0.8,
  loadSeconds: 80,
  rpcFaultShare: 0.1,
  faults: [relayerKill([0]), redisRestart, sourceReorg(2)],
  warmupMs: 12_000,
  gapMs: 5_000,
  downMs: 5_000,
  // Only a bound on waiting (each wait ends at the first delivery): generous, since at a load average
  // near 20 a held message took 58 s after the relayer was back, and the audit judges losses anyway.
  recoveryTimeoutMs: 180_000,
  drainTimeoutMs: 600_000,
  indexerAtStart: true,
};
