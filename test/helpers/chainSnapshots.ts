import type { ChainContext } from "./bridgeFixture.js";

/**
 * Snapshots `chains` one after another and returns the teardown that reverts them in the same order:
 * `beforeEach(() => snapshotChains([...]))` starts every test from the same state.
 */
export async function snapshotChains(chains: ChainContext[]): Promise<() => Promise<void>> {
  const ids: `0x${string}`[] = [];
  for (const chain of chains) ids.push(await chain.testClient.snapshot());
  return async () => {
    for (const [index, chain] of chains.entries()) await chain.testClient.revert({ id: ids[index]! });
  };
}
