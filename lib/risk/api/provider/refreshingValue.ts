/**
 * A value re-read at most once per `minRefreshMs` and served while the look behind it is younger than
 * that; the risk snapshot provider's cadence (./indexerSnapshot.ts), kept apart from what a refresh reads.
 *
 * Why "refresh ahead": read only on request, a request arriving after the value expired waits for the
 * whole refresh (at 100,000 positions a new risk snapshot and its analysis: 0.1-0.25 s once incremental
 * on a loaded 2-core machine, bench/explorer-scale.ts), and with a block a second that is every
 * second. With `aheadWhileUsedMs` set, for that many milliseconds after each {@link RefreshingValue.use}
 * the next refresh starts shortly before the current value expires, so requests find a fresh value and
 * rarely wait. Use is declared apart from `get` so that only the callers who need the speed (GraphQL
 * requests, not a metrics scrape every few seconds) keep the refreshes going. The guarantee is the same either way: every value handed out comes from a refresh that
 * started less than `minRefreshMs` before it was asked for, or from the refresh that request waited
 * for, and values only move forward (a newer refresh's value replaces an older one, never the reverse).
 */

export type RefreshingValueParameters<T> = {
  /** Reads the value anew; may return the previous object when nothing changed. */
  refresh: () => Promise<T>;
  minRefreshMs: number;
  /**
   * A refresh failed: return the value to serve (the previous one, until the next attempt
   * `minRefreshMs` later) or throw the error to hand the waiting callers.
   */
  failed: (cause: unknown, previous: T | undefined) => T;
  /**
   * Refresh ahead of expiry for this many milliseconds after each `use()`. Default 0: refresh only when
   * a caller finds the value expired.
   */
  aheadWhileUsedMs?: number;
  /** Called once a refresh's value is the one served, when it is a different object from before. */
  changed?: (value: T) => void;
  /** Milliseconds clock (tests); timers are the global ones, so fake timers must mock both. */
  clock?: () => number;
};

export type RefreshingValue<T> = {
  get(): Promise<T>;
  /** Someone needs fresh values quickly: refresh ahead for the next `aheadWhileUsedMs`. */
  use(): void;
  /** Stops refreshing ahead (a request still refreshes on demand). */
  close(): void;
};

export function refreshingValue<T>(params: RefreshingValueParameters<T>): RefreshingValue<T> {
  const clock = params.clock ?? Date.now;
  const ahead = params.aheadWhileUsedMs ?? 0;
  let served: { value: T; lookedAt: number } | undefined;
  let pending: Promise<T> | undefined;
  let attemptedAt = Number.NEGATIVE_INFINITY;
  let lastDurationMs = 0;
  let usedAt = Number.NEGATIVE_INFINITY;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;

  const start = (): Promise<T> => {
    const startedAt = clock();
    attemptedAt = startedAt;
    const run = params.refresh().then(
      (value) => {
        const previous = served?.value;
        // A value is as fresh as the look that started its refresh.
        served = { value, lookedAt: startedAt };
        if (value !== previous) params.changed?.(value);
        return value;
      },
      (cause: unknown) => params.failed(cause, served?.value),
    );
    pending = run.finally(() => {
      lastDurationMs = clock() - startedAt;
      pending = undefined;
      schedule();
    });
    // The scheduled refresh has no caller: its failure is logged by `failed`, not left unhandled.
    pending.catch(() => {});
    return pending;
  };

  /** Arms the next refresh ahead: early enough (twice the last refresh's time) to finish before expiry. */
  const schedule = () => {
    if (closed || ahead <= 0 || timer || pending) return;
    if (clock() - usedAt > ahead) return;
    const lead = Math.min(params.minRefreshMs / 2, 2 * lastDurationMs);
    const due = attemptedAt + params.minRefreshMs - lead;
    timer = setTimeout(
      () => {
        timer = undefined;
        if (closed || pending || clock() - usedAt > ahead) return;
        void start();
      },
      Math.max(0, due - clock()),
    );
    // Never what keeps a process alive.
    timer.unref?.();
  };

  return {
    get() {
      const now = clock();
      if (served && now - served.lookedAt < params.minRefreshMs) return Promise.resolve(served.value);
      if (pending) return pending;
      // The last attempt failed less than minRefreshMs ago: `failed` chose to serve the previous value.
      if (served && now - attemptedAt < params.minRefreshMs) return Promise.resolve(served.value);
      return start();
    },
    use() {
      usedAt = clock();
      schedule();
    },
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}
