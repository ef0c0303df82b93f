import type { Account, Chain, PublicClient, Transport, WalletClient } from "viem";
import { testERC20Abi, testERC20Bytecode } from "../contracts/generated/index.js";
import { type DeployedContract, deployedContract } from "./receipts.js";

/**
 * Test tokens for the markets. The market itself is the real Aave v3 (deploy/aave.ts); the lookalike pool
 * and price feed that used to live here are gone.
 */

export type MarketClients = {
  walletClient: WalletClient<Transport, Chain, Account>;
  publicClient: PublicClient;
};

export type DeployTestTokenParameters = MarketClients & { name: string; symbol: string; decimals: number };

/**
 * Deploys a TestERC20 (public faucet `mint`).
 *
 * @example
 * const usdc = await deployTestToken({ walletClient, publicClient, name: "USD Coin", symbol: "USDC", decimals: 6 });
 */
export async function deployTestToken(parameters: DeployTestTokenParameters): Promise<DeployedContract> {
  const { walletClient, publicClient, name, symbol, decimals } = parameters;
  const hash = await walletClient.deployContract({
    abi: testERC20Abi,
    bytecode: testERC20Bytecode,
    args: [name, symbol, decimals],
  });
  return deployedContract(publicClient, hash, `TestERC20 ${symbol}`);
}
