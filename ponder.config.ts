import { createConfig } from "ponder";
import {
  bridgeMinterAbi,
  bridgeVaultAbi,
  lendingPoolAbi,
  priceFeedAbi,
  validatorSetAbi,
  wrappedTokenAbi,
} from "./contracts/generated/index.js";
import { contractChains, feedsOf, indexerChains, wrappedTokensOf } from "./indexer/config.js";
import { deploymentFilePath } from "./indexer/deployment.js";
import { readDeployment } from "./lib/deployments.js";

/**
 * The indexer follows every chain of one deployments file (DEPLOYMENT_FILE, default
 * deployments/devnet.json). RPC URLs come from the network catalogue (lib/networks.ts), so
 * <NETWORK>_RPC_URL points any chain elsewhere.
 *
 * Ordering is "omnichain": events of all chains are processed in one order by block timestamp. The supply
 * check compares state across chains (minted on remotes vs locked at home); with "multichain" each chain
 * runs ahead independently and a mint would routinely be checked before its lock was even fetched, so
 * the check would report false violations during every backfill.
 */
const deployment = readDeployment(deploymentFilePath());
const home = deployment.chains.find((c) => c.role === "home")!;

export default createConfig({
  ordering: "omnichain",
  database: process.env.DATABASE_URL
    ? { kind: "postgres", connectionString: process.env.DATABASE_URL }
    : { kind: "pglite", directory: process.env.INDEXER_PGLITE_DIR ?? ".ponder/pglite" },
  chains: indexerChains(deployment),
  contracts: {
    BridgeVault: {
      abi: bridgeVaultAbi,
      chain: contractChains(deployment, (c) => (c.role === "home" ? [c.bridge] : [])),
    },
    BridgeMinter: {
      abi: bridgeMinterAbi,
      chain: contractChains(deployment, (c) => (c.role === "remote" ? [c.bridge] : [])),
    },
    ValidatorSet: {
      abi: validatorSetAbi,
      chain: contractChains(deployment, (c) => [c.validatorSet]),
    },
    WrappedToken: {
      abi: wrappedTokenAbi,
      // Supply needs mints and burns only, but with an array of two Transfer filters (from = 0, to = 0)
      // Ponder 0.16.10 delivered the burns and none of the mints here; the handler skips the rest instead.
      chain: contractChains(deployment, wrappedTokensOf),
    },
    PriceFeed: {
      abi: priceFeedAbi,
      chain: contractChains(deployment, feedsOf),
    },
    LendingPool: {
      abi: lendingPoolAbi,
      chain: contractChains(deployment, (c) => c.lendingPools),
    },
  },
  blocks: {
    // Re-runs the supply check on the home chain even when no bridge event arrives, so a destination leg
    // whose source never shows up (a forged mint) is reported once its grace window has passed.
    SupplyCheck: {
      chain: home.network,
      startBlock: home.bridge.startBlock,
      interval: Number(process.env.INDEXER_SUPPLY_CHECK_INTERVAL_BLOCKS ?? 60),
    },
  },
});
