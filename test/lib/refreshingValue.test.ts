import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { refreshingValue } from "../../lib/risk/api/provider/refreshingValue.js";

/**
 * The risk snapshot's refresh cadence (lib/risk/api/provider/refreshingValue.ts), on fake timers: a
 * "refresh" is a value stamped with when it started and finished, taking a chosen time.
 */

type Stamped = { startedAt: number; finishedAt: number; n: number };
const MIN = 1000;

function source(durationMs: () => number) {
  let n = 0;
  const started: number[] = [];
  const refresh = () => {
    const startedAt = Date.now();
    started.push(startedAt);
    const stamp = ++n;
    return new Promise<Stamped>((resolve) =>
      setTimeout(() => resolve({ startedAt, finishedAt: Date.now(), n: stamp }), durationMs()),
    );
  };
  return { refresh, started };
}

const failed = (cause: unknown, previous: Stamped | undefined) => {
  if (previous) return previous;
  throw cause;
};

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe("refreshingValue", () => {
  it("without refresh ahead: serves the value for minRefreshMs, then a request waits for the next refresh", async () => {
    const s = source(() => 200);
    const value = refreshingValue({ refresh: s.refresh, minRefreshMs: MIN, failed });
    const first = value.get();
    const shared = value.get();
    await vi.advanceTimersByTimeAsync(200);
    expect((await first).n).toBe(1);
    expect(await shared).toBe(await first);
    await vi.advanceTimersByTimeAsync(700); // 900 ms after the look: still fresh
    expect((await value.get()).n).toBe(1);
    await vi.advanceTimersByTimeAsync(5_000); // nothing refreshes while nobody asks
    expect(s.started).toHaveLength(1);
    const later = value.get();
    await vi.advanceTimersByTimeAsync(200);
    expect((await later).n).toBe(2);
  });

  it("with refresh ahead: the next value is ready before the current one expires, so a request does not wait", async () => {
    const s = source(() => 200);
    const changed: number[] = [];
    const value = refreshingValue({
      refresh: s.refresh,
      minRefreshMs: MIN,
      failed,
      aheadWhileUsedMs: 3_000,
      changed: (v) => changed.push(v.n),
    });
    value.use();
    const first = value.get();
    await vi.advanceTimersByTimeAsync(200);
    expect((await first).n).toBe(1);
    // The next refresh starts 2 x 200 ms before expiry (at 600 ms) and is done at 800 ms.
    await vi.advanceTimersByTimeAsync(700);
    expect(s.started.map((t) => t - 1_000_000)).toEqual([0, 600]);
    expect((await value.get()).n).toBe(2);
    expect(changed).toEqual([1, 2]);
    // Three seconds after the last use it stops refreshing; `get` alone does not count as use.
    await vi.advanceTimersByTimeAsync(10_000);
    const count = s.started.length;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(s.started).toHaveLength(count);
    expect(count).toBeLessThanOrEqual(1 + Math.ceil(3_000 / 600));
    void value.get();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(s.started).toHaveLength(count + 1);
  });

  it("close stops refreshing ahead", async () => {
    const s = source(() => 100);
    const value = refreshingValue({
      refresh: s.refresh,
      minRefreshMs: MIN,
      failed,
      aheadWhileUsedMs: 60_000,
    });
    value.use();
    void value.get();
    await vi.advanceTimersByTimeAsync(100);
    value.close();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(s.started).toHaveLength(1);
  });

  it("a failed refresh serves the previous value until the next attempt; with none, the error", async () => {
    let fail = true;
    const attempts: number[] = [];
    const value = refreshingValue<number>({
      refresh: async () => {
        attempts.push(Date.now());
        if (fail) throw new Error("down");
        return attempts.length;
      },
      minRefreshMs: MIN,
      failed: (cause, previous) => {
        if (previous !== undefined) return previous;
        throw cause;
      },
    });
    await expect(value.get()).rejects.toThrow("down");
    await vi.advanceTimersByTimeAsync(1);
    fail = false;
    expect(await value.get()).toBe(2);
    fail = true;
    await vi.advanceTimersByTimeAsync(MIN);
    expect(await value.get()).toBe(2); // attempt 3 failed: the previous value
    await vi.advanceTimersByTimeAsync(MIN / 2);
    expect(await value.get()).toBe(2); // no new attempt within minRefreshMs of the failed one
    expect(attempts).toHaveLength(3);
  });

  it("every value handed out is from a look begun under minRefreshMs before the request, or one the request waited for, and values never go back", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 1_500 }), { minLength: 1, maxLength: 40 }),
        fc.array(fc.integer({ min: 1, max: 1_500 }), { minLength: 1, maxLength: 10 }),
        fc.constantFrom(0, 2_000, 60_000),
        async (gaps, durations, ahead) => {
          vi.setSystemTime(1_000_000);
          let d = 0;
          const s = source(() => durations[d++ % durations.length]!);
          const value = refreshingValue({
            refresh: s.refresh,
            minRefreshMs: MIN,
            failed,
            aheadWhileUsedMs: ahead,
          });
          const asked: { at: number; answer: Promise<Stamped> }[] = [];
          for (const gap of gaps) {
            await vi.advanceTimersByTimeAsync(gap);
            value.use();
            asked.push({ at: Date.now(), answer: value.get() });
          }
          await vi.advanceTimersByTimeAsync(3_000);
          value.close();
          let previous = 0;
          for (const { at, answer } of asked) {
            const v = await answer;
            expect(v.startedAt > at - MIN || v.finishedAt >= at).toBe(true);
            expect(v.n).toBeGreaterThanOrEqual(previous);
            previous = v.n;
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
