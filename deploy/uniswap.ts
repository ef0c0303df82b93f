import type { Address } from "viem";
import {
  nonfungiblePositionManagerAbi,
  nonfungiblePositionManagerBytecode,
  quoterV2Abi,
  quoterV2Bytecode,
  swapRouterAbi,
  swapRouterBytecode,
  testERC20Abi,
  uniswapV3FactoryAbi,
  uniswapV3FactoryBytecode,
} from "../contracts/generated/index.js";
import type { UniswapDeployment, UniswapPoolDeployment } from "../lib/deployments.js";
import { getSqrtRatioAtTick } from "../lib/uniswap/tickMath.js";
import { DeployError, deployedContract } from "./receipts.js";
import type { Clients } from "./system.js";
import { transact } from "./transact.js";

/**
 * Uniswap v3 from its published artifacts: the factory, the position manager that mints liquidity
 * ranges, QuoterV2 and SwapRouter. Pools are created and seeded through the position manager, as users
 * do. The cascade sells seized collateral through these pools' tick liquidity (lib/uniswap).
 */
export type UniswapV3 = {
  factory: Address;
  positionManager: Address;
  quoter: Address;
  router: Address;
  startBlock: number;
};

/** Fee tiers the factory enables at deployment, with their tick spacing. */
export const UNISWAP_TICK_SPACING: Record<number, number> = { 500: 10, 3000: 60, 10000: 200 };

const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";
const MAX_UINT = 2n ** 256n - 1n;

/**
 * Deploys the factory and the periphery. `weth9` is only used by the periphery to wrap and unwrap ETH,
 * which nothing here does; the position manager's token descriptor (tokenURI only) is left unset.
 */
export async function deployUniswapV3(clients: Clients, weth9: Address): Promise<UniswapV3> {
  const deploy = async (what: string, parameters: Parameters<Clients["walletClient"]["deployContract"]>[0]) =>
    deployedContract(
      clients.publicClient,
      await clients.walletClient.deployContract(parameters as never),
      what,
    );
  const factory = await deploy("UniswapV3Factory", {
    abi: uniswapV3FactoryAbi,
    bytecode: uniswapV3FactoryBytecode,
  } as never);
  const positionManager = await deploy("NonfungiblePositionManager", {
    abi: nonfungiblePositionManagerAbi,
    bytecode: nonfungiblePositionManagerBytecode,
    args: [factory.address, weth9, ZERO_ADDRESS],
  } as never);
  const quoter = await deploy("QuoterV2", {
    abi: quoterV2Abi,
    bytecode: quoterV2Bytecode,
    args: [factory.address, weth9],
  } as never);
  const router = await deploy("SwapRouter", {
    abi: swapRouterAbi,
    bytecode: swapRouterBytecode,
    args: [factory.address, weth9],
  } as never);
  return {
    factory: factory.address,
    positionManager: positionManager.address,
    quoter: quoter.address,
    router: router.address,
    startBlock: factory.startBlock,
  };
}

/** The pair in the pool's order (token0 < token1). */
export function sortTokens(a: Address, b: Address): [Address, Address] {
  return BigInt(a) < BigInt(b) ? [a, b] : [b, a];
}

/** Creates and initializes the pool at `sqrtPriceX96` (token1 per token0, Q64.96). Returns its address. */
export async function createUniswapPool(
  clients: Clients,
  uniswap: UniswapV3,
  tokens: [Address, Address],
  fee: number,
  sqrtPriceX96: bigint,
): Promise<Address> {
  if (UNISWAP_TICK_SPACING[fee] === undefined) throw new DeployError(`Uniswap v3 has no fee tier ${fee}`);
  const [token0, token1] = sortTokens(...tokens);
  await transact(
    clients,
    {
      address: uniswap.positionManager,
      abi: nonfungiblePositionManagerAbi,
      functionName: "createAndInitializePoolIfNecessary",
      args: [token0, token1, fee, sqrtPriceX96],
    },
    `Uniswap: create pool ${token0}/${token1} ${fee}`,
  );
  return clients.publicClient.readContract({
    address: uniswap.factory,
    abi: uniswapV3FactoryAbi,
    functionName: "getPool",
    args: [token0, token1, fee],
  });
}

export type LiquidityRange = { tickLower: number; tickUpper: number; amount0: bigint; amount1: bigint };

/**
 * Mints a position (the deployer's tokens, approved to the position manager here) in `range`. The
 * position manager takes what the price allows of each desired amount.
 */
export async function addUniswapLiquidity(
  clients: Clients,
  uniswap: UniswapV3,
  tokens: [Address, Address],
  fee: number,
  range: LiquidityRange,
): Promise<void> {
  const [token0, token1] = sortTokens(...tokens);
  const owner = clients.walletClient.account.address;
  for (const token of [token0, token1]) {
    await transact(
      clients,
      {
        address: token,
        abi: testERC20Abi,
        functionName: "approve",
        args: [uniswap.positionManager, MAX_UINT],
      },
      `approve ${token} to the position manager`,
    );
  }
  const block = await clients.publicClient.getBlock();
  await transact(
    clients,
    {
      address: uniswap.positionManager,
      abi: nonfungiblePositionManagerAbi,
      functionName: "mint",
      args: [
        {
          token0,
          token1,
          fee,
          tickLower: range.tickLower,
          tickUpper: range.tickUpper,
          amount0Desired: range.amount0,
          amount1Desired: range.amount1,
          amount0Min: 0n,
          amount1Min: 0n,
          recipient: owner,
          deadline: block.timestamp + 3600n,
        },
      ],
    },
    `Uniswap: mint [${range.tickLower}, ${range.tickUpper}]`,
  );
}

/** The tick (aligned down to `spacing`) nearest a price of token1 per token0 in base units. */
export function tickAtPrice(token1PerToken0: number, spacing: number): number {
  const tick = Math.round(Math.log(token1PerToken0) / Math.log(1.0001));
  return Math.floor(tick / spacing) * spacing;
}

/** A pool to create: `asset` against `quote`, opened at their USD price ratio. */
export type UniswapPoolPlan = {
  asset: { address: Address; decimals: number; priceUsd: number };
  quote: { address: Address; decimals: number; priceUsd: number };
  fee: number;
};

/**
 * Deploys Uniswap v3 and creates (and initializes) one pool per plan at the assets' USD price ratio,
 * aligned to a tick. Liquidity is added later by whoever holds the tokens (devnet/seed.ts). Returns the
 * deployments file's `uniswap` entry.
 */
export async function deployUniswapPools(
  clients: Clients,
  weth9: Address,
  plans: readonly UniswapPoolPlan[],
): Promise<UniswapDeployment> {
  const uniswap = await deployUniswapV3(clients, weth9);
  const pools: UniswapPoolDeployment[] = [];
  for (const plan of plans) {
    const spacing = UNISWAP_TICK_SPACING[plan.fee];
    if (spacing === undefined) throw new DeployError(`Uniswap v3 has no fee tier ${plan.fee}`);
    const [token0, token1] = sortTokens(plan.asset.address, plan.quote.address);
    // Quote base units per asset base unit; the pool's price is token1 per token0.
    const quotePerAsset =
      (plan.asset.priceUsd / plan.quote.priceUsd) * 10 ** (plan.quote.decimals - plan.asset.decimals);
    const price = token0 === plan.asset.address ? quotePerAsset : 1 / quotePerAsset;
    const address = await createUniswapPool(
      clients,
      uniswap,
      [token0, token1],
      plan.fee,
      getSqrtRatioAtTick(tickAtPrice(price, spacing)),
    );
    pools.push({
      address,
      token0,
      token1,
      fee: plan.fee as UniswapPoolDeployment["fee"],
      tickSpacing: spacing,
      startBlock: uniswap.startBlock,
    });
  }
  return {
    factory: uniswap.factory,
    quoter: uniswap.quoter,
    router: uniswap.router,
    positionManager: uniswap.positionManager,
    pools,
  };
}
