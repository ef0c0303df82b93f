import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { holdDelayMs } from "../../relayer/delivery/deliver.js";

describe("holdDelayMs: when a delivery job looks at its message again", () => {
  const fixed = (value: number) => () => value;

  it("waits the hold plus 0-20 % jitter when the message joined a group here", () => {
    expect(holdDelayMs(10_000, undefined, fixed(0))).toBe(10_000);
    expect(holdDelayMs(10_000, undefined, fixed(0.999))).toBe(11_998);
  });

  it("looks again just after another relayer's lease would lapse (a dead holder's is taken over then)", () => {
    expect(holdDelayMs(10_000, 2_500, fixed(0))).toBe(2_600);
    expect(holdDelayMs(10_000, 0, fixed(0.5))).toBe(250);
  });

  it("never waits longer than the normal hold, and never a negative time", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60_000 }),
        fc.option(fc.integer({ min: -2, max: 120_000 }), { nil: undefined }),
        fc.double({ min: 0, max: 0.999_999, noNaN: true }),
        (holdMs, lapses, r) => {
          const delay = holdDelayMs(holdMs, lapses, () => r);
          const normal = Math.round(holdMs * (1 + r * 0.2));
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThanOrEqual(normal);
          if (lapses !== undefined) expect(delay).toBeLessThanOrEqual(Math.max(0, lapses) + 400);
        },
      ),
    );
  });
});
