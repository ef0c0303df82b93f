import type { WorkerOptions } from "bullmq";

/**
 * How long a delivery job stays locked to the relayer working on it, and how often the relayers look
 * for jobs whose relayer died. BullMQ recovers a dead worker's job in two steps: its lock key must have
 * expired (nobody renewed it for `lockDuration`), and then a stalled check must find it (a check marks
 * every active job, the next check moves a marked job whose lock is gone back to the queue). A job held
 * by a SIGKILLed relayer is therefore back in the queue at most `lockDuration + stalledInterval` after
 * the kill, whichever relayer is alive (or comes back) to run the check.
 *
 * - 10 s lock: a message caught mid-delivery is taken again within 12 s of the kill, so within 15 s
 *   of a relayer being back even if it restarts at once (BullMQ's 30 s default lock plus its 30 s check
 *   left such messages waiting up to 47 s). A live worker renews its locks every quarter of the lock
 *   (a timer every 2.5 s extends each lock older than 2.5 s), so a lock lapses only if the relayer's
 *   event loop or its Redis link stalls for more than 5 s. Shorter locks would turn an ordinary pause
 *   under load (GC, a busy 2-core host, a Redis restart of a second or two) into a second relayer
 *   taking a job that is still being worked, which costs a reverted duplicate submission.
 * - 2 s stalled check: one short Lua script (read the active list, mark it) that only one relayer per
 *   interval runs (BullMQ guards it with a `stalled-check` key), so it is cheap at any relayer count;
 *   it adds at most 2 s to the recovery.
 * - maxStalledCount unbounded in practice: a stall means a relayer died mid-delivery, and delivery is
 *   idempotent (the destination's bitmap and the recorded transaction are checked first), so the job is
 *   always worth trying again rather than failing it.
 */
export const DEFAULT_LOCK_DURATION_MS = 10_000;
export const DEFAULT_STALLED_INTERVAL_MS = 2_000;

export type WorkerLockSettings = Required<
  Pick<WorkerOptions, "lockDuration" | "stalledInterval" | "maxStalledCount">
>;

/** The lock settings of the relayer's delivery workers (overrides for tests and operators). */
export function workerLockSettings(
  overrides: { lockDurationMs?: number; stalledIntervalMs?: number } = {},
): WorkerLockSettings {
  const lockDuration = overrides.lockDurationMs ?? DEFAULT_LOCK_DURATION_MS;
  return {
    lockDuration,
    // Never longer than the lock: a longer check would only delay the recovery the lock allows.
    stalledInterval: Math.min(overrides.stalledIntervalMs ?? DEFAULT_STALLED_INTERVAL_MS, lockDuration),
    maxStalledCount: 1_000,
  };
}
