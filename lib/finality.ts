import type { PublicClient } from "viem";
import type { FinalityRule } from "./networks.js";

/**
 * Milliseconds per block as the chain itself shows it: the timestamp difference over the last
 * `sampleBlocks` blocks. Undefined on a chain too young to tell (fewer than two blocks).
 *
 * @example
 * const msPerBlock = (await measureBlockTimeMs(client)) ?? network.blockTimeSeconds * 1000;
 */
export async function measureBlockTimeMs(
  client: PublicClient,
  parameters: { sampleBlocks?: number } = {},
): Promise<number | undefined> {
  const head = await client.getBlock({ blockTag: "latest" });
  const span = BigInt(Math.min(parameters.sampleBlocks ?? 32, Number(head.number)));
  if (span < 1n) return undefined;
  const earlier = await client.getBlock({ blockNumber: head.number - span });
  const ms = (Number(head.timestamp - earlier.timestamp) * 1000) / Number(span);
  return ms > 0 ? ms : undefined;
}

export type FinalityDistance = {
  /** The highest block the rule treats as final now. */
  finalHead: bigint;
  /** Blocks between `block` and the final head; 0 once `block` is final. */
  blocksToGo: number;
};

/**
 * How far a block is from being final under a rule: N confirmations on top of it, or the chain's
 * `finalized`/`safe` head reaching it.
 */
export async function finalityDistance(parameters: {
  client: PublicClient;
  rule: FinalityRule;
  block: bigint;
}): Promise<FinalityDistance> {
  const { client, rule, block } = parameters;
  const finalHead =
    rule.kind === "tag"
      ? (await client.getBlock({ blockTag: rule.tag })).number
      : (await client.getBlockNumber({ cacheTime: 0 })) - BigInt(rule.blocks);
  return { finalHead, blocksToGo: block > finalHead ? Number(block - finalHead) : 0 };
}
