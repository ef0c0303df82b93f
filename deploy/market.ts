import type { Account, Address, Chain, Hash, PublicClient, Transport, WalletClient } from "viem";
import {
  lendingPoolAbi,
  lendingPoolBytecode,
  priceFeedAbi,
  priceFeedBytecode,
  testERC20Abi,
  testERC20Bytecode,
} from "../contracts/generated/index.js";
import { confirmDeployStep, type DeployedContract, deployedContract } from "./receipts.js";

/**
 * Deploys the market fixtures (test tokens, Chainlink-compatible price feeds, Aave-v3-compatible lending
 * pools) with viem clients. Nothing here knows about the devnet: the devnet and `bridge deploy --network X`
 * call these with their own clients. Every deploy returns the address and the block to index from.
 */

export type MarketClients = {
  walletClient: WalletClient<Transport, Chain, Account>;
  publicClient: PublicClient;
};

export type DeployedMarketContract = DeployedContract;

export type DeployTestTokenParameters = MarketClients & { name: string; symbol: string; decimals: number };

/**
 * Deploys a TestERC20 (public faucet `mint`).
 *
 * @example
 * const usdc = await deployTestToken({ walletClient, publicClient, name: "USD Coin", symbol: "USDC", decimals: 6 });
 */
export async function deployTestToken(
  parameters: DeployTestTokenParameters,
): Promise<DeployedMarketContract> {
  const { walletClient, publicClient, name, symbol, decimals } = parameters;
  const hash = await walletClient.deployContract({
    abi: testERC20Abi,
    bytecode: testERC20Bytecode,
    args: [name, symbol, decimals],
  });
  return deployedContract(publicClient, hash, `TestERC20 ${symbol}`);
}

export type DeployPriceFeedParameters = MarketClients & {
  /** e.g. "ETH / USD". */
  description: string;
  /** 8 decimals: 2000 USD is 2000_00000000n. */
  initialAnswer: bigint;
  /** Defaults to the deployer. */
  owner?: Address;
};

/**
 * Deploys a Chainlink-AggregatorV3-compatible PriceFeed (8 decimals) with its first round.
 *
 * @example
 * const feed = await deployPriceFeed({ walletClient, publicClient, description: "ETH / USD", initialAnswer: 2000_00000000n });
 */
export async function deployPriceFeed(
  parameters: DeployPriceFeedParameters,
): Promise<DeployedMarketContract> {
  const { walletClient, publicClient, description, initialAnswer } = parameters;
  const owner = parameters.owner ?? walletClient.account.address;
  const hash = await walletClient.deployContract({
    abi: priceFeedAbi,
    bytecode: priceFeedBytecode,
    args: [description, initialAnswer, owner],
  });
  return deployedContract(publicClient, hash, `PriceFeed ${description}`);
}

export type DeployLendingPoolParameters = MarketClients & {
  /** Who may list reserves. Defaults to the deployer (who must then call initReserve). */
  owner?: Address;
};

/**
 * Deploys an empty Aave-v3-compatible LendingPool; list assets with {@link initReserve}.
 *
 * @example
 * const pool = await deployLendingPool({ walletClient, publicClient });
 */
export async function deployLendingPool(
  parameters: DeployLendingPoolParameters,
): Promise<DeployedMarketContract> {
  const { walletClient, publicClient } = parameters;
  const hash = await walletClient.deployContract({
    abi: lendingPoolAbi,
    bytecode: lendingPoolBytecode,
    args: [parameters.owner ?? walletClient.account.address],
  });
  return deployedContract(publicClient, hash, "LendingPool");
}

export type InitReserveParameters = MarketClients & {
  pool: Address;
  asset: Address;
  priceFeed: Address;
  /** Basis points, e.g. 8000 = 80%. */
  ltvBps: number;
  /** Basis points, >= ltv, e.g. 8250. */
  liquidationThresholdBps: number;
  /** Aave's form: 10500 = liquidators receive 105% of the debt they repay (a 5% bonus). */
  liquidationBonusBps: number;
  decimals: number;
};

/**
 * Lists `asset` in `pool` (owner only); the pool emits `ReserveInitialized` and `CollateralConfigurationChanged`.
 *
 * @example
 * await initReserve({ walletClient, publicClient, pool, asset: weth, priceFeed: ethUsd, ltvBps: 8000,
 *   liquidationThresholdBps: 8250, liquidationBonusBps: 10500, decimals: 18 });
 */
export async function initReserve(
  parameters: InitReserveParameters,
): Promise<{ blockNumber: number; hash: Hash }> {
  const { walletClient, publicClient } = parameters;
  const hash = await walletClient.writeContract({
    address: parameters.pool,
    abi: lendingPoolAbi,
    functionName: "initReserve",
    args: [
      parameters.asset,
      parameters.priceFeed,
      parameters.ltvBps,
      parameters.liquidationThresholdBps,
      parameters.liquidationBonusBps,
      parameters.decimals,
    ],
  });
  const receipt = await confirmDeployStep(
    publicClient,
    hash,
    `initReserve ${parameters.asset} in ${parameters.pool}`,
  );
  return { blockNumber: Number(receipt.blockNumber), hash };
}
