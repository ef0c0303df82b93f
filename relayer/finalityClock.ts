import type { PublicClient } from "viem";
import { measureBlockTimeMs } from "../lib/finality.js";

/** Longest the relayer sleeps before looking at a source chain's finality again. */
export const MAX_FINALITY_RECHECK_MS = 10_000;
/** How long a measured block time is trusted before it is measured again. */
const MEASURE_EVERY_MS = 60_000;

/**
 * When to look again at a source log that is not final yet: about when it should turn final, from the
 * block time the chain actually shows (the profile's constant is only the fallback), and never later
 * than MAX_FINALITY_RECHECK_MS, so a chain faster than its profile, or a `finalized` tag that jumps
 * by whole epochs, costs at most one interval of delay.
 *
 * @example
 * const clock = new FinalityClock();
 * const retryInMs = await clock.recheckInMs({ client, blocksToGo: 40, profileBlockTimeMs: 12_000, minMs: 150 });
 */
export class FinalityClock {
  private readonly measured = new WeakMap<PublicClient, { ms: number; at: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  async recheckInMs(parameters: {
    client: PublicClient;
    blocksToGo: number;
    profileBlockTimeMs: number;
    minMs: number;
  }): Promise<number> {
    const blockTimeMs = (await this.blockTimeMs(parameters.client)) ?? parameters.profileBlockTimeMs;
    const untilFinal = (parameters.blocksToGo - 0.5) * blockTimeMs;
    return Math.min(MAX_FINALITY_RECHECK_MS, Math.max(parameters.minMs, untilFinal));
  }

  /** The chain's measured milliseconds per block, re-measured at most once a minute per client. */
  async blockTimeMs(client: PublicClient): Promise<number | undefined> {
    const cached = this.measured.get(client);
    if (cached && this.now() - cached.at < MEASURE_EVERY_MS) return cached.ms;
    const ms = await measureBlockTimeMs(client).catch(() => undefined);
    if (ms !== undefined) this.measured.set(client, { ms, at: this.now() });
    return ms;
  }
}
