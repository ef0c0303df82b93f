import type { Context } from "ponder:registry";
import { rateLimit } from "ponder:schema";
import type { Hex } from "viem";
import { consumed } from "../lib/bridge/rateLimitBucket.js";

/**
 * The bridge's token buckets, per (chain, remote chain, home token, direction), kept exactly as
 * RateLimiter.sol keeps them: RateLimitSet fills a bucket to its new capacity, and every transfer the
 * contract accepted spends from it. The contract emits no event of its own for a spend, but each spend
 * is one Locked/Burned (outbound, on the source chain) or Minted/Released (inbound, on the destination),
 * in the same transaction, with the amount and the block timestamp the bucket used.
 */

type Db = Context["db"];

export async function recordRateLimit(
  db: Db,
  chainId: number,
  args: { remoteChainId: bigint; token: Hex; direction: number; capacity: bigint; refillPerSecond: bigint },
  block: { number: bigint; timestamp: bigint },
): Promise<void> {
  const bucket = {
    capacity: args.capacity,
    refillPerSecond: args.refillPerSecond,
    tokens: args.capacity,
    updatedAt: block.timestamp,
    updatedAtBlock: block.number,
  };
  await db
    .insert(rateLimit)
    .values({
      chainId,
      remoteChainId: Number(args.remoteChainId),
      asset: args.token.toLowerCase() as Hex,
      direction: args.direction,
      ...bucket,
    })
    .onConflictDoUpdate(bucket);
}

/** Spends `amount` from a bucket, as the transfer that emitted the leg did on chain. */
export async function spendRateLimit(
  db: Db,
  key: { chainId: number; remoteChainId: number; asset: Hex; direction: number },
  amount: bigint,
  block: { number: bigint; timestamp: bigint },
): Promise<void> {
  const bucket = await db.find(rateLimit, key);
  // No bucket, or capacity 0: the contract does not limit this route and spent nothing.
  if (!bucket || bucket.capacity === 0n) return;
  const { tokens, updatedAt } = consumed(bucket, amount, block.timestamp);
  await db.update(rateLimit, key).set({ tokens, updatedAt, updatedAtBlock: block.number });
}
