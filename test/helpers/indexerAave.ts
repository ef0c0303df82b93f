import { type Address, type Hash, maxUint256 } from "viem";
import { aavePoolAbi, testERC20Abi } from "../../contracts/generated/index.js";
import { pushPrice } from "../../deploy/aave.js";
import { confirm, type IndexerNet, type Wallet } from "./indexerFixture.js";

/** Actions on a remote chain's Aave v3 market (deploy/system.ts lists the wrapped tokens there). */
export function aaveOf(net: IndexerNet, chainId: number) {
  const chain = net.chains.find((c) => c.chainId === chainId)!;
  const entry = net.deployment.chains.find((c) => c.chainId === chainId)!;
  const market = entry.aaveMarkets[0]!;
  const pool = market.pool;
  const write = (wallet: Wallet, functionName: string, args: readonly unknown[]) =>
    confirm(
      chain,
      wallet.writeContract({ address: pool, abi: aavePoolAbi, functionName, args } as never) as Promise<Hash>,
    );
  const approve = (wallet: Wallet, asset: Address) =>
    confirm(
      chain,
      wallet.writeContract({
        address: asset,
        abi: testERC20Abi,
        functionName: "approve",
        args: [pool, maxUint256],
      }),
    );
  return {
    pool,
    market,
    chain,
    native: entry.tokens.find((t) => t.kind === "native")!,
    async faucet(wallet: Wallet, asset: Address, amount: bigint) {
      await confirm(
        chain,
        wallet.writeContract({
          address: asset,
          abi: testERC20Abi,
          functionName: "mint",
          args: [wallet.account.address, amount],
        }),
      );
    },
    async supply(wallet: Wallet, asset: Address, amount: bigint) {
      await approve(wallet, asset);
      await write(wallet, "supply", [asset, amount, wallet.account.address, 0]);
    },
    borrow: (wallet: Wallet, asset: Address, amount: bigint) =>
      write(wallet, "borrow", [asset, amount, 2n, 0, wallet.account.address]),
    async repay(wallet: Wallet, asset: Address, amount: bigint) {
      await approve(wallet, asset);
      await write(wallet, "repay", [asset, amount, 2n, wallet.account.address]);
    },
    withdraw: (wallet: Wallet, asset: Address, amount: bigint) =>
      write(wallet, "withdraw", [asset, amount, wallet.account.address]),
    async liquidate(
      wallet: Wallet,
      collateral: Address,
      debt: Address,
      user: Address,
      amount: bigint,
      receiveAToken: boolean,
    ) {
      await approve(wallet, debt);
      await write(wallet, "liquidationCall", [collateral, debt, user, amount, receiveAToken]);
    },
    /** A new round on the asset's aggregator (the deployer is every aggregator's oracle). */
    async setPrice(asset: Address, answer: bigint) {
      const source = market.priceSources.find((p) => p.asset.toLowerCase() === asset.toLowerCase())!;
      await pushPrice(
        { walletClient: chain.deployer, publicClient: chain.publicClient },
        source.aggregator,
        answer,
      );
    },
  };
}
