/**
 * How each AaveAction is carried out (test/helpers/aaveActions.ts applies them): the reads that pick the
 * account and amount, and the transaction to send.
 */
import type { Address, Hash } from "viem";
import {
  aavePoolAbi,
  aavePoolConfiguratorAbi,
  aaveProtocolDataProviderAbi,
  aTokenAbi,
  eacAggregatorProxyAbi,
  testERC20Abi,
} from "../../contracts/generated/index.js";
import type { AaveReserveHandle } from "../../deploy/aave.js";
import { pushPrice } from "../../deploy/aave.js";
import { type AaveFixture, accountData, STABLECOIN_EMODE } from "../../harness/aaveFixture.js";
import { send, type Wallet } from "../../harness/aaveTx.js";
import type { AaveAction } from "./aaveActions.js";

const MAX_UINT = 2n ** 256n - 1n;
const WAD = 10n ** 18n;

function pricedReserves(f: AaveFixture): AaveReserveHandle[] {
  return f.market.reserves.filter((r) => r.priceSource !== undefined);
}

const pick = <T>(items: readonly T[], i: number): T => items[i % items.length]!;

async function balance(f: AaveFixture, token: Address, owner: Address): Promise<bigint> {
  return f.publicClient.readContract({
    address: token,
    abi: aTokenAbi,
    functionName: "balanceOf",
    args: [owner],
  });
}

async function price(f: AaveFixture, reserve: AaveReserveHandle): Promise<bigint> {
  return f.publicClient.readContract({
    address: f.market.aaveOracle,
    abi: [
      {
        type: "function",
        name: "getAssetPrice",
        stateMutability: "view",
        inputs: [{ name: "asset", type: "address" }],
        outputs: [{ name: "", type: "uint256" }],
      },
    ] as const,
    functionName: "getAssetPrice",
    args: [reserve.asset],
  });
}

/**
 * The `i`-th reserve (modulo) among those where `owner` holds a nonzero balance of `token(reserve)`, so
 * repay/withdraw/transfer actions hit real positions instead of being skipped most of the time.
 */
async function held(
  f: AaveFixture,
  reserves: AaveReserveHandle[],
  owner: Address,
  token: (r: AaveReserveHandle) => Address,
  i: number,
): Promise<{ reserve: AaveReserveHandle; amount: bigint } | undefined> {
  const amounts = await Promise.all(reserves.map((r) => balance(f, token(r), owner)));
  const nonzero = reserves.flatMap((reserve, k) =>
    amounts[k]! > 0n ? [{ reserve, amount: amounts[k]! }] : [],
  );
  return nonzero.length === 0 ? undefined : pick(nonzero, i);
}

/**
 * The first user, rotating from index `start`, for whom `eligible` holds (or the one at `start` when none
 * is): actions then mostly hit accounts where they can do something, and still shrink by index.
 */
async function chooseUser(
  f: AaveFixture,
  start: number,
  eligible: (user: Address) => Promise<boolean>,
): Promise<Wallet> {
  for (let k = 0; k < f.users.length; k++) {
    const user = pick(f.users, start + k);
    if (await eligible(user.account.address)) return user;
  }
  return pick(f.users, start);
}

async function holdsAny(
  f: AaveFixture,
  reserves: AaveReserveHandle[],
  owner: Address,
  token: (r: AaveReserveHandle) => Address,
): Promise<boolean> {
  const amounts = await Promise.all(reserves.map((r) => balance(f, token(r), owner)));
  return amounts.some((a) => a > 0n);
}

/** A collateral reserve of some user with debt (rotating from `start`); any reserve when nobody borrows. */
async function borrowerCollateral(f: AaveFixture, reserves: AaveReserveHandle[], start: number) {
  const user = await chooseUser(f, start, (u) => holdsAny(f, reserves, u, (r) => r.variableDebtToken));
  const collateral = reserves.filter((r) => r.config.liquidationThreshold > 0);
  const position = await held(f, collateral, user.account.address, (r) => r.aToken, start);
  return position?.reserve ?? pick(reserves, start);
}

/** Mints `amount` to `wallet` and makes sure the Pool may pull it (reads the allowance: snapshots revert approvals). */
async function provide(f: AaveFixture, wallet: Wallet, asset: Address, amount: bigint, hashes: Hash[]) {
  const mint = await send(f, f.deployer, {
    address: asset,
    abi: testERC20Abi,
    functionName: "mint",
    args: [wallet.account.address, amount],
  });
  hashes.push(mint.transactionHash);
  const allowance = await f.publicClient.readContract({
    address: asset,
    abi: testERC20Abi,
    functionName: "allowance",
    args: [wallet.account.address, f.market.pool],
  });
  if (allowance < amount) {
    const approve = await send(f, wallet, {
      address: asset,
      abi: testERC20Abi,
      functionName: "approve",
      args: [f.market.pool, MAX_UINT],
    });
    hashes.push(approve.transactionHash);
  }
}

export type Step =
  | { skip: string }
  | { send: Parameters<typeof send>[2]; from: Wallet; touched: Address[] }
  /** Already carried out during planning (price rounds, time jumps). */
  | { done: true; touched: Address[] };

const pool = (f: AaveFixture) => ({ address: f.market.pool, abi: aavePoolAbi }) as const;
const configurator = (f: AaveFixture) =>
  ({ address: f.market.poolConfigurator, abi: aavePoolConfiguratorAbi }) as const;

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
      const source = reserve.priceSource!;
      // The proxy may have been switched to another aggregator: submit to the one it reads now.
      const aggregator = await f.publicClient.readContract({
        address: source.proxy,
        abi: eacAggregatorProxyAbi,
        functionName: "aggregator",
      });
      const current = await price(f, reserve);
      const next = (current * BigInt(10_000 + action.changeBps)) / 10_000n;
      if (next <= 0n) return { skip: "price would not be positive" };
      await pushPrice(f.clients, aggregator, next);
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

function everyone(f: AaveFixture): Address[] {
  return [...[f.lender, ...f.users, f.liquidator].map((w) => w.account.address), f.treasury];
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

async function planLiquidation(
  f: AaveFixture,
  action: Extract<AaveAction, { kind: "liquidate" }>,
  reserves: AaveReserveHandle[],
  hashes: Hash[],
): Promise<Step> {
  const user = await chooseUser(f, action.user, async (u) => (await accountData(f, u)).healthFactor < WAD);
  const { healthFactor } = await accountData(f, user.account.address);
  if (healthFactor >= WAD) return { skip: "position is not liquidatable" };
  const balances = await Promise.all(
    reserves.map(async (r) => ({
      r,
      collateral: await balance(f, r.aToken, user.account.address),
      debt: await balance(f, r.variableDebtToken, user.account.address),
    })),
  );
  const collaterals = balances.filter((b) => b.collateral > 0n && b.r.config.liquidationThreshold > 0);
  const debts = balances.filter((b) => b.debt > 0n);
  if (collaterals.length === 0 || debts.length === 0)
    return { skip: "no collateral or no debt to liquidate" };
  const collateral = pick(collaterals, action.collateral).r;
  const debt = pick(debts, action.debt);
  // Ask for up to the whole debt: the Pool caps it at the close factor and the available collateral.
  const toCover = action.perMille >= 950 ? MAX_UINT : (debt.debt * BigInt(action.perMille)) / 1000n + 1n;
  await provide(f, f.liquidator, debt.r.asset, debt.debt + debt.debt / 100n + 1n, hashes);
  return {
    from: f.liquidator,
    touched: [user.account.address, f.liquidator.account.address, f.treasury],
    send: {
      ...pool(f),
      functionName: "liquidationCall",
      args: [collateral.asset, debt.r.asset, user.account.address, toCover, action.receiveAToken],
    },
  };
}
