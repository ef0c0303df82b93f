import fc from "fast-check";
import { type Address, type Hash, type Hex, parseEventLogs } from "viem";
import {
  adaptiveCurveIrmAbi,
  chainlinkMorphoOracleAbi,
  eacAggregatorProxyAbi,
  morphoAbi,
} from "../contracts/generated/index.js";
import { pushPrice } from "../deploy/aave.js";
import type { MorphoMarketParams } from "../deploy/morpho.js";
import {
  accrueMorphoInterest,
  type MorphoMarketState,
  morphoLiquidationIncentiveFactor,
  morphoPositionHealth,
} from "../lib/morpho/market.js";
import { mulDivDown, ORACLE_PRICE_SCALE, toAssetsDown, wMulDown } from "../lib/morpho/math.js";
import { revertReason, send } from "./aaveTx.js";
import type { Wallet } from "./localChain.js";
import type { MorphoFixture } from "./morphoFixture.js";

/**
 * Random action sequences against the real Morpho Blue, for the indexer's property test
 * (test/indexer/morpho.properties.test.ts): each action is applied (one or more automined transactions)
 * or skipped when Morpho refuses it by one of its own rules, never a test failure by itself. Indexes
 * (user, market) are taken modulo what the rig has, so the arbitrary does not depend on it.
 */

/** Fractions are per mille (1..1000) so they shrink toward small, integral values. */
export type MorphoAction =
  | { kind: "supply"; user: number; market: number; usd: number }
  | { kind: "withdraw"; user: number; market: number; perMille: number }
  | { kind: "supplyCollateral"; user: number; market: number; usd: number }
  | { kind: "withdrawCollateral"; user: number; market: number; perMille: number }
  | { kind: "borrow"; user: number; market: number; perMille: number }
  | { kind: "repay"; user: number; market: number; perMille: number; byShares: boolean }
  /** A new round on the collateral's feed (shared by every market) or on the loan token's. */
  | { kind: "price"; feed: "collateral" | "loan"; changeBps: number }
  | { kind: "time"; seconds: number }
  /** Anyone calls accrueInterest (keepers do): the market's totals catch up with its interest. */
  | { kind: "accrue"; market: number }
  /**
   * Liquidates an unhealthy borrower of the market (crashing the collateral price first when nobody is):
   * by seized collateral or by repaid shares; seizing all of a borrower's collateral realises bad debt.
   */
  | { kind: "liquidate"; user: number; market: number; perMille: number; by: "seized" | "shares" }
  | { kind: "fee"; market: number; perMille: number }
  | { kind: "feeRecipient"; which: number };

/** One market of the rig: its params, id and the feeds its oracle reads. */
export type RigMarket = {
  name: string;
  id: Hex;
  params: MorphoMarketParams;
  /** Loan feed is absent for the oracle that quotes in the loan token (no division). */
  hasLoanFeed: boolean;
};

export type MorphoActionContext = MorphoFixture & {
  markets: RigMarket[];
  /** Wallets that act (funded with both tokens, approved to Morpho). */
  users: Wallet[];
  /** Addresses the fee recipient rotates between. */
  feeRecipients: Address[];
};

export type MorphoActionOutcome = {
  action: MorphoAction;
  status: "applied" | "skipped";
  reason?: string;
  /** Whether this liquidation realised bad debt. */
  badDebt?: boolean;
  hashes: Hash[];
};

/** Morpho's own refusals a random action may meet: anything else (a panic, another revert) fails. */
const RULES = new Set([
  "insufficient collateral",
  "insufficient liquidity",
  "position is healthy",
  "already set",
]);

const index = fc.integer({ min: 0, max: 15 });
const perMille = fc.integer({ min: 1, max: 1000 });

export function morphoActionArbitrary(): fc.Arbitrary<MorphoAction> {
  return fc.oneof(
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant("supply" as const),
        user: index,
        market: index,
        usd: fc.integer({ min: 100, max: 500_000 }),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({ kind: fc.constant("withdraw" as const), user: index, market: index, perMille }),
    },
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant("supplyCollateral" as const),
        user: index,
        market: index,
        usd: fc.integer({ min: 100, max: 200_000 }),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant("withdrawCollateral" as const),
        user: index,
        market: index,
        perMille,
      }),
    },
    {
      weight: 4,
      // Mostly near the limit, so price moves and time make positions liquidatable within a run.
      arbitrary: fc.record({
        kind: fc.constant("borrow" as const),
        user: index,
        market: index,
        perMille: fc.oneof(perMille, fc.integer({ min: 850, max: 1000 })),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant("repay" as const),
        user: index,
        market: index,
        perMille: fc.oneof(perMille, fc.constant(1000)),
        byShares: fc.boolean(),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant("price" as const),
        feed: fc.constantFrom("collateral" as const, "collateral" as const, "loan" as const),
        changeBps: fc.oneof(fc.integer({ min: -1500, max: 1500 }), fc.integer({ min: -5000, max: 3000 })),
      }),
    },
    // Hours to two months.
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant("time" as const),
        seconds: fc.integer({ min: 3600, max: 60 * 86_400 }),
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("accrue" as const), market: index }) },
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant("liquidate" as const),
        user: index,
        market: index,
        perMille: fc.oneof(perMille, fc.constant(1000)),
        by: fc.constantFrom("seized" as const, "shares" as const),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant("fee" as const),
        market: index,
        perMille: fc.integer({ min: 0, max: 1000 }),
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("feeRecipient" as const), which: index }) },
  );
}

/**
 * An opening of two borrowers each posting collateral in a market and borrowing most of what it allows,
 * then `steps` random actions: without it, a third of the actions found nothing to repay, withdraw or
 * liquidate on markets spread over four users.
 */
export function morphoActionSequenceArbitrary(steps: number): fc.Arbitrary<MorphoAction[]> {
  const opening = fc
    .tuple(index, index, fc.integer({ min: 1_000, max: 200_000 }), fc.integer({ min: 600, max: 1000 }))
    .map(([user, market, usd, perMilleValue]): MorphoAction[] => [
      { kind: "supplyCollateral", user, market, usd },
      { kind: "borrow", user, market, perMille: perMilleValue },
    ]);
  return fc
    .tuple(opening, opening, fc.array(morphoActionArbitrary(), { minLength: steps, maxLength: steps }))
    .map(([first, second, rest]) => [...first, ...second, ...rest]);
}

const part = (value: bigint, perMilleValue: number) => (value * BigInt(perMilleValue)) / 1000n;

/** Morpho's fee cap (MAX_FEE, 25%). */
const MAX_FEE = 250_000_000_000_000_000n;

/**
 * The market accrued `ahead` seconds past the latest block (what the next transaction sees at the
 * earliest is 0 or 1 second ahead: pick the side that keeps the action valid) and the oracle's price now.
 */
export async function marketNow(f: MorphoActionContext, market: RigMarket, ahead = 1n) {
  const block = await f.publicClient.getBlock();
  const at = { blockNumber: block.number };
  const [totalSupplyAssets, totalSupplyShares, totalBorrowAssets, totalBorrowShares, lastUpdate, fee] =
    await f.publicClient.readContract({
      address: f.blue.morpho,
      abi: morphoAbi,
      functionName: "market",
      args: [market.id],
      ...at,
    });
  const state: MorphoMarketState = {
    totalSupplyAssets,
    totalSupplyShares,
    totalBorrowAssets,
    totalBorrowShares,
    lastUpdate,
    fee,
  };
  const [rateAtTarget, price] = await Promise.all([
    f.publicClient.readContract({
      address: f.blue.irm,
      abi: adaptiveCurveIrmAbi,
      functionName: "rateAtTarget",
      args: [market.id],
      ...at,
    }),
    f.publicClient.readContract({
      address: market.params.oracle,
      abi: chainlinkMorphoOracleAbi,
      functionName: "price",
      ...at,
    }),
  ]);
  return { accrued: accrueMorphoInterest(state, rateAtTarget, block.timestamp + ahead).market, price };
}

export async function positionOf(f: MorphoActionContext, market: RigMarket, user: Address) {
  const [supplyShares, borrowShares, collateral] = await f.publicClient.readContract({
    address: f.blue.morpho,
    abi: morphoAbi,
    functionName: "position",
    args: [market.id, user],
  });
  return { supplyShares, borrowShares, collateral };
}

async function feedAnswer(f: MorphoActionContext, proxy: Address): Promise<bigint> {
  const [, answer] = await f.publicClient.readContract({
    address: proxy,
    abi: eacAggregatorProxyAbi,
    functionName: "latestRoundData",
  });
  return answer;
}

/** Pushes a new answer `changeBps` away from the feed's current one (at least 1: oracles revert on 0). */
export async function movePrice(f: MorphoActionContext, feed: "collateral" | "loan", changeBps: number) {
  const source = f.feeds[feed];
  const answer = await feedAnswer(f, source.proxy);
  const next = (answer * BigInt(10_000 + changeBps)) / 10_000n;
  await pushPrice(f.clients, source.aggregator, next > 0n ? next : 1n);
}

/** Sets a feed's answer unless it already has it (one round). */
export async function setPrice(f: MorphoActionContext, feed: "collateral" | "loan", answer: bigint) {
  if ((await feedAnswer(f, f.feeds[feed].proxy)) !== answer)
    await pushPrice(f.clients, f.feeds[feed].aggregator, answer);
}

/** A borrower of the market that is liquidatable in the next block, starting the search at `from`. */
async function unhealthyBorrower(f: MorphoActionContext, market: RigMarket, from: number) {
  const { accrued, price } = await marketNow(f, market);
  for (let i = 0; i < f.users.length; i++) {
    const user = f.users[(from + i) % f.users.length]!.account.address;
    const position = await positionOf(f, market, user);
    if (position.borrowShares === 0n) continue;
    if (!morphoPositionHealth(position, accrued, price, market.params.lltv).healthy)
      return { user, position, accrued, price };
  }
  return undefined;
}

type Call = { from: Wallet; functionName: string; args: readonly unknown[] };

/** Decides the transaction an action sends (or why it is skipped), from reads of the current state. */
async function plan(
  f: MorphoActionContext,
  action: MorphoAction,
): Promise<Call | { skip: string } | { done: true }> {
  const pick = <T>(list: T[], i: number) => list[i % list.length]!;
  switch (action.kind) {
    case "supply": {
      const user = pick(f.users, action.user);
      const market = pick(f.markets, action.market);
      return {
        from: user,
        functionName: "supply",
        args: [market.params, BigInt(action.usd) * 10n ** 6n, 0n, user.account.address, "0x"],
      };
    }
    case "withdraw": {
      const user = pick(f.users, action.user);
      const market = pick(f.markets, action.market);
      const shares = part((await positionOf(f, market, user.account.address)).supplyShares, action.perMille);
      if (shares === 0n) return { skip: "no supply shares" };
      return {
        from: user,
        functionName: "withdraw",
        args: [market.params, 0n, shares, user.account.address, user.account.address],
      };
    }
    case "supplyCollateral": {
      const user = pick(f.users, action.user);
      const market = pick(f.markets, action.market);
      const { price } = await marketNow(f, market);
      const amount = (BigInt(action.usd) * 10n ** 6n * ORACLE_PRICE_SCALE) / price;
      if (amount === 0n) return { skip: "zero collateral at this price" };
      return {
        from: user,
        functionName: "supplyCollateral",
        args: [market.params, amount, user.account.address, "0x"],
      };
    }
    case "withdrawCollateral": {
      const user = pick(f.users, action.user);
      const market = pick(f.markets, action.market);
      const amount = part((await positionOf(f, market, user.account.address)).collateral, action.perMille);
      if (amount === 0n) return { skip: "no collateral" };
      return {
        from: user,
        functionName: "withdrawCollateral",
        args: [market.params, amount, user.account.address, user.account.address],
      };
    }
    case "borrow": {
      const user = pick(f.users, action.user);
      const market = pick(f.markets, action.market);
      const { accrued, price } = await marketNow(f, market);
      const health = morphoPositionHealth(
        await positionOf(f, market, user.account.address),
        accrued,
        price,
        market.params.lltv,
      );
      const room = health.maxBorrowAssets - health.borrowedAssets;
      const liquidity = accrued.totalSupplyAssets - accrued.totalBorrowAssets;
      let amount = part(room > 0n ? room : 0n, action.perMille);
      if (amount > liquidity) amount = liquidity;
      if (amount <= 0n) return { skip: "no room to borrow" };
      return {
        from: user,
        functionName: "borrow",
        args: [market.params, amount, 0n, user.account.address, user.account.address],
      };
    }
    case "repay": {
      const user = pick(f.users, action.user);
      const market = pick(f.markets, action.market);
      const { borrowShares } = await positionOf(f, market, user.account.address);
      const shares = part(borrowShares, action.perMille);
      if (shares === 0n) return { skip: "no debt" };
      if (action.byShares)
        return {
          from: user,
          functionName: "repay",
          args: [market.params, 0n, shares, user.account.address, "0x"],
        };
      // By assets: the shares' value rounded down with the least interest the transaction can see, so it
      // never converts to more shares than are owed.
      const { accrued } = await marketNow(f, market, 0n);
      const assets = toAssetsDown(shares, accrued.totalBorrowAssets, accrued.totalBorrowShares);
      if (assets === 0n) return { skip: "debt rounds to zero assets" };
      return {
        from: user,
        functionName: "repay",
        args: [market.params, assets, 0n, user.account.address, "0x"],
      };
    }
    case "price":
      await movePrice(
        f,
        action.feed,
        action.feed === "loan" ? Math.trunc(action.changeBps / 10) : action.changeBps,
      );
      return { done: true };
    case "time":
      await f.testClient.increaseTime({ seconds: action.seconds });
      await f.testClient.mine({ blocks: 1 });
      return { done: true };
    case "accrue":
      return {
        from: f.deployer,
        functionName: "accrueInterest",
        args: [pick(f.markets, action.market).params],
      };
    case "liquidate": {
      const market = pick(f.markets, action.market);
      let victim = await unhealthyBorrower(f, market, action.user);
      // Nobody is under water: the collateral crashes until someone with debt is, as a market would.
      for (let round = 0; round < 8 && !victim; round++) {
        const anyDebt = await Promise.all(f.users.map((u) => positionOf(f, market, u.account.address)));
        if (!anyDebt.some((p) => p.borrowShares > 0n)) return { skip: "no borrower in this market" };
        await movePrice(f, "collateral", -4000);
        victim = await unhealthyBorrower(f, market, action.user);
      }
      if (!victim) return { skip: "nobody liquidatable after the crash" };
      const { position, accrued, price } = victim;
      const incentive = morphoLiquidationIncentiveFactor(market.params.lltv);
      const debt = toAssetsDown(position.borrowShares, accrued.totalBorrowAssets, accrued.totalBorrowShares);
      // What repaying the whole debt pays for; Morpho reverts on more (the borrow shares would underflow).
      const seizable = mulDivDown(wMulDown(debt, incentive), ORACLE_PRICE_SCALE, price);
      const cap = (seizable * 99n) / 100n;
      if (action.by === "shares") {
        const shares = part(position.borrowShares, action.perMille);
        const seized = mulDivDown(
          wMulDown(toAssetsDown(shares, accrued.totalBorrowAssets, accrued.totalBorrowShares), incentive),
          ORACLE_PRICE_SCALE,
          price,
        );
        if (shares > 0n && seized <= position.collateral)
          return {
            from: f.liquidator,
            functionName: "liquidate",
            args: [market.params, victim.user, 0n, shares, "0x"],
          };
      }
      // By seized collateral: all of it when the debt is worth more (bad debt), else up to the cap.
      let seized = part(position.collateral, action.perMille);
      if (seized > cap) seized = cap;
      if (seized === 0n)
        return {
          from: f.liquidator,
          functionName: "liquidate",
          args: [market.params, victim.user, 0n, 1n, "0x"],
        };
      return {
        from: f.liquidator,
        functionName: "liquidate",
        args: [market.params, victim.user, seized, 0n, "0x"],
      };
    }
    case "fee": {
      const market = pick(f.markets, action.market);
      return {
        from: f.deployer,
        functionName: "setFee",
        args: [market.params, (MAX_FEE * BigInt(action.perMille)) / 1000n],
      };
    }
    case "feeRecipient":
      return {
        from: f.deployer,
        functionName: "setFeeRecipient",
        args: [pick(f.feeRecipients, action.which)],
      };
  }
}

/** Applies one action; Morpho's own refusals come back as "skipped" with its reason. */
export async function applyMorphoAction(
  f: MorphoActionContext,
  action: MorphoAction,
): Promise<MorphoActionOutcome> {
  const step = await plan(f, action);
  if ("skip" in step) return { action, status: "skipped", reason: step.skip, hashes: [] };
  if ("done" in step) return { action, status: "applied", hashes: [] };
  try {
    const receipt = await send(f, step.from, {
      address: f.blue.morpho,
      abi: morphoAbi,
      functionName: step.functionName,
      args: step.args,
    } as never);
    let badDebt: boolean | undefined;
    if (action.kind === "liquidate") {
      const [event] = parseEventLogs({ abi: morphoAbi, logs: receipt.logs, eventName: "Liquidate" });
      badDebt = (event?.args.badDebtShares ?? 0n) > 0n;
    }
    return {
      action,
      status: "applied",
      hashes: [receipt.transactionHash],
      ...(badDebt === undefined ? {} : { badDebt }),
    };
  } catch (error) {
    const reason = revertReason(error);
    if (reason === undefined || !RULES.has(reason)) throw error;
    return { action, status: "skipped", reason, hashes: [] };
  }
}
