import type { Hex } from "viem";
import type { BridgeNet } from "../bridgeNet.js";
import { readLedger } from "./ledger.js";

export type DeliveryWatch = {
  /** Wall-clock ms when a delivery of `id` was first seen, if it was. */
  deliveredAt(id: Hex): number | undefined;
  /** Waits for the first delivery seen at or after `since` (ms); its time, or undefined on timeout. */
  firstAfter(since: number, timeoutMs: number): Promise<number | undefined>;
  /** Deliveries seen so far. */
  count(): number;
  stop(): void;
};

/**
 * Follows deliveries (Minted on the remote, Released at home) as they land, reading the chains directly
 * once a second, and remembers when each was first seen: the soak's recovery times come from it. A
 * delivery later undone by a reorg keeps its time; the audit reads the final chain state on its own.
 */
export function watchDeliveries(net: BridgeNet, pollMs = 500): DeliveryWatch {
  const seen = new Map<Hex, number>();
  const times: number[] = [];
  let from: [bigint, bigint] = [0n, 0n];
  let stopped = false;
  const poll = async () => {
    while (!stopped) {
      try {
        const ledger = await readLedger(net, from);
        const now = Date.now();
        for (const d of [...ledger.mints, ...ledger.releases])
          if (!seen.has(d.id)) {
            seen.set(d.id, now);
            times.push(now);
          }
        // Re-read the last few blocks each time: a shallow reorg may replace them.
        from = [
          ledger.heads[0] > 4n ? ledger.heads[0] - 4n : 0n,
          ledger.heads[1] > 4n ? ledger.heads[1] - 4n : 0n,
        ];
      } catch {
        // A chain busy for a moment; the next poll catches up.
      }
      await new Promise((r) => setTimeout(r, pollMs));
    }
  };
  void poll();
  return {
    deliveredAt: (id) => seen.get(id),
    async firstAfter(since, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const t = times.find((x) => x >= since);
        if (t !== undefined) return t;
        if (Date.now() > deadline) return undefined;
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    count: () => seen.size,
    stop: () => {
      stopped = true;
    },
  };
}
