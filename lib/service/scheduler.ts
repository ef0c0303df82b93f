/**
 * A step of a loop. Returning `true` means "there is more to do right away" (a catch-up scan that
 * stopped at its range limit): the next step starts without waiting.
 */
// biome-ignore lint/suspicious/noConfusingVoidType: steps either report "more work" or return nothing
export type LoopStep = () => Promise<boolean | undefined | void>;

export type LoopOptions = {
  /** For logs and the error callback. */
  name: string;
  intervalMs: number;
  /** Each wait is spread by ±jitter × interval so many loops do not poll in lockstep. Default 0. */
  jitter?: number;
  /** After consecutive failures the wait doubles per failure, up to this. Default: intervalMs × 4. */
  maxBackoffMs?: number;
  onError?: (error: unknown, failures: number) => void;
};

export type Scheduler = {
  /** Starts a loop that runs `step` until the scheduler stops. */
  every(options: LoopOptions, step: LoopStep): void;
  /** Stops every loop: wakes sleeping ones and waits for running steps to finish. */
  stop(): Promise<void>;
};

/** The wait before the next step: the interval, doubled per consecutive failure (capped), with jitter. */
export function nextDelayMs(options: LoopOptions, failures: number, random = Math.random): number {
  const base =
    failures === 0
      ? options.intervalMs
      : Math.min(options.intervalMs * 2 ** failures, options.maxBackoffMs ?? options.intervalMs * 4);
  const jitter = options.jitter ?? 0;
  return Math.max(0, base * (1 + jitter * (2 * random() - 1)));
}

/**
 * The one loop scheduler of the services: interval, jitter, backoff on error, and a stop that wakes
 * sleepers at once instead of waiting out their interval.
 *
 * @example
 * const scheduler = createScheduler();
 * scheduler.every({ name: "reconcile", intervalMs: 3_000, onError: (e) => log.warn({ err: e }) }, reconcileOnce);
 * await scheduler.stop();
 */
export function createScheduler(): Scheduler {
  let stopped = false;
  const wakeups = new Set<() => void>();
  const running: Promise<void>[] = [];

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        wakeups.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      wakeups.add(wake);
    });

  async function run(options: LoopOptions, step: LoopStep): Promise<void> {
    let failures = 0;
    while (!stopped) {
      let more = false;
      try {
        more = (await step()) === true;
        failures = 0;
      } catch (error) {
        failures++;
        options.onError?.(error, failures);
      }
      if (!more && !stopped) await sleep(nextDelayMs(options, failures));
    }
  }

  return {
    every(options, step) {
      if (stopped) throw new Error(`scheduler stopped; cannot start loop ${options.name}`);
      running.push(run(options, step));
    },
    async stop() {
      stopped = true;
      for (const wake of [...wakeups]) wake();
      await Promise.allSettled(running);
    },
  };
}
