import { describe, expect, it } from "vitest";
import {
  availableAt,
  consumed,
  rateLimitWaitReason,
  secondsUntilFits,
} from "../../lib/bridge/rateLimitBucket.js";

// The on-chain behaviour is checked against RateLimiter.sol in test/indexer/rateLimitHeadroom.test.ts;
// these pin the edge cases that integration traffic rarely reaches.
const bucket = { capacity: 1000n, refillPerSecond: 10n, tokens: 400n, updatedAt: 100n };

describe("rate-limit bucket", () => {
  it("refills per second up to the capacity, and treats capacity 0 as unlimited", () => {
    expect(availableAt(bucket, 100n)).toBe(400n);
    expect(availableAt(bucket, 130n)).toBe(700n);
    expect(availableAt(bucket, 160n)).toBe(1000n);
    expect(availableAt(bucket, 10_000n)).toBe(1000n);
    // A clock behind the last write reads as the last write.
    expect(availableAt(bucket, 50n)).toBe(400n);
    expect(availableAt({ ...bucket, refillPerSecond: 0n }, 10_000n)).toBe(400n);
    expect(availableAt({ ...bucket, capacity: 0n }, 100n)).toBeNull();
  });

  it("spends from the refilled level and restarts the clock", () => {
    expect(consumed(bucket, 500n, 130n)).toEqual({ ...bucket, tokens: 200n, updatedAt: 130n });
  });

  it("says how long until an amount fits, and when it never will", () => {
    expect(secondsUntilFits(bucket, 400n, 100n)).toBe(0n);
    expect(secondsUntilFits(bucket, 405n, 100n)).toBe(1n);
    expect(secondsUntilFits(bucket, 1000n, 100n)).toBe(60n);
    expect(secondsUntilFits(bucket, 1001n, 100n)).toBeNull();
    expect(secondsUntilFits({ ...bucket, refillPerSecond: 0n }, 500n, 100n)).toBeNull();
    expect(rateLimitWaitReason(bucket, 300n, 100n)).toBeUndefined();
    expect(rateLimitWaitReason(bucket, 700n, 100n)).toBe(
      "waiting for rate-limit headroom: 400 available, 700 needed, fits in ~30 s",
    );
    expect(rateLimitWaitReason(bucket, 2000n, 100n)).toBe(
      "waiting for rate-limit headroom: 400 available, 2000 needed, never fits: capacity is 1000",
    );
  });
});
