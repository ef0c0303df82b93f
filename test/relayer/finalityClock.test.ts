import type { PublicClient } from "viem";
import { describe, expect, it } from "vitest";
import { FinalityClock, MAX_FINALITY_RECHECK_MS } from "../../relayer/finalityClock.js";

/** A chain whose blocks come every `seconds` (what getBlock answers is all the clock reads). */
function chainWithBlockTime(seconds: number, head = 1_000n) {
  let calls = 0;
  const client = {
    getBlock: async ({ blockNumber }: { blockNumber?: bigint }) => {
      calls++;
      const number = blockNumber ?? head;
      return { number, timestamp: 1_700_000_000n + number * BigInt(seconds) };
    },
  } as unknown as PublicClient;
  return { client, calls: () => calls };
}

describe("FinalityClock", () => {
  it("sleeps by the block time the chain shows, not the profile's", async () => {
    const { client } = chainWithBlockTime(1);
    const clock = new FinalityClock();
    // Sepolia's profile says 12 s per block; these blocks come every second.
    expect(await clock.recheckInMs({ client, blocksToGo: 5, profileBlockTimeMs: 12_000, minMs: 250 })).toBe(
      4_500,
    );
  });

  it("re-checks within a bounded interval however far finality is", async () => {
    const { client } = chainWithBlockTime(12);
    const clock = new FinalityClock();
    expect(await clock.recheckInMs({ client, blocksToGo: 64, profileBlockTimeMs: 12_000, minMs: 250 })).toBe(
      MAX_FINALITY_RECHECK_MS,
    );
    expect(await clock.recheckInMs({ client, blocksToGo: 1, profileBlockTimeMs: 12_000, minMs: 250 })).toBe(
      6_000,
    );
  });

  it("measures once a minute per chain, and falls back to the profile on a fresh chain", async () => {
    let now = 0;
    const { client, calls } = chainWithBlockTime(2);
    const clock = new FinalityClock(() => now);
    await clock.blockTimeMs(client);
    await clock.blockTimeMs(client);
    expect(calls()).toBe(2);
    now = 61_000;
    expect(await clock.blockTimeMs(client)).toBe(2_000);
    expect(calls()).toBe(4);
    const fresh = chainWithBlockTime(2, 0n).client;
    expect(
      await clock.recheckInMs({ client: fresh, blocksToGo: 2, profileBlockTimeMs: 3_000, minMs: 250 }),
    ).toBe(4_500);
  });
});
