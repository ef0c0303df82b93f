import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import fc from "fast-check";
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
import { type AaveFixture, accountData, STABLECOIN_EMODE } from "./aaveFixture.js";
import { revertReason, send, type Wallet } from "./aaveTx.js";

/**
 * Random action sequences against the real Aave v3 Pool, for property tests: each action is either
 * applied (one or more transactions, automined) or skipped with a reason, never a test failure by itself.
 * Indexes in actions (user, reserve) are taken modulo what the fixture has, so the arbitrary does not
 * depend on the fixture and shrinks well. Only reserves with a price source take part.
 */

const MAX_UINT = 2n ** 256n - 1n;
const WAD = 10n ** 18n;

/** Fractions are per mille (1..1000) so they shrink toward small, integral values. */
export type AaveAction =
  | { kind: "supply"; user: number; reserve: number; usd: number }
  | { kind: "borrow"; user: number; reserve: number; perMille: number }
  | { kind: "repay"; user: number; reserve: number; perMille: number }
  | { kind: "withdraw"; user: number; reserve: number; perMille: number }
  | { kind: "transfer"; user: number; to: number; reserve: number; perMille: number }
  | { kind: "eMode"; user: number; category: 0 | 1 }
  | { kind: "collateral"; user: number; reserve: number; enabled: boolean }
  | { kind: "riskParams"; reserve: number; ltvDelta: number; ltDelta: number; bonusDelta: number }
  | { kind: "reserveFactor"; reserve: number; bps: number }
  | { kind: "protocolFee"; reserve: number; bps: number }
  /**
   * A new round on the reserve's aggregator. `onBorrowerCollateral`: the reserve is instead a collateral of
   * a user who has debt (rotating from `reserve`), so shocks reach positions that can become liquidatable.
   */
  | { kind: "price"; reserve: number; changeBps: number; onBorrowerCollateral: boolean }
  | { kind: "time"; seconds: number }
  | {
      kind: "liquidate";
      user: number;
      collateral: number;
      debt: number;
      perMille: number;
      receiveAToken: boolean;
    };

export type AaveActionOutcome = {
  action: AaveAction;
  status: "applied" | "skipped";
  /** Why it was skipped: a precondition, or the Pool's revert reason (Aave v3.0 codes named). */
  reason?: string;
  /** Accounts whose Pool positions may have changed (checkpoint these). */
  touched: Address[];
  hashes: Hash[];
};

const index = fc.integer({ min: 0, max: 15 });
const perMille = fc.integer({ min: 1, max: 1000 });

/** A fast-check arbitrary for one action; weights favour position changes over admin changes. */
export function aaveActionArbitrary(): fc.Arbitrary<AaveAction> {
  return fc.oneof(
    {
      weight: 5,
      arbitrary: fc.record({
        kind: fc.constant("supply" as const),
        user: index,
        reserve: index,
        usd: fc.integer({ min: 10, max: 200_000 }),
      }),
    },
    {
      weight: 4,
      // Mostly near the limit, so price moves and time make positions liquidatable within 25 steps.
      arbitrary: fc.record({
        kind: fc.constant("borrow" as const),
        user: index,
        reserve: index,
        perMille: fc.oneof(perMille, fc.integer({ min: 850, max: 1000 })),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({ kind: fc.constant("repay" as const), user: index, reserve: index, perMille }),
    },
    {
      weight: 2,
      arbitrary: fc.record({ kind: fc.constant("withdraw" as const), user: index, reserve: index, perMille }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant("transfer" as const),
        user: index,
        to: index,
        reserve: index,
        perMille,
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant("eMode" as const),
        user: index,
        category: fc.constantFrom(0 as const, 1 as const),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant("collateral" as const),
        user: index,
        reserve: index,
        enabled: fc.boolean(),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant("riskParams" as const),
        reserve: index,
        ltvDelta: fc.integer({ min: -1500, max: 500 }),
        ltDelta: fc.integer({ min: -1500, max: 500 }),
        bonusDelta: fc.integer({ min: -300, max: 300 }),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant("reserveFactor" as const),
        reserve: index,
        bps: fc.integer({ min: 0, max: 5000 }),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant("protocolFee" as const),
        reserve: index,
        bps: fc.integer({ min: 0, max: 5000 }),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant("price" as const),
        reserve: index,
        changeBps: fc.oneof(fc.integer({ min: -1500, max: 1500 }), fc.integer({ min: -5000, max: 3000 })),
        onBorrowerCollateral: fc.boolean(),
      }),
    },
    // Hours to months.
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant("time" as const),
        seconds: fc.integer({ min: 3600, max: 120 * 86_400 }),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant("liquidate" as const),
        user: index,
        collateral: index,
        debt: index,
        perMille,
        receiveAToken: fc.boolean(),
      }),
    },
  );
}

/** `steps` actions, e.g. 25 for the property test in `npm test`. */
export function aaveActionSequenceArbitrary(steps = 25): fc.Arbitrary<AaveAction[]> {
  return fc.array(aaveActionArbitrary(), { minLength: steps, maxLength: steps });
}

const aaveErrors = loadAaveErrorNames();

/** Aave v3.0 reverts with numeric strings ("35"); name them from the package's own Errors.sol. */
function loadAaveErrorNames(): Map<string, string> {
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve("@aave/core-v3/package.json"));
  const source = readFileSync(join(root, "contracts/protocol/libraries/helpers/Errors.sol"), "utf8");
  const names = new Map<string, string>();
  for (const match of source.matchAll(/constant\s+([A-Z0-9_]+)\s*=\s*'(\d+)'/g))
    names.set(match[2]!, match[1]!);
  return names;
}

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

type Step =
  | { skip: string }
  | { send: Parameters<typeof send>[2]; from: Wallet; touched: Address[] }
  /** Already carried out during planning (price rounds, time jumps). */
  | { done: true; touched: Address[] };

/**
 * Applies one action. Preconditions that a read can decide are checked first; anything else the Pool
 * rejects (caps, health factor, eMode rules...) comes back as "skipped" with Aave's reason.
 */
export async function applyAaveAction(f: AaveFixture, action: AaveAction): Promise<AaveActionOutcome> {
  const hashes: Hash[] = [];
  let step: Step;
  try {
    step = await plan(f, action, hashes);
  } catch (error) {
    const reason = revertReason(error);
    if (reason === undefined) throw error;
    return {
      action,
      status: "skipped",
      reason: `setup reverted: ${aaveErrors.get(reason) ?? reason}`,
      touched: [],
      hashes,
    };
  }
  if ("skip" in step) return { action, status: "skipped", reason: step.skip, touched: [], hashes };
  if ("done" in step) return { action, status: "applied", touched: step.touched, hashes };
  try {
    const receipt = await send(f, step.from, step.send);
    hashes.push(receipt.transactionHash);
    return { action, status: "applied", touched: step.touched, hashes };
  } catch (error) {
    const reason = revertReason(error);
    if (reason === undefined) throw error;
    return { action, status: "skipped", reason: aaveErrors.get(reason) ?? reason, touched: [], hashes };
  }
}

const pool = (f: AaveFixture) => ({ address: f.market.pool, abi: aavePoolAbi }) as const;
const configurator = (f: AaveFixture) =>
  ({ address: f.market.poolConfigurator, abi: aavePoolConfiguratorAbi }) as const;

async function plan(f: AaveFixture, action: AaveAction, hashes: Hash[]): Promise<Step> {
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

/** Applies a sequence; returns every outcome (for logs and for checking that enough happened). */
export async function applyAaveActions(
  f: AaveFixture,
  actions: readonly AaveAction[],
): Promise<AaveActionOutcome[]> {
  const outcomes: AaveActionOutcome[] = [];
  for (const action of actions) outcomes.push(await applyAaveAction(f, action));
  return outcomes;
}
