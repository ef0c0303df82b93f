import type { Address, Hash } from "viem";
import type { AaveReserveHandle } from "../deploy/aave.js";
import type { AaveAction } from "./aaveActions.js";
import { type AaveFixture, accountData } from "./aaveFixture.js";
import {
  balance,
  chooseUser,
  everyone,
  holdsAny,
  MAX_UINT,
  pick,
  pool,
  price,
  provide,
  pushReservePrice,
  type Step,
  WAD,
} from "./aaveMarketReads.js";
import type { Wallet } from "./aaveTx.js";

/** At most this many price cuts (each to 70% of the last) to push a borrower under water. */
const MAX_CUTS = 8;

const underWater = async (f: AaveFixture, user: Address) => (await accountData(f, user)).healthFactor < WAD;

/**
 * A liquidation: of a position already under water when there is one; otherwise a price crash first, as
 * markets see it — one collateral of a borrower (not an asset it also borrows) falls in rounds until the
 * position is liquidatable. Random price walks alone put a position under water about once in a thousand
 * actions, too rarely for liquidations (protocol fee, receiveAToken, collateral and debt burns) to be
 * exercised in every run of the property test.
 */
export async function planLiquidation(
  f: AaveFixture,
  action: Extract<AaveAction, { kind: "liquidate" }>,
  reserves: AaveReserveHandle[],
  hashes: Hash[],
): Promise<Step> {
  let user = await chooseUser(f, action.user, (u) => underWater(f, u));
  let crashed = false;
  if (!(await underWater(f, user.account.address))) {
    user = await chooseUser(f, action.user, (u) => holdsAny(f, reserves, u, (r) => r.variableDebtToken));
    const crash = await crashCollateral(f, user, reserves, action.collateral);
    if ("skip" in crash) return crash;
    crashed = true;
  }
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
    // A price crash moved every account's collateral value.
    touched: crashed ? everyone(f) : [user.account.address, f.liquidator.account.address, f.treasury],
    send: {
      ...pool(f),
      functionName: "liquidationCall",
      args: [collateral.asset, debt.r.asset, user.account.address, toCover, action.receiveAToken],
    },
  };
}

/** Cuts the price of one of `user`'s collaterals (one it does not borrow) until the user is under water. */
async function crashCollateral(
  f: AaveFixture,
  user: Wallet,
  reserves: AaveReserveHandle[],
  start: number,
): Promise<{ done: true } | { skip: string }> {
  const owner = user.account.address;
  const holdings = await Promise.all(
    reserves.map(async (r) => ({
      r,
      collateral: await balance(f, r.aToken, owner),
      debt: await balance(f, r.variableDebtToken, owner),
    })),
  );
  if (!holdings.some((h) => h.debt > 0n)) return { skip: "nobody borrows: no position to liquidate" };
  const candidates = holdings.filter(
    (h) => h.collateral > 0n && h.debt === 0n && h.r.config.liquidationThreshold > 0 && h.r.priceSource,
  );
  if (candidates.length === 0) return { skip: "the borrower has no collateral it does not also borrow" };
  const target = pick(candidates, start).r;
  for (let cut = 0; cut < MAX_CUTS; cut++) {
    const next = ((await price(f, target)) * 7n) / 10n;
    if (next === 0n) break;
    await pushReservePrice(f, target, next);
    if (await underWater(f, owner)) return { done: true };
  }
  return { skip: `${target.symbol} fell ${MAX_CUTS} times and the position stayed above water` };
}
