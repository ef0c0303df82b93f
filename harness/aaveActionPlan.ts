/**
 * How each AaveAction is carried out (test/helpers/aaveActions.ts applies them): the reads that pick the
 * account and amount, and the transaction to send. Liquidations: test/helpers/aaveLiquidation.ts.
 */
import type { Hash } from "viem";
import { aaveProtocolDataProviderAbi, aTokenAbi } from "../contracts/generated/index.js";
import type { AaveReserveHandle } from "../deploy/aave.js";
import type { AaveAction } from "./aaveActions.js";
import { type AaveFixture, accountData, STABLECOIN_EMODE } from "./aaveFixture.js";
import { planLiquidation } from "./aaveLiquidation.js";
import {
  borrowerCollateral,
  chooseUser,
  configurator,
  everyone,
  held,
  holdsAny,
  MAX_UINT,
  pick,
  pool,
  price,
  pricedReserves,
  provide,
  pushReservePrice,
  type Step,
} from "./aaveMarketReads.js";

export type { Step } from "./aaveMarketReads.js";

export async function plan(f: AaveFixture, action: AaveAction, hashes: Hash[]): Promise<Step> {
  const reserves = pricedReserves(f);
  switch (action.kind) {
    case "supply": {
      const user = pick(f.users, action.user);
      const reserve = pick(reserves, action.reserve);
      const p = await price(f, reserve);
      if (p === 0n) return { skip: "price is zero" };
      const amount = (BigInt(action.usd) * 10n ** 8n * 10n ** BigInt(reserve.decimals)) / p;
      if (amount === 0n) return { skip: "amount rounds to zero" };
      await provide(f, user, reserve.asset, amount, hashes);
      return {
        from: user,
        touched: [user.account.address],
        send: { ...pool(f), functionName: "supply", args: [reserve.asset, amount, user.account.address, 0] },
      };
    }
    case "borrow": {
      const user = await chooseUser(
        f,
        action.user,
        async (u) => (await accountData(f, u)).availableBorrowsBase > 0n,
      );
      const reserve = pick(reserves, action.reserve);
      const { availableBorrowsBase } = await accountData(f, user.account.address);
      const p = await price(f, reserve);
      const amount =
        (((availableBorrowsBase * BigInt(action.perMille)) / 1000n) * 10n ** BigInt(reserve.decimals)) /
        (p === 0n ? 1n : p);
      if (amount === 0n) return { skip: "nothing to borrow" };
      return {
        from: user,
        touched: [user.account.address],
        send: {
          ...pool(f),
          functionName: "borrow",
          args: [reserve.asset, amount, 2n, 0, user.account.address],
        },
      };
    }
    case "repay": {
      const user = await chooseUser(f, action.user, (u) =>
        holdsAny(f, reserves, u, (r) => r.variableDebtToken),
      );
      const position = await held(
        f,
        reserves,
        user.account.address,
        (r) => r.variableDebtToken,
        action.reserve,
      );
      if (!position) return { skip: "no debt" };
      const { reserve, amount: debt } = position;
      // Full repays use type(uint256).max, as wallets do; interest accrued until the block is covered by the 1% extra.
      const full = action.perMille >= 950;
      const amount = full ? MAX_UINT : (debt * BigInt(action.perMille)) / 1000n;
      if (amount === 0n) return { skip: "amount rounds to zero" };
      await provide(f, user, reserve.asset, full ? debt + debt / 100n + 1n : amount, hashes);
      return {
        from: user,
        touched: [user.account.address],
        send: { ...pool(f), functionName: "repay", args: [reserve.asset, amount, 2n, user.account.address] },
      };
    }
    case "withdraw": {
      const user = await chooseUser(f, action.user, (u) => holdsAny(f, reserves, u, (r) => r.aToken));
      const position = await held(f, reserves, user.account.address, (r) => r.aToken, action.reserve);
      if (!position) return { skip: "nothing supplied" };
      const { reserve, amount: supplied } = position;
      const amount = action.perMille >= 950 ? MAX_UINT : (supplied * BigInt(action.perMille)) / 1000n;
      if (amount === 0n) return { skip: "amount rounds to zero" };
      return {
        from: user,
        touched: [user.account.address],
        send: { ...pool(f), functionName: "withdraw", args: [reserve.asset, amount, user.account.address] },
      };
    }
    case "transfer": {
      const user = await chooseUser(f, action.user, (u) => holdsAny(f, reserves, u, (r) => r.aToken));
      const to = pick(f.users, action.to);
      const position = await held(f, reserves, user.account.address, (r) => r.aToken, action.reserve);
      if (!position) return { skip: "no aTokens to transfer" };
      const { reserve, amount: supplied } = position;
      const amount = (supplied * BigInt(action.perMille)) / 1000n;
      if (amount === 0n) return { skip: "no aTokens to transfer" };
      return {
        from: user,
        touched: [user.account.address, to.account.address],
        send: {
          address: reserve.aToken,
          abi: aTokenAbi,
          functionName: "transfer",
          args: [to.account.address, amount],
        },
      };
    }
    case "eMode": {
      const user = pick(f.users, action.user);
      const category = action.category === 1 ? STABLECOIN_EMODE.id : 0;
      return {
        from: user,
        touched: [user.account.address],
        send: { ...pool(f), functionName: "setUserEMode", args: [category] },
      };
    }
    case "collateral": {
      const user = await chooseUser(f, action.user, (u) => holdsAny(f, reserves, u, (r) => r.aToken));
      const position = await held(f, reserves, user.account.address, (r) => r.aToken, action.reserve);
      if (!position) return { skip: "nothing supplied" };
      const { reserve } = position;
      return {
        from: user,
        touched: [user.account.address],
        send: {
          ...pool(f),
          functionName: "setUserUseReserveAsCollateral",
          args: [reserve.asset, action.enabled],
        },
      };
    }
    case "riskParams":
      return planRiskParams(f, action, pick(reserves, action.reserve));
    case "reserveFactor": {
      const reserve = pick(reserves, action.reserve);
      return {
        from: f.deployer,
        touched: everyone(f),
        send: {
          ...configurator(f),
          functionName: "setReserveFactor",
          args: [reserve.asset, BigInt(action.bps)],
        },
      };
    }
    case "protocolFee": {
      const reserve = pick(reserves, action.reserve);
      return {
        from: f.deployer,
        touched: [],
        send: {
          ...configurator(f),
          functionName: "setLiquidationProtocolFee",
          args: [reserve.asset, BigInt(action.bps)],
        },
      };
    }
    case "price": {
      const reserve = action.onBorrowerCollateral
        ? await borrowerCollateral(f, reserves, action.reserve)
        : pick(reserves, action.reserve);
      const current = await price(f, reserve);
      const next = (current * BigInt(10_000 + action.changeBps)) / 10_000n;
      if (next <= 0n) return { skip: "price would not be positive" };
      await pushReservePrice(f, reserve, next);
      return { done: true, touched: everyone(f) };
    }
    case "time": {
      const latest = await f.publicClient.getBlock();
      // setNextBlockTimestamp works with and without a block interval (evm_increaseTime does not with one).
      await f.testClient.setNextBlockTimestamp({ timestamp: latest.timestamp + BigInt(action.seconds) });
      await f.testClient.mine({ blocks: 1 });
      return { done: true, touched: everyone(f) };
    }
    case "liquidate":
      return planLiquidation(f, action, reserves, hashes);
  }
}

/** New LTV/LT/bonus from the current ones, kept inside the PoolConfigurator's rules so most changes apply. */
async function planRiskParams(
  f: AaveFixture,
  action: Extract<AaveAction, { kind: "riskParams" }>,
  reserve: AaveReserveHandle,
): Promise<Step> {
  const data = await f.publicClient.readContract({
    address: f.market.dataProvider,
    abi: aaveProtocolDataProviderAbi,
    functionName: "getReserveConfigurationData",
    args: [reserve.asset],
  });
  const [, ltv0, lt0, bonus0] = data;
  // LT 0 is only allowed without suppliers; a listed, non-collateral reserve stays as it is.
  if (lt0 === 0n) return { skip: "reserve is not collateral" };
  const eModeCap =
    reserve.config.eModeCategory === STABLECOIN_EMODE.id ? STABLECOIN_EMODE.liquidationThreshold - 1 : 9800;
  const lt = clamp(Number(lt0) + action.ltDelta, 1000, eModeCap);
  const ltv = clamp(Number(ltv0) + action.ltvDelta, 0, lt);
  // bonus > 100% and LT * bonus <= 100%.
  const bonus = clamp(
    Number(bonus0) + action.bonusDelta,
    10_001,
    Math.min(12_500, Math.floor((10_000 * 10_000) / lt)),
  );
  if (bonus <= 10_000) return { skip: "no valid bonus for this threshold" };
  return {
    from: f.deployer,
    touched: everyone(f),
    send: {
      ...configurator(f),
      functionName: "configureReserveAsCollateral",
      args: [reserve.asset, BigInt(ltv), BigInt(lt), BigInt(bonus)],
    },
  };
}

const clamp = (value: number, min: number, max: number) => Math.max(min, Math.min(max, value));
