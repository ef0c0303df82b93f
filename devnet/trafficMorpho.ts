/**
 * The Morpho Blue half of the devnet's demo liquidations (devnet/traffic.ts runs the loop): the price walk's
 * wWETH dip (devnet/trafficAave.ts) puts the borrowers seeded at health 1.035 under Morpho's LLTV too, and
 * the liquidator takes them as a keeper would: half the debt where the collateral covers it, all the
 * collateral (realising bad debt) where it does not.
 */

import type { Logger } from "pino";
import { type Address, maxUint256, parseEventLogs } from "viem";
import { chainlinkMorphoOracleAbi, morphoAbi, testERC20Abi } from "../contracts/generated/index.js";
import type { Clients } from "../deploy/system.js";
import { transact } from "../deploy/transact.js";
import type { MorphoDeployment } from "../lib/deployments.js";
import { morphoLiquidationIncentiveFactor, morphoPositionHealth } from "../lib/morpho/market.js";
import { mulDivDown, ORACLE_PRICE_SCALE, toAssetsDown, toAssetsUp, wMulDown } from "../lib/morpho/math.js";

export type MorphoLiquidation = {
  market: string;
  borrower: Address;
  repaidAssets: bigint;
  seizedAssets: bigint;
  badDebtAssets: bigint;
};

/**
 * Liquidates every watched borrower that Morpho would let a liquidator take now. The decision is Morpho's
 * own rule on the stored market (lib/morpho); the accrual the transaction adds can only lower health, so
 * a position found unhealthy here is unhealthy when the liquidation lands.
 */
export async function liquidateMorpho(
  morpho: MorphoDeployment,
  liquidator: Clients,
  borrowers: Address[],
  log: Logger,
): Promise<MorphoLiquidation[]> {
  const done: MorphoLiquidation[] = [];
  for (const m of morpho.markets) {
    const params = {
      loanToken: m.loanToken,
      collateralToken: m.collateralToken,
      oracle: m.oracle,
      irm: m.irm,
      lltv: BigInt(m.lltv),
    };
    const [totals, price] = await Promise.all([
      liquidator.publicClient.readContract({
        address: morpho.address,
        abi: morphoAbi,
        functionName: "market",
        args: [m.id],
      }),
      liquidator.publicClient.readContract({
        address: m.oracle,
        abi: chainlinkMorphoOracleAbi,
        functionName: "price",
      }),
    ]);
    const [totalSupplyAssets, totalSupplyShares, totalBorrowAssets, totalBorrowShares, lastUpdate, fee] =
      totals;
    const market = {
      totalSupplyAssets,
      totalSupplyShares,
      totalBorrowAssets,
      totalBorrowShares,
      lastUpdate,
      fee,
    };
    for (const borrower of borrowers) {
      const [, borrowShares, collateral] = await liquidator.publicClient.readContract({
        address: morpho.address,
        abi: morphoAbi,
        functionName: "position",
        args: [m.id, borrower],
      });
      if (borrowShares === 0n) continue;
      if (morphoPositionHealth({ borrowShares, collateral }, market, price, params.lltv).healthy) continue;
      // Seize what repaying half the debt pays for; when that is more than the collateral (the position
      // is under water), seize all of it and let Morpho write off the rest as bad debt.
      const half = toAssetsDown(borrowShares / 2n, totalBorrowAssets, totalBorrowShares);
      const forHalf = mulDivDown(
        wMulDown(half, morphoLiquidationIncentiveFactor(params.lltv)),
        ORACLE_PRICE_SCALE,
        price,
      );
      const seized = forHalf < collateral ? forHalf : collateral;
      if (seized === 0n) continue;
      // The liquidator repays in the loan token (the devnet's DAI is a faucet token): enough for the whole debt.
      const debt = toAssetsUp(borrowShares, totalBorrowAssets, totalBorrowShares);
      await transact(
        liquidator,
        {
          address: m.loanToken,
          abi: testERC20Abi,
          functionName: "mint",
          args: [liquidator.walletClient.account.address, debt * 2n],
        },
        "mint loan token",
      );
      await transact(
        liquidator,
        {
          address: m.loanToken,
          abi: testERC20Abi,
          functionName: "approve",
          args: [morpho.address, maxUint256],
        },
        "approve loan token",
      );
      const receipt = await transact(
        liquidator,
        {
          address: morpho.address,
          abi: morphoAbi,
          functionName: "liquidate",
          args: [params, borrower, seized, 0n, "0x"],
        },
        "Morpho liquidate",
      );
      const [event] = parseEventLogs({ abi: morphoAbi, logs: receipt.logs, eventName: "Liquidate" });
      const result = {
        market: m.name ?? m.id,
        borrower,
        repaidAssets: event?.args.repaidAssets ?? 0n,
        seizedAssets: event?.args.seizedAssets ?? seized,
        badDebtAssets: event?.args.badDebtAssets ?? 0n,
      };
      log.info(
        {
          protocol: morpho.protocol,
          market: result.market,
          borrower,
          repaid: result.repaidAssets.toString(),
          seized: result.seizedAssets.toString(),
          badDebt: result.badDebtAssets.toString(),
          tx: receipt.transactionHash,
        },
        "Morpho liquidation",
      );
      done.push(result);
    }
  }
  return done;
}
