import fc from "fast-check";
import { type Address, type Hex, parseEventLogs } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  adaptiveCurveIrmAbi,
  chainlinkMorphoOracleAbi,
  eacAggregatorProxyAbi,
  morphoAbi,
} from "../../contracts/generated/index.js";
import { pushPrice } from "../../deploy/aave.js";
import { revertReason, send } from "../../harness/aaveTx.js";
import type { Wallet } from "../../harness/localChain.js";
import { type MorphoFixture, startMorphoFixture } from "../../harness/morphoFixture.js";
import {
  accrueMorphoInterest,
  type MorphoMarketState,
  morphoLiquidationIncentiveFactor,
  morphoPositionHealth,
} from "../../lib/morpho/market.js";
import { mulDivDown, ORACLE_PRICE_SCALE, toAssetsDown, wMulDown } from "../../lib/morpho/math.js";
import { chainlinkMorphoPrice } from "../../lib/morpho/oracle.js";

/**
 * The engine's Morpho arithmetic (lib/morpho) against Morpho Blue itself on anvil, over random sequences
 * of supply, borrow, repay, collateral moves, price rounds, time jumps and liquidations. At every
 * checkpoint: the market after an accrual equals accrueMorphoInterest's to the wei (totals, fee shares,
 * the IRM's new rate at target), the oracle's price equals the one computed from the feeds' answers, and
 * for every borrower Morpho refuses a liquidation ("position is healthy") exactly when the engine says
 * healthy.
 */

let f: MorphoFixture;
beforeAll(async () => {
  f = await startMorphoFixture();
}, 120_000);
afterAll(async () => {
  await f?.stop();
});

/** Reverts the sequence expects sometimes: Morpho's own rules, applied to a random action. */
const RULES = new Set(["insufficient collateral", "insufficient liquidity"]);

type Step =
  | { kind: "supplyCollateral"; who: number; usd: number }
  | { kind: "borrow"; who: number; share: number }
  | { kind: "repay"; who: number; share: number }
  | { kind: "withdrawCollateral"; who: number; share: number }
  | { kind: "lenderSupply"; usd: number }
  | { kind: "lenderWithdraw"; share: number }
  | { kind: "price"; factor: number }
  | { kind: "time"; seconds: number }
  | { kind: "liquidate"; share: number };

const who = fc.integer({ min: 0, max: 2 });
const share = fc.double({ min: 0.05, max: 1, noNaN: true });
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constant("supplyCollateral" as const),
    who,
    usd: fc.integer({ min: 100, max: 200_000 }),
  }),
  fc.record({ kind: fc.constant("borrow" as const), who, share }),
  fc.record({ kind: fc.constant("repay" as const), who, share }),
  fc.record({ kind: fc.constant("withdrawCollateral" as const), who, share }),
  fc.record({ kind: fc.constant("lenderSupply" as const), usd: fc.integer({ min: 1_000, max: 500_000 }) }),
  fc.record({ kind: fc.constant("lenderWithdraw" as const), share }),
  fc.record({ kind: fc.constant("price" as const), factor: fc.double({ min: 0.6, max: 1.4, noNaN: true }) }),
  fc.record({ kind: fc.constant("time" as const), seconds: fc.integer({ min: 3600, max: 90 * 24 * 3600 }) }),
  fc.record({ kind: fc.constant("liquidate" as const), share }),
);

/** Every run opens with each borrower posting collateral and borrowing part of what it allows. */
const opening: fc.Arbitrary<Step[]> = fc
  .tuple(...[0, 1, 2].map(() => fc.tuple(fc.integer({ min: 1_000, max: 200_000 }), share)))
  .map((borrowers) =>
    borrowers.flatMap(([usd, part], index): Step[] => [
      { kind: "supplyCollateral", who: index, usd },
      { kind: "borrow", who: index, share: part },
    ]),
  );

const scaled = (value: bigint, fraction: number) => (value * BigInt(Math.round(fraction * 1e6))) / 1_000_000n;

type State = {
  market: MorphoMarketState;
  rateAtTarget: bigint;
  price: bigint;
  timestamp: bigint;
  block: bigint;
};

async function read(blockNumber?: bigint): Promise<State> {
  const block = await f.publicClient.getBlock(blockNumber === undefined ? {} : { blockNumber });
  const at = { blockNumber: block.number };
  const [totalSupplyAssets, totalSupplyShares, totalBorrowAssets, totalBorrowShares, lastUpdate, fee] =
    await f.publicClient.readContract({
      address: f.blue.morpho,
      abi: morphoAbi,
      functionName: "market",
      args: [f.id],
      ...at,
    });
  const rateAtTarget = await f.publicClient.readContract({
    address: f.blue.irm,
    abi: adaptiveCurveIrmAbi,
    functionName: "rateAtTarget",
    args: [f.id],
    ...at,
  });
  const price = await f.publicClient.readContract({
    address: f.params.oracle,
    abi: chainlinkMorphoOracleAbi,
    functionName: "price",
    ...at,
  });
  return {
    market: { totalSupplyAssets, totalSupplyShares, totalBorrowAssets, totalBorrowShares, lastUpdate, fee },
    rateAtTarget,
    price,
    timestamp: block.timestamp,
    block: block.number,
  };
}

async function position(user: Address, blockNumber?: bigint) {
  const [supplyShares, borrowShares, collateral] = await f.publicClient.readContract({
    address: f.blue.morpho,
    abi: morphoAbi,
    functionName: "position",
    args: [f.id, user],
    ...(blockNumber === undefined ? {} : { blockNumber }),
  });
  return { supplyShares, borrowShares, collateral };
}

async function feedAnswer(proxy: Address, blockNumber: bigint) {
  const [, answer] = await f.publicClient.readContract({
    address: proxy,
    abi: eacAggregatorProxyAbi,
    functionName: "latestRoundData",
    blockNumber,
  });
  const decimals = await f.publicClient.readContract({
    address: proxy,
    abi: eacAggregatorProxyAbi,
    functionName: "decimals",
  });
  return { answer, decimals };
}

const morphoCall = (wallet: Wallet, functionName: string, args: readonly unknown[]) =>
  send(f, wallet, { address: f.blue.morpho, abi: morphoAbi, functionName, args } as never);

/** Runs one action; a revert by one of Morpho's rules is counted, anything else fails the test. */
async function apply(s: Step, counts: { applied: number; refused: number; liquidations: number }) {
  const params = f.params;
  try {
    switch (s.kind) {
      case "supplyCollateral": {
        const state = await read();
        const amount = (BigInt(s.usd) * 10n ** 6n * 10n ** 36n) / state.price;
        if (amount === 0n) return;
        const borrower = f.borrowers[s.who]!;
        await morphoCall(borrower, "supplyCollateral", [params, amount, borrower.account.address, "0x"]);
        break;
      }
      case "borrow": {
        const borrower = f.borrowers[s.who]!;
        const state = await read();
        const accrued = accrueMorphoInterest(state.market, state.rateAtTarget, state.timestamp + 1n).market;
        const health = morphoPositionHealth(
          await position(borrower.account.address),
          accrued,
          state.price,
          params.lltv,
        );
        const room = health.maxBorrowAssets - health.borrowedAssets;
        const amount = scaled(room > 0n ? room : 0n, s.share);
        if (amount === 0n) return;
        await morphoCall(borrower, "borrow", [
          params,
          amount,
          0n,
          borrower.account.address,
          borrower.account.address,
        ]);
        break;
      }
      case "repay": {
        const borrower = f.borrowers[s.who]!;
        const shares = scaled((await position(borrower.account.address)).borrowShares, s.share);
        if (shares === 0n) return;
        await morphoCall(borrower, "repay", [params, 0n, shares, borrower.account.address, "0x"]);
        break;
      }
      case "withdrawCollateral": {
        const borrower = f.borrowers[s.who]!;
        const amount = scaled((await position(borrower.account.address)).collateral, s.share);
        if (amount === 0n) return;
        await morphoCall(borrower, "withdrawCollateral", [
          params,
          amount,
          borrower.account.address,
          borrower.account.address,
        ]);
        break;
      }
      case "lenderSupply":
        await morphoCall(f.lender, "supply", [
          params,
          BigInt(s.usd) * 10n ** 6n,
          0n,
          f.lender.account.address,
          "0x",
        ]);
        break;
      case "lenderWithdraw": {
        const shares = scaled((await position(f.lender.account.address)).supplyShares, s.share);
        if (shares === 0n) return;
        await morphoCall(f.lender, "withdraw", [
          params,
          0n,
          shares,
          f.lender.account.address,
          f.lender.account.address,
        ]);
        break;
      }
      case "price": {
        const { answer } = await feedAnswer(
          f.feeds.collateral.proxy,
          (await f.publicClient.getBlock()).number,
        );
        const next = scaled(answer, s.factor);
        await pushPrice(f.clients, f.feeds.collateral.aggregator, next > 0n ? next : 1n);
        break;
      }
      case "time":
        await f.testClient.increaseTime({ seconds: s.seconds });
        await f.testClient.mine({ blocks: 1 });
        break;
      case "liquidate": {
        let victim = await firstUnhealthy();
        if (!victim) {
          // Nobody is under water: the collateral crashes until someone with debt is, as a market would.
          for (let round = 0; round < 8 && !victim; round++) {
            const { answer } = await feedAnswer(
              f.feeds.collateral.proxy,
              (await f.publicClient.getBlock()).number,
            );
            await pushPrice(
              f.clients,
              f.feeds.collateral.aggregator,
              (answer * 6n) / 10n > 0n ? (answer * 6n) / 10n : 1n,
            );
            victim = await firstUnhealthy();
          }
          if (!victim) return;
        }
        // Seize part of the collateral, never more than repaying the whole debt would pay for (Morpho
        // reverts on either excess): a position left with debt and no collateral realises bad debt.
        const state = await read();
        const debt = toAssetsDown(
          victim.borrowShares,
          state.market.totalBorrowAssets,
          state.market.totalBorrowShares,
        );
        const seizable = mulDivDown(
          wMulDown(debt, morphoLiquidationIncentiveFactor(params.lltv)),
          ORACLE_PRICE_SCALE,
          state.price,
        );
        let seized = scaled(victim.collateral, s.share);
        if (seized > (seizable * 99n) / 100n) seized = (seizable * 99n) / 100n;
        // In the block firstUnhealthy judged it for: anvil may give the next block the latest block's
        // timestamp, one second of interest short, which can leave a boundary position healthy.
        await f.testClient.setNextBlockTimestamp({ timestamp: state.timestamp + 1n });
        await morphoCall(f.liquidator, "liquidate", [
          params,
          victim.user,
          seized,
          seized > 0n ? 0n : 1n,
          "0x",
        ]);
        counts.liquidations++;
        break;
      }
    }
    counts.applied++;
  } catch (error) {
    const reason = revertReason(error);
    if (reason === undefined || !RULES.has(reason)) throw error;
    counts.refused++;
  }
}

/** A borrower the engine finds liquidatable in the next block (accrued one second ahead), if any. */
async function firstUnhealthy() {
  const state = await read();
  const accrued = accrueMorphoInterest(state.market, state.rateAtTarget, state.timestamp + 1n).market;
  for (const borrower of f.borrowers) {
    const p = await position(borrower.account.address);
    if (p.borrowShares === 0n) continue;
    if (!morphoPositionHealth(p, accrued, state.price, f.params.lltv).healthy) {
      return { user: borrower.account.address, borrowShares: p.borrowShares, collateral: p.collateral };
    }
  }
  return undefined;
}

/** Accrues in a block of a known timestamp and compares everything the engine computes with Morpho. */
async function checkpoint(counts: { checkpoints: number; healthyRefusals: number; liquidatable: number }) {
  const before = await read();
  const timestamp = before.timestamp + 1n;
  await f.testClient.setNextBlockTimestamp({ timestamp });
  const receipt = await morphoCall(f.deployer, "accrueInterest", [f.params]);
  await f.testClient.mine({ blocks: 1 }); // makes the accrual's block historical: calls at it use its header
  const after = await read(receipt.blockNumber);
  const expected = accrueMorphoInterest(before.market, before.rateAtTarget, timestamp);
  expect(after.market).toEqual(expected.market);
  const [event] = parseEventLogs({ abi: morphoAbi, logs: receipt.logs, eventName: "AccrueInterest" });
  if (expected.interest > 0n || before.market.lastUpdate < timestamp) {
    expect(event?.args.interest).toBe(expected.interest);
    expect(event?.args.feeShares).toBe(expected.feeShares);
    expect(after.rateAtTarget).toBe(expected.rateAtTarget);
  }
  const price = chainlinkMorphoPrice({
    collateral: await feedAnswer(f.feeds.collateral.proxy, after.block),
    collateralDecimals: 18,
    loan: await feedAnswer(f.feeds.loan.proxy, after.block),
    loanDecimals: 6,
  });
  expect(price).toBe(after.price);
  for (const borrower of f.borrowers) {
    const p = await position(borrower.account.address, after.block);
    if (p.borrowShares === 0n) continue;
    const health = morphoPositionHealth(p, after.market, after.price, f.params.lltv);
    // Probe: a 1-share liquidation at the accrual's block (elapsed 0, so nothing accrues in the call).
    let refusal: string | undefined;
    try {
      await f.publicClient.simulateContract({
        account: f.liquidator.account,
        address: f.blue.morpho,
        abi: morphoAbi,
        functionName: "liquidate",
        args: [f.params, borrower.account.address, 0n, 1n, "0x"],
        blockNumber: after.block,
      });
    } catch (error) {
      refusal = revertReason(error) ?? String(error);
    }
    expect({ borrower: borrower.account.address, refusal }).toEqual({
      borrower: borrower.account.address,
      refusal: health.healthy ? "position is healthy" : undefined,
    });
    if (health.healthy) counts.healthyRefusals++;
    else counts.liquidatable++;
  }
  counts.checkpoints++;
}

describe("lib/morpho equals Morpho Blue on anvil", () => {
  it("accrual, oracle price and liquidatability over random action sequences", async () => {
    const counts = {
      applied: 0,
      refused: 0,
      liquidations: 0,
      checkpoints: 0,
      healthyRefusals: 0,
      liquidatable: 0,
    };
    const seed = Number(process.env.MORPHO_PROPERTY_SEED ?? Math.floor(Math.random() * 2 ** 31));
    await fc.assert(
      fc.asyncProperty(opening, fc.array(step, { minLength: 6, maxLength: 14 }), async (start, rest) => {
        const steps = [...start, ...rest];
        const snapshot: Hex = await f.testClient.snapshot();
        try {
          for (const s of steps) {
            await apply(s, counts);
            await checkpoint(counts);
          }
        } finally {
          await f.testClient.revert({ id: snapshot });
        }
      }),
      { numRuns: 25, seed, endOnFailure: true },
    );
    console.log(`morpho property (seed ${seed}): ${JSON.stringify(counts)}`);
    // The sequences must reach both sides of the rule, or the equality above proved little.
    expect(counts.healthyRefusals).toBeGreaterThan(0);
    expect(counts.liquidatable + counts.liquidations).toBeGreaterThan(0);
  }, 600_000);
});

describe("a feed answering zero", () => {
  it("makes the oracle revert, Morpho refuse borrows and liquidations, and the engine's price unknown", async () => {
    const snapshot: Hex = await f.testClient.snapshot();
    try {
      const borrower = f.borrowers[0]!;
      await morphoCall(borrower, "supplyCollateral", [f.params, 10n ** 18n, borrower.account.address, "0x"]);
      // Positive control: with a price, a small borrow goes through.
      await morphoCall(borrower, "borrow", [
        f.params,
        100n * 10n ** 6n,
        0n,
        borrower.account.address,
        borrower.account.address,
      ]);
      await pushPrice(f.clients, f.feeds.collateral.aggregator, 0n);
      const block = (await f.publicClient.getBlock()).number;
      const collateral = await feedAnswer(f.feeds.collateral.proxy, block);
      expect(collateral.answer).toBe(0n);
      expect(
        chainlinkMorphoPrice({
          collateral,
          collateralDecimals: 18,
          loan: await feedAnswer(f.feeds.loan.proxy, block),
          loanDecimals: 6,
        }),
      ).toBeNull();
      const price = f.publicClient.readContract({
        address: f.params.oracle,
        abi: chainlinkMorphoOracleAbi,
        functionName: "price",
      });
      await expect(price).rejects.toThrow(/NonPositiveAnswer/);
      for (const [functionName, args] of [
        ["borrow", [f.params, 10n ** 6n, 0n, borrower.account.address, borrower.account.address]],
        ["liquidate", [f.params, borrower.account.address, 0n, 1n, "0x"]],
      ] as const) {
        const attempt = f.publicClient.simulateContract({
          account: (functionName === "borrow" ? borrower : f.liquidator).account,
          address: f.blue.morpho,
          // The revert comes from the oracle, through Morpho: decode it with the oracle's errors.
          abi: [...morphoAbi, ...chainlinkMorphoOracleAbi],
          functionName,
          args,
        } as never);
        await expect(attempt).rejects.toThrow(/NonPositiveAnswer/);
      }
    } finally {
      await f.testClient.revert({ id: snapshot });
    }
  });
});
