/**
 * The bridge's token bucket (contracts/src/bridge/RateLimiter.sol) replayed off chain: the indexer keeps
 * each bucket's last written state (level and timestamp) from the contract's own events, and these
 * functions answer what the contract's views would answer at a given block timestamp. Amounts are raw
 * token units; capacity 0 means unlimited, as on chain.
 */

/** RateLimiter.OUTBOUND (lock, burn) and INBOUND (mint, release). */
export const OUTBOUND = 0;
export const INBOUND = 1;

export type RateLimitBucket = {
  capacity: bigint;
  refillPerSecond: bigint;
  /** Level of the bucket as last written (by setRateLimit or a consumption). */
  tokens: bigint;
  /** Block timestamp (seconds) of that write. */
  updatedAt: bigint;
};

/** `availableCapacity` of the contract at block timestamp `at`; null when the bucket is unlimited. */
export function availableAt(bucket: RateLimitBucket, at: bigint): bigint | null {
  if (bucket.capacity === 0n) return null;
  if (bucket.refillPerSecond === 0n) return bucket.tokens;
  const room = bucket.capacity - bucket.tokens;
  // Never before the last write: a timestamp older than it (a clock behind the chain) means "now".
  const elapsed = at > bucket.updatedAt ? at - bucket.updatedAt : 0n;
  // Same order of checks as RateLimiter._refilled, so the answer is the contract's to the unit.
  if (elapsed > room / bucket.refillPerSecond) return bucket.capacity;
  return bucket.tokens + elapsed * bucket.refillPerSecond;
}

/** The bucket after a transfer of `amount` at timestamp `at` went through (RateLimiter._consumeRateLimit). */
export function consumed(bucket: RateLimitBucket, amount: bigint, at: bigint): RateLimitBucket {
  const available = availableAt(bucket, at);
  if (available === null) return bucket;
  // A transfer the contract accepted fitted; clamping only guards against replaying events out of order.
  const tokens = available > amount ? available - amount : 0n;
  return { ...bucket, tokens, updatedAt: at };
}

/**
 * Whole seconds from `at` until `amount` fits: 0 when it fits now, null when it never will (more than the
 * capacity, or short with no refill). The contract refills per whole second of block time.
 */
export function secondsUntilFits(bucket: RateLimitBucket, amount: bigint, at: bigint): bigint | null {
  const available = availableAt(bucket, at);
  if (available === null || amount <= available) return 0n;
  if (amount > bucket.capacity || bucket.refillPerSecond === 0n) return null;
  const missing = amount - available;
  return (missing + bucket.refillPerSecond - 1n) / bucket.refillPerSecond;
}

/** Why a transfer of `needed` waits, in words; undefined when it fits now or the bucket is unlimited. */
export function rateLimitWaitReason(bucket: RateLimitBucket, needed: bigint, at: bigint): string | undefined {
  const available = availableAt(bucket, at);
  if (available === null || needed <= available) return undefined;
  const wait = secondsUntilFits(bucket, needed, at);
  const when =
    wait === null
      ? needed > bucket.capacity
        ? `never fits: capacity is ${bucket.capacity}`
        : "never fits: no refill configured"
      : `fits in ~${wait} s`;
  return `waiting for rate-limit headroom: ${available} available, ${needed} needed, ${when}`;
}
