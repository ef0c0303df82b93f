import type { Address } from "viem";
import type { AnvilInstance } from "../../devnet/anvil.js";
import type { devnetNetworks } from "../../lib/networks.js";

/** One anvil chain of the benchmark with its deployed bridge-event generator. */
export type BenchChain = {
  network: (typeof devnetNetworks)[number];
  anvil: AnvilInstance;
  generator: Address;
  startBlock: number;
};
