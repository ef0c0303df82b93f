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

// Per lock contract, its bridge and its lock/release event names, parsed once (not on every event).
const lockContracts = new Map(
  currentDeployment().deployment.externalBridges.map((bridge) => {
    const { lock, release } = externalBridgeEvents(bridge);
    return [key(bridge.homeChainId, bridge.lockContract), { bridge, lock: lock.name, release: release.name }];
  }),
);

for (const name of new Set([...lockContracts.values()].flatMap((c) => [c.lock, c.release]))) {
  registry.on(`ExternalLockbox:${name}`, async ({ event: log, context }) => {
    // One event name may serve several bridges (the ABI is shared); the emitting contract says which.
    const known = lockContracts.get(key(context.chain.id, log.log.address));
    if (!known) return;
    const direction = known.lock === name ? 1n : known.release === name ? -1n : 0n;
    if (direction === 0n) return;
    const { bridge } = known;
    const token = String(log.args[bridge.events.tokenArg]).toLowerCase() as Hex;
    const delta = direction * BigInt(log.args[bridge.events.amountArg] as bigint);
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
