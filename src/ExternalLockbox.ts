import { ponder } from "ponder:registry";
import { externalCustody } from "ponder:schema";
import type { Hex } from "viem";
import { currentDeployment, key } from "../indexer/deployment.js";
import { externalBridgeEvents } from "../lib/deployments.js";

/**
 * Custody of external lock/mint bridges (deployments file `externalBridges`): each descriptor names its
 * lock and release events and which of their parameters carry the token and the amount. The handlers are
 * registered per event name, which only the deployments file knows, so Ponder's typed `ponder.on` is
 * bypassed for a plain (name, handler) signature.
 */
type ExternalEvent = {
  event: { args: Record<string, unknown>; log: { address: Hex } };
  context: { chain: { id: number }; db: Parameters<Parameters<typeof ponder.on>[1]>[0]["context"]["db"] };
};
const registry = ponder as unknown as {
  on(name: string, handler: (e: ExternalEvent) => Promise<void>): void;
};

const registered = new Set<string>();
for (const descriptor of currentDeployment().deployment.externalBridges) {
  const { lock, release } = externalBridgeEvents(descriptor);
  for (const event of [lock, release]) {
    if (registered.has(event.name)) continue;
    registered.add(event.name);
    registry.on(`ExternalLockbox:${event.name}`, async ({ event: log, context }) => {
      // One event name may serve several bridges (the ABI is shared); the emitting contract says which.
      const bridge = currentDeployment().externalBridgeByLock.get(key(context.chain.id, log.log.address));
      if (!bridge) return;
      const names = externalBridgeEvents(bridge);
      const direction = names.lock.name === event.name ? 1n : names.release.name === event.name ? -1n : 0n;
      if (direction === 0n) return;
      const token = String(log.args[bridge.events.tokenArg]).toLowerCase() as Hex;
      const amount = BigInt(log.args[bridge.events.amountArg] as bigint);
      const delta = direction * amount;
      await context.db
        .insert(externalCustody)
        .values({
          id: `${bridge.id}:${key(context.chain.id, token)}`,
          bridge: bridge.id,
          chainId: context.chain.id,
          lockContract: bridge.lockContract.toLowerCase() as Hex,
          token,
          locked: delta,
          locks: direction > 0n ? 1 : 0,
          releases: direction < 0n ? 1 : 0,
        })
        .onConflictDoUpdate((row) => ({
          locked: row.locked + delta,
          locks: row.locks + (direction > 0n ? 1 : 0),
          releases: row.releases + (direction < 0n ? 1 : 0),
        }));
    });
  }
}
