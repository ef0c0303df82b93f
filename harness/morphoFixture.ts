import type { Address, Hex } from "viem";
import { morphoAbi, testERC20Abi, testERC20Bytecode } from "../contracts/generated/index.js";
import { deployPriceSource, type PriceSource } from "../deploy/aave.js";
import {
  createMorphoMarket,
  deployMorphoBlue,
  deployMorphoOracle,
  type MorphoBlue,
  type MorphoMarketParams,
} from "../deploy/morpho.js";
import { deployedContract } from "../deploy/receipts.js";
import type { Clients } from "../deploy/system.js";
import { send } from "./aaveTx.js";
import { type LocalChain, startLocalChain, type Wallet } from "./localChain.js";

const MAX_UINT = 2n ** 256n - 1n;

/** One Morpho Blue market on its own anvil: WETH collateral, USDC loan, Chainlink-style feeds for both. */
export type MorphoFixture = LocalChain & {
  deployer: Wallet;
  clients: Clients;
  lender: Wallet;
  borrowers: Wallet[];
  liquidator: Wallet;
  feeRecipient: Address;
  blue: MorphoBlue;
  params: MorphoMarketParams;
  id: Hex;
  feeds: { collateral: PriceSource; loan: PriceSource };
  tokens: { collateral: Address; loan: Address };
};

export const MORPHO_FIXTURE_LLTV = 860_000_000_000_000_000n;
/** 10% of interest to the fee recipient, so accruals mint fee shares. */
export const MORPHO_FIXTURE_FEE = 100_000_000_000_000_000n;

async function deployToken(clients: Clients, name: string, symbol: string, decimals: number) {
  const hash = await clients.walletClient.deployContract({
    abi: testERC20Abi,
    bytecode: testERC20Bytecode,
    args: [name, symbol, decimals],
  });
  return (await deployedContract(clients.publicClient, hash, symbol)).address;
}

/**
 * Starts its own anvil, deploys Morpho Blue, the AdaptiveCurve IRM, WETH/USD and USDC/USD feeds (FluxAggregator
 * behind EACAggregatorProxy, 8 decimals) and the oracle over them, creates the market (LLTV 86%, fee 10%),
 * funds every wallet with both tokens (approved to Morpho) and has the lender supply `liquidity` USDC.
 */
export async function startMorphoFixture(liquidity = 1_000_000n * 10n ** 6n): Promise<MorphoFixture> {
  const local = await startLocalChain("morpho");
  try {
    const deployer = local.wallet(0);
    const clients: Clients = { walletClient: deployer, publicClient: local.publicClient };
    const collateral = await deployToken(clients, "Wrapped Ether", "WETH", 18);
    const loan = await deployToken(clients, "USD Coin", "USDC", 6);
    const feeds = {
      collateral: await deployPriceSource(clients, {
        description: "WETH / USD",
        initialAnswer: 2000_00000000n,
      }),
      loan: await deployPriceSource(clients, { description: "USDC / USD", initialAnswer: 1_00000000n }),
    };
    const blue = await deployMorphoBlue(clients);
    const oracle = await deployMorphoOracle(clients, {
      collateralFeed: feeds.collateral.proxy,
      loanFeed: feeds.loan.proxy,
      collateralDecimals: 18,
      loanDecimals: 6,
    });
    const params: MorphoMarketParams = {
      loanToken: loan,
      collateralToken: collateral,
      oracle,
      irm: blue.irm,
      lltv: MORPHO_FIXTURE_LLTV,
    };
    const id = await createMorphoMarket(clients, blue.morpho, params);
    const feeRecipient = local.wallet(7).account.address;
    await send(local, deployer, {
      address: blue.morpho,
      abi: morphoAbi,
      functionName: "setFeeRecipient",
      args: [feeRecipient],
    });
    await send(local, deployer, {
      address: blue.morpho,
      abi: morphoAbi,
      functionName: "setFee",
      args: [params, MORPHO_FIXTURE_FEE],
    });
    const lender = local.wallet(1);
    const borrowers = [local.wallet(2), local.wallet(3), local.wallet(4)];
    const liquidator = local.wallet(6);
    for (const wallet of [lender, ...borrowers, liquidator]) {
      for (const token of [collateral, loan]) {
        await send(local, deployer, {
          address: token,
          abi: testERC20Abi,
          functionName: "mint",
          args: [wallet.account.address, 10n ** 36n],
        });
        await send(local, wallet, {
          address: token,
          abi: testERC20Abi,
          functionName: "approve",
          args: [blue.morpho, MAX_UINT],
        });
      }
    }
    await send(local, lender, {
      address: blue.morpho,
      abi: morphoAbi,
      functionName: "supply",
      args: [params, liquidity, 0n, lender.account.address, "0x"],
    });
    return {
      ...local,
      deployer,
      clients,
      lender,
      borrowers,
      liquidator,
      feeRecipient,
      blue,
      params,
      id,
      feeds,
      tokens: { collateral, loan },
    };
  } catch (error) {
    await local.stop();
    throw error;
  }
}
