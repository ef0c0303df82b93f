import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import type { DeliveryWatch } from "./deliveryWatch.js";
import type { ChaosRig } from "./rig.js";

/**
 * The soak's faults. Each one breaks something, puts it back, and measures how long after that the
 * bridge delivered again (recoverySeconds: from the moment the broken part is back until the next
 * delivery lands). Relayer kills also follow the messages the relayers held when they died: the time
 * from a relayer being back until the last of them was delivered (inflightSeconds).
 */

export type FaultResult = {
  fault: string;
  /** Seconds from the part being back to the next delivery; null when none came within the timeout. */
  recoverySeconds: number | null;
  /** Relayer kills: messages the killed relayer was working on (its active jobs) and not yet delivered. */
  inflight?: number;
  /** Relayer kills: seconds from a relayer back until the last of those was delivered (null: not all were). */
  inflightSeconds?: number | null;
  detail?: string;
  /** Relayer kills: settles once every held message is delivered (or the timeout), filling the above. */
  followUp?: Promise<void>;
};

export type FaultContext = {
  rig: ChaosRig;
  watch: DeliveryWatch;
  log: (line: string) => void;
  /** How long a killed process stays down. */
  downMs: number;
  /** Longest wait for deliveries to resume. */
  recoveryTimeoutMs: number;
};

export type Fault = {
  name: string;
  /**
   * Wait, before this fault, until the held messages of every earlier fault are delivered (or their
   * timeout passes). Relayer kills set it: a kill that lands while the last kill's held messages are
   * still on their way kills their carrier again, and neither recovery can then be told apart.
   */
  afterHeldSettle?: boolean;
  run(ctx: FaultContext): Promise<FaultResult>;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const seconds = (ms: number | undefined) => (ms === undefined ? null : Math.max(0, ms) / 1000);

async function resumed(ctx: FaultContext, name: string, back: number, extra: Partial<FaultResult> = {}) {
  const next = await ctx.watch.firstAfter(back, ctx.recoveryTimeoutMs);
  const result: FaultResult = {
    fault: name,
    recoverySeconds: seconds(next === undefined ? undefined : next - back),
    ...extra,
  };
  ctx.log(
    `fault ${name}: deliveries resumed after ${result.recoverySeconds ?? "(none within the timeout)"} s${extra.inflight !== undefined ? `; ${extra.inflight} held messages delivered ${extra.inflightSeconds ?? "(not all)"} s after a relayer was back` : ""}${extra.detail ? ` (${extra.detail})` : ""}`,
  );
  return result;
}

/**
 * SIGKILL the relayers at `indices` together, keep them down, start them again. The kill waits (up to
 * 60 s) for a moment when the first of them is working on a message not yet delivered on chain, so the
 * fault always catches deliveries mid-way: their root groups stay leased to the dead relayer until the
 * lease expires, and the messages' delayed jobs, run by a live relayer, track them there
 * (relayer/delivery/pipeline.ts).
 */
export function relayerKill(indices: number[]): Fault {
  const name = `relayer_kill_${indices.join("_")}`;
  return {
    name,
    afterHeldSettle: true,
    async run(ctx) {
      const holding = async () => {
        const ids = (await Promise.all(indices.map((i) => ctx.rig.heldBy(i).catch(() => [])))).flat();
        return ids.filter((id) => ctx.watch.deliveredAt(id) === undefined);
      };
      // Usually at once; on a starved machine (load average near 30) 20 s once passed with none held.
      const waitUntil = Date.now() + 60_000;
      let held = await holding();
      while (held.length === 0 && Date.now() < waitUntil) {
        await sleep(100);
        held = await holding();
      }
      await Promise.all(indices.map((i) => ctx.rig.relayers[i]!.kill9()));
      const killedAt = Date.now();
      // Delivered between the read and the kill: not held any more.
      held = held.filter((id) => ctx.watch.deliveredAt(id) === undefined);
      ctx.log(
        `fault ${name}: SIGKILLed relayer(s) ${indices.join(", ")} holding ${held.length} undelivered messages`,
      );
      await sleep(ctx.downMs);
      // "A relayer back": the first one healthy again (the other may still be running all along).
      let back = 0;
      await Promise.all(
        indices.map((i) =>
          ctx.rig.relayers[i]!.start().then(() => {
            back ||= Date.now();
          }),
        ),
      );
      const result = await resumed(ctx, name, back, {
        detail: `relayer back ${((back - killedAt) / 1000).toFixed(1)} s after the kill`,
      });
      result.inflight = held.length;
      result.inflightSeconds = null;
      // The held messages are followed in the background, so a slow one does not hold up the rest of
      // the fault schedule; the soak awaits this before its audit.
      result.followUp = (async () => {
        const deadline = back + ctx.recoveryTimeoutMs;
        for (const id of held)
          while (ctx.watch.deliveredAt(id) === undefined && Date.now() < deadline) await sleep(250);
        const times = held.map((id) => ctx.watch.deliveredAt(id));
        const all = times.every((at) => at !== undefined);
        result.inflightSeconds = all ? seconds(Math.max(back, ...(times as number[])) - back) : null;
        result.detail += `; held: ${held
          .map(
            (id, i) =>
              `${id.slice(0, 10)}: ${times[i] === undefined ? "not delivered" : `${((times[i]! - killedAt) / 1000).toFixed(1)} s after the kill`}`,
          )
          .join(", ")}${all ? "" : "; some held messages were not delivered within the timeout"}`;
        ctx.log(
          `fault ${name}: ${held.length} held messages delivered ${result.inflightSeconds ?? "(not all)"} s after a relayer was back (${result.detail})`,
        );
      })();
      return result;
    },
  };
}

/** SIGKILL one validator (4 of 5 left: still a quorum), then a second (quorum lost), then restart both. */
export const validatorQuorumLoss: Fault = {
  name: "validator_quorum_loss",
  async run(ctx) {
    const [a, b] = [ctx.rig.validators[4]!, ctx.rig.validators[3]!];
    await a.kill9();
    ctx.log("fault validators: SIGKILLed validator-4 (4 of 5 left, threshold 4)");
    await sleep(ctx.downMs);
    await b.kill9();
    ctx.log("fault validators: SIGKILLed validator-3 (3 of 5 left: no quorum)");
    await sleep(ctx.downMs * 1.5);
    await Promise.all([a.start(), b.start()]);
    return resumed(ctx, "validator_quorum_loss", Date.now());
  },
};

export const redisRestart: Fault = {
  name: "redis_restart",
  async run(ctx) {
    await ctx.rig.redis.restart();
    ctx.log(`fault redis: redis-server on port ${ctx.rig.redis.port} killed and started empty`);
    return resumed(ctx, "redis_restart", Date.now());
  },
};

/**
 * Restarts the machine's PostgreSQL server (the relayers' records and the indexer live there). Other
 * suites on this machine use the same server, so only the full soak does this, never `npm test`.
 */
export const postgresRestart: Fault = {
  name: "postgres_restart",
  async run(ctx) {
    const versions = readdirSync("/etc/postgresql");
    if (versions.length !== 1)
      throw new Error(`expected one PostgreSQL version in /etc/postgresql, found ${versions}`);
    execFileSync("pg_ctlcluster", ["--skip-systemctl-redirect", versions[0]!, "main", "restart"], {
      stdio: "inherit",
    });
    ctx.log("fault postgres: server restarted");
    return resumed(ctx, "postgres_restart", Date.now());
  },
};

/**
 * Replaces the home chain's last `depth` blocks with empty ones (anvil_reorg): their locks vanish, so
 * their messages must never be delivered. Depth 2 is deeper than one block and inside the validators'
 * finality rule for the devnet chains (2 confirmations).
 */
export function sourceReorg(depth: number): Fault {
  const name = `source_reorg_depth_${depth}`;
  return {
    name,
    async run(ctx) {
      const home = ctx.rig.net.chains[0]!;
      const head = await home.publicClient.getBlockNumber({ cacheTime: 0 });
      await home.testClient.request({ method: "anvil_reorg" as never, params: [depth, []] as never });
      ctx.log(`fault reorg: replaced blocks ${head - BigInt(depth) + 1n}..${head} of the home chain`);
      return resumed(ctx, name, Date.now());
    },
  };
}

/** The destination's next block gets a base fee `gwei` (EIP-1559 then lowers it by 1/8 per block). */
export function baseFeeSpike(gwei: number): Fault {
  const name = "destination_base_fee_spike";
  return {
    name,
    async run(ctx) {
      const remote = ctx.rig.net.chains[1]!;
      const before = (await remote.publicClient.getBlock()).baseFeePerGas ?? 0n;
      await remote.testClient.request({
        method: "anvil_setNextBlockBaseFeePerGas" as never,
        params: [`0x${(BigInt(gwei) * 10n ** 9n).toString(16)}`] as never,
      });
      ctx.log(`fault base fee: destination base fee ${before} wei -> ${gwei} gwei from its next block`);
      return resumed(ctx, name, Date.now(), { detail: `base fee ${before} wei -> ${gwei} gwei` });
    },
  };
}

/**
 * Starts the indexer on a fresh schema while traffic flows, SIGKILLs it during its backfill, starts it
 * again on the same schema; recovery is the time from that restart until it reports ready.
 */
export const indexerKillDuringBackfill: Fault = {
  name: "indexer_kill_during_backfill",
  async run(ctx) {
    const first = await ctx.rig.startIndexer();
    const deadline = Date.now() + 120_000;
    while (!/backfill/i.test(first.output()) && Date.now() < deadline) await sleep(100);
    const inBackfill = /backfill/i.test(first.output());
    await first.kill("SIGKILL");
    ctx.log(
      `fault indexer: SIGKILLed ponder ${inBackfill ? "during its backfill" : "(no backfill line seen)"}`,
    );
    const back = Date.now();
    const second = await ctx.rig.startIndexer();
    // Not ready in time is a finding to report, not a reason to abandon the soak before its audit.
    const ready = await second.waitReady(ctx.recoveryTimeoutMs * 3).then(
      () => true,
      () => false,
    );
    const recoverySeconds = ready ? (Date.now() - back) / 1000 : null;
    ctx.log(
      `fault indexer: ${ready ? `ready again ${recoverySeconds} s after the restart` : "not ready within the timeout"}`,
    );
    return {
      fault: "indexer_kill_during_backfill",
      recoverySeconds,
      detail: inBackfill ? "killed during backfill" : "killed before a backfill line was seen",
    };
  },
};
