import { type Job, Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { REDIS_URL, uniqueName } from "../../harness/bridgeServices.js";
import { kill9, type Service, startNode } from "../../harness/nodeProcess.js";
import { workerLockSettings } from "../../relayer/workerLocks.js";

/**
 * The delivery workers' lock settings (relayer/workerLocks.ts) against real BullMQ on Redis, with the
 * job holder in a process of its own (test/relayer/fixtures/holdJob.ts):
 * - a job held by a SIGKILLed relayer must come back through the stalled check soon enough that it is
 *   delivered within 15 s of a relayer being back (with BullMQ's 30 s default lock it waited up to
 *   47 s in the chaos soak). The bound is read from Redis: the lock the dead relayer left behind.
 * - a live relayer whose event loop is starved (blocked 1.5 s at a time) must keep renewing its lock
 *   for longer than the lock lasts, so another relayer never takes a job still being worked (that
 *   would submit the message twice).
 */
describe("relayer worker locks", () => {
  const settings = workerLockSettings();
  const prefix = uniqueName("locks");
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const cleanups: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  const holder = (queueName: string, mode: "hang" | "busy", busyMs = 0): Service => {
    const service = startNode(
      "holder",
      [
        "--import",
        "tsx",
        "test/relayer/fixtures/holdJob.ts",
        REDIS_URL,
        prefix,
        queueName,
        mode,
        String(busyMs),
      ],
      {},
    );
    cleanups.push(() => kill9(service));
    return service;
  };
  const waitForOutput = async (service: Service, line: string) => {
    while (!service.output().includes(line)) {
      if (service.child.exitCode !== null) throw new Error(`holder exited:\n${service.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  /** A second relayer's worker: same settings, records every job it is given. */
  const liveWorker = (queueName: string) => {
    const taken: { id: string; at: number; stalledCounter: number }[] = [];
    const stalled: string[] = [];
    const worker = new Worker(
      queueName,
      async (job: Job) => {
        taken.push({ id: job.id!, at: Date.now(), stalledCounter: job.stalledCounter });
      },
      {
        connection: new Redis(REDIS_URL, { maxRetriesPerRequest: null }),
        prefix,
        name: "live",
        ...settings,
      },
    );
    worker.on("stalled", (id) => stalled.push(id));
    cleanups.push(() => worker.close());
    return { worker, taken, stalled };
  };
  const newQueue = (queueName: string) => {
    const queue = new Queue(queueName, { connection: redis, prefix });
    cleanups.push(() => queue.close());
    return queue;
  };

  it("gives a SIGKILLed relayer's job to a live relayer through the stalled check, its lock at most 10 s", async () => {
    const queueName = "killed";
    const queue = newQueue(queueName);
    await queue.add("deliver", {}, { jobId: "held" });
    const dead = holder(queueName, "hang");
    await waitForOutput(dead, "took held");
    await kill9(dead);
    const killedAt = Date.now();
    // What the dead relayer left: a lock nobody renews. The job is back in the queue once it has
    // expired and the next stalled check has run.
    const lockLeft = await redis.pttl(`${prefix}:${queueName}:held:lock`);
    expect(lockLeft).toBeGreaterThan(0);
    expect(lockLeft).toBeLessThanOrEqual(settings.lockDuration);
    expect(lockLeft + settings.stalledInterval).toBeLessThanOrEqual(12_000);

    const back = Date.now();
    const live = liveWorker(queueName);
    while (live.taken.length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(live.taken.map((t) => t.id)).toEqual(["held"]);
    // It came back through the stalled check (not a retry or a duplicate enqueue).
    expect(live.stalled).toEqual(["held"]);
    expect(live.taken[0]!.stalledCounter).toBe(1);
    console.log(
      `held job taken again ${((live.taken[0]!.at - killedAt) / 1000).toFixed(1)} s after the SIGKILL, ` +
        `${((live.taken[0]!.at - back) / 1000).toFixed(1)} s after the live worker started (lock left at the kill: ${lockLeft} ms)`,
    );
  }, 60_000);

  it("keeps a starved relayer's job locked for longer than the lock lasts: nobody else takes it", async () => {
    const queueName = "starved";
    const queue = newQueue(queueName);
    await queue.add("deliver", {}, { jobId: "slow" });
    const busyMs = Math.round(settings.lockDuration * 2.5);
    const starved = holder(queueName, "busy", busyMs);
    await waitForOutput(starved, "took slow");
    // The other relayer runs its stalled check every stalledInterval all along.
    const live = liveWorker(queueName);
    await waitForOutput(starved, "done slow");
    const job = await queue.getJob("slow");
    while ((await job!.getState()) !== "completed") await new Promise((resolve) => setTimeout(resolve, 50));
    expect(live.taken).toEqual([]);
    expect(live.stalled).toEqual([]);
    expect(starved.output()).not.toMatch(/could not renew lock|worker error/);
    const finished = await queue.getJob("slow");
    expect(finished!.stalledCounter).toBe(0);
    expect(finished!.processedBy).toBe("holder");
  }, 90_000);
});
