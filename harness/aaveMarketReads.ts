/**
 * Reads and set-up shared by the Aave action planners (test/helpers/aaveActionPlan.ts,
 * aaveLiquidation.ts): which user or reserve an action lands on, balances, prices, funding.
 */
import type { Address, Hash } from "viem";
import {
  aavePoolAbi,
  aavePoolConfiguratorAbi,
  aTokenAbi,
  eacAggregatorProxyAbi,
  testERC20Abi,
} from "../contracts/generated/index.js";
import type { AaveReserveHandle } from "../deploy/aave.js";
import { pushPrice } from "../deploy/aave.js";
import type { AaveFixture } from "./aaveFixture.js";
import { send, type Wallet } from "./aaveTx.js";

export const MAX_UINT = 2n ** 256n - 1n;
export const WAD = 10n ** 18n;

export function pricedReserves(f: AaveFixture): AaveReserveHandle[] {
  return f.market.reserves.filter((r) => r.priceSource !== undefined);
}

export const pick = <T>(items: readonly T[], i: number): T => items[i % items.length]!;

export async function balance(f: AaveFixture, token: Address, owner: Address): Promise<bigint> {
  return f.publicClient.readContract({
    address: token,
    abi: aTokenAbi,
    functionName: "balanceOf",
    args: [owner],
  });
}

export async function price(f: AaveFixture, reserve: AaveReserveHandle): Promise<bigint> {
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
export async function held(
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
export async function chooseUser(
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

export async function holdsAny(
  f: AaveFixture,
  reserves: AaveReserveHandle[],
  owner: Address,
  token: (r: AaveReserveHandle) => Address,
): Promise<boolean> {
  const amounts = await Promise.all(reserves.map((r) => balance(f, token(r), owner)));
  return amounts.some((a) => a > 0n);
}

/** A collateral reserve of some user with debt (rotating from `start`); any reserve when nobody borrows. */
export async function borrowerCollateral(f: AaveFixture, reserves: AaveReserveHandle[], start: number) {
  const user = await chooseUser(f, start, (u) => holdsAny(f, reserves, u, (r) => r.variableDebtToken));
  const collateral = reserves.filter((r) => r.config.liquidationThreshold > 0);
  const position = await held(f, collateral, user.account.address, (r) => r.aToken, start);
  return position?.reserve ?? pick(reserves, start);
}

/** Mints `amount` to `wallet` and makes sure the Pool may pull it (reads the allowance: snapshots revert approvals). */
export async function provide(
  f: AaveFixture,
  wallet: Wallet,
  asset: Address,
  amount: bigint,
  hashes: Hash[],
) {
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

export const pool = (f: AaveFixture) => ({ address: f.market.pool, abi: aavePoolAbi }) as const;
export const configurator = (f: AaveFixture) =>
  ({ address: f.market.poolConfigurator, abi: aavePoolConfiguratorAbi }) as const;

export function everyone(f: AaveFixture): Address[] {
  return [...[f.lender, ...f.users, f.liquidator].map((w) => w.account.address), f.treasury];
}

/** A new round on the aggregator the reserve's proxy reads now (it may have been switched). */
export async function pushReservePrice(
  f: AaveFixture,
  reserve: AaveReserveHandle,
  answer: bigint,
): Promise<void> {
  const aggregator = await f.publicClient.readContract({
    address: reserve.priceSource!.proxy,
    abi: eacAggregatorProxyAbi,
    functionName: "aggregator",
  });
  await pushPrice(f.clients, aggregator, answer);
}
