import { createConfig } from "ponder";
import {
  aaveOracleAbi,
  aavePoolAbi,
  aavePoolConfiguratorAbi,
  adaptiveCurveIrmAbi,
  aTokenAbi,
  bridgeMinterAbi,
  bridgeVaultAbi,
  fluxAggregatorAbi,
  morphoAbi,
  stableDebtTokenAbi,
  uniswapV3PoolAbi,
  validatorSetAbi,
  variableDebtTokenAbi,
  wrappedTokenAbi,
} from "./contracts/generated/index.js";
import {
  aaveContractChains,
  aaveTokenChains,
  aaveTokensAtStartChains,
  contractChains,
  externalBridgeAbi,
  externalLockChains,
  indexerChains,
  mintedTokenChains,
  morphoContractChains,
  priceChains,
  priceCheckChains,
  uniswapPoolChains,
} from "./indexer/config.js";
import { loadCurrentDeployment } from "./indexer/deployment.js";

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
// Watched Aave markets (named by address and start block) are discovered from the chain first.
const { deployment } = await loadCurrentDeployment();
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
      // Also the tokens external bridges mint: their supply is what those bridges issued.
      chain: mintedTokenChains(deployment),
    },
    // External lock/mint bridges' lock contracts, with the events their descriptors name (custody).
    ExternalLockbox: { abi: externalBridgeAbi(deployment), chain: externalLockChains(deployment) },
    AavePool: { abi: aavePoolAbi, chain: aaveContractChains(deployment, "pool") },
    AavePoolConfigurator: {
      abi: aavePoolConfiguratorAbi,
      chain: aaveContractChains(deployment, "poolConfigurator"),
    },
    AaveOracle: { abi: aaveOracleAbi, chain: aaveContractChains(deployment, "aaveOracle") },
    AToken: { abi: aTokenAbi, chain: aaveTokenChains(deployment, "aToken") },
    VariableDebtToken: { abi: variableDebtTokenAbi, chain: aaveTokenChains(deployment, "variableDebtToken") },
    StableDebtToken: { abi: stableDebtTokenAbi, chain: aaveTokenChains(deployment, "stableDebtToken") },
    // The same token kinds of reserves a watched market listed before its start block (same handlers).
    ATokenAtStart: { abi: aTokenAbi, chain: aaveTokensAtStartChains(deployment, "aToken") },
    VariableDebtTokenAtStart: {
      abi: variableDebtTokenAbi,
      chain: aaveTokensAtStartChains(deployment, "variableDebtToken"),
    },
    StableDebtTokenAtStart: {
      abi: stableDebtTokenAbi,
      chain: aaveTokensAtStartChains(deployment, "stableDebtToken"),
    },
    // Morpho Blue's singleton and its AdaptiveCurve IRM (the rate at target each accrual leaves).
    MorphoBlue: { abi: morphoAbi, chain: morphoContractChains(deployment, "address") },
    AdaptiveCurveIrm: {
      abi: adaptiveCurveIrmAbi,
      chain: morphoContractChains(deployment, "adaptiveCurveIrm"),
    },
    // The Uniswap v3 pools the cascade sells into (slot0, liquidity and ticks from their own events).
    UniswapV3Pool: { abi: uniswapV3PoolAbi, chain: uniswapPoolChains(deployment) },
    // AnswerUpdated from any address: no event announces an aggregator, and a proxy switches silently.
    // The handler keeps answers of aggregators a known source currently forwards to (one lookup by key).
    ChainlinkAggregator: { abi: fluxAggregatorAbi, chain: priceChains(deployment) },
  },
  blocks: {
    // Re-runs the supply check on the home chain even when no bridge event arrives, so a destination leg
    // whose source never shows up (a forged mint) is reported once its grace window has passed.
    SupplyCheck: {
      chain: home.network,
      startBlock: home.bridge.startBlock,
      interval: Number(process.env.INDEXER_SUPPLY_CHECK_INTERVAL_BLOCKS ?? 60),
    },
    // Re-reads every price source's aggregator(): a proxy switch emits no event (indexer/priceSources.ts).
    PriceSourceCheck: { chain: priceCheckChains(deployment) },
  },
});
