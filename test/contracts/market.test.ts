import { decodeEventLog, parseAbiItem, parseEventLogs, toEventSelector } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lendingPoolAbi, priceFeedAbi } from "../../contracts/generated/index.js";
import { calculateUserAccountData } from "../../lib/aave/accountData.js";
import { borrowRejection } from "../../lib/aave/borrow.js";
import { normalizedDebt, normalizedIncome } from "../../lib/aave/interest.js";
import { interestRates } from "../../lib/aave/interestRateModel.js";
import { RAY, rayMul } from "../../lib/aave/wadRayMath.js";
import {
  advanceTime,
  fund,
  type MarketFixture,
  onSnapshot,
  readPositions,
  revertName,
  send,
  setPrice,
  startMarketFixture,
} from "../helpers/marketFixture.js";

let fixture: MarketFixture;

beforeAll(async () => {
  fixture = await startMarketFixture();
});

afterAll(async () => {
  await fixture?.stop();
});

const e18 = 10n ** 18n;
const e6 = 10n ** 6n;

/** Alice supplies 10 WETH (20,000 USD at 2000) as collateral. */
async function aliceSuppliesWeth(amount = 10n * e18) {
  const { alice, weth, pool } = fixture;
  await fund(fixture, alice, weth, amount);
  return send(fixture, alice, {
    address: pool,
    abi: lendingPoolAbi,
    functionName: "supply",
    args: [weth.token, amount, alice.account.address, 7],
  });
}

/** The borrow transaction; for calls expected to revert (estimation fails with the pool's error). */
function borrow(token: `0x${string}`, amount: bigint) {
  const { alice, pool } = fixture;
  return alice.writeContract({
    address: pool,
    abi: lendingPoolAbi,
    functionName: "borrow",
    args: [token, amount, 2n, 0, alice.account.address],
  });
}

/** A borrow expected to succeed, sent with a gas margin; resolves to its receipt. */
function borrowOk(token: `0x${string}`, amount: bigint) {
  const { alice, pool } = fixture;
  return send(fixture, alice, {
    address: pool,
    abi: lendingPoolAbi,
    functionName: "borrow",
    args: [token, amount, 2n, 0, alice.account.address],
  });
}

async function accountData(user: `0x${string}`) {
  const [
    totalCollateralBase,
    totalDebtBase,
    availableBorrowsBase,
    currentLiquidationThreshold,
    ltv,
    healthFactor,
  ] = await fixture.publicClient.readContract({
    address: fixture.pool,
    abi: lendingPoolAbi,
    functionName: "getUserAccountData",
    args: [user],
  });
  return {
    totalCollateralBase,
    totalDebtBase,
    availableBorrowsBase,
    currentLiquidationThreshold,
    ltv,
    healthFactor,
  };
}

describe("PriceFeed (Chainlink AggregatorV3 shape)", () => {
  it("answers latestRoundData / getRoundData / AggregatorInterface like Chainlink", async () => {
    const { publicClient, weth } = fixture;
    const read = { address: weth.feed, abi: priceFeedAbi } as const;
    expect(await publicClient.readContract({ ...read, functionName: "decimals" })).toBe(8);
    expect(await publicClient.readContract({ ...read, functionName: "description" })).toBe("WETH / USD");
    const [roundId, answer, startedAt, updatedAt, answeredInRound] = await publicClient.readContract({
      ...read,
      functionName: "latestRoundData",
    });
    expect(roundId).toBe(1n);
    expect(answer).toBe(2000_00000000n);
    expect(startedAt).toBe(updatedAt);
    expect(answeredInRound).toBe(roundId);
    expect(await publicClient.readContract({ ...read, functionName: "getRoundData", args: [1n] })).toEqual([
      roundId,
      answer,
      startedAt,
      updatedAt,
      answeredInRound,
    ]);
    expect(await publicClient.readContract({ ...read, functionName: "latestAnswer" })).toBe(answer);
    expect(await publicClient.readContract({ ...read, functionName: "latestTimestamp" })).toBe(updatedAt);
    expect(await publicClient.readContract({ ...read, functionName: "latestRound" })).toBe(1n);
    expect(
      await revertName(publicClient.readContract({ ...read, functionName: "getRoundData", args: [99n] })),
    ).toBe("NoDataPresent");
  });

  it("emits Chainlink's NewRound and AnswerUpdated with the same topics, and rejects strangers", async () => {
    await onSnapshot(fixture, async () => {
      const { publicClient, weth, alice } = fixture;
      const receipt = await send(fixture, fixture.deployer, {
        address: weth.feed,
        abi: priceFeedAbi,
        functionName: "setAnswer",
        args: [1999_12345678n],
      });
      const block = await publicClient.getBlock({ blockNumber: receipt.blockNumber });
      // The exact Chainlink AggregatorInterface declarations, independent of our ABI.
      const chainlinkAnswerUpdated = parseAbiItem(
        "event AnswerUpdated(int256 indexed current, uint256 indexed roundId, uint256 updatedAt)",
      );
      const chainlinkNewRound = parseAbiItem(
        "event NewRound(uint256 indexed roundId, address indexed startedBy, uint256 startedAt)",
      );
      const [newRoundLog, answerLog] = receipt.logs;
      expect(answerLog?.topics[0]).toBe(toEventSelector(chainlinkAnswerUpdated));
      expect(newRoundLog?.topics[0]).toBe(toEventSelector(chainlinkNewRound));
      const answerEvent = decodeEventLog({ abi: [chainlinkAnswerUpdated], ...answerLog! });
      expect(answerEvent.args).toEqual({ current: 1999_12345678n, roundId: 2n, updatedAt: block.timestamp });
      const newRoundEvent = decodeEventLog({ abi: [chainlinkNewRound], ...newRoundLog! });
      expect(newRoundEvent.args).toEqual({
        roundId: 2n,
        startedBy: fixture.deployer.account.address,
        startedAt: block.timestamp,
      });
      const [roundId, answer, , updatedAt] = await publicClient.readContract({
        address: weth.feed,
        abi: priceFeedAbi,
        functionName: "latestRoundData",
      });
      expect([roundId, answer, updatedAt]).toEqual([2n, 1999_12345678n, block.timestamp]);
      expect(
        await revertName(
          alice.writeContract({
            address: weth.feed,
            abi: priceFeedAbi,
            functionName: "setAnswer",
            args: [1n],
          }),
        ),
      ).toBe("NotAuthorized");
    });
  });
});

describe("LendingPool events and validation (Aave v3 semantics)", () => {
  it("emits Aave v3's IPool events with Aave's exact signatures", async () => {
    const aaveEvents = [
      "event Supply(address indexed reserve, address user, address indexed onBehalfOf, uint256 amount, uint16 indexed referralCode)",
      "event Withdraw(address indexed reserve, address indexed user, address indexed to, uint256 amount)",
      "event Borrow(address indexed reserve, address user, address indexed onBehalfOf, uint256 amount, uint8 interestRateMode, uint256 borrowRate, uint16 indexed referralCode)",
      "event Repay(address indexed reserve, address indexed user, address indexed repayer, uint256 amount, bool useATokens)",
      "event LiquidationCall(address indexed collateralAsset, address indexed debtAsset, address indexed user, uint256 debtToCover, uint256 liquidatedCollateralAmount, address liquidator, bool receiveAToken)",
      "event ReserveDataUpdated(address indexed reserve, uint256 liquidityRate, uint256 stableBorrowRate, uint256 variableBorrowRate, uint256 liquidityIndex, uint256 variableBorrowIndex)",
      "event ReserveUsedAsCollateralEnabled(address indexed reserve, address indexed user)",
      "event ReserveUsedAsCollateralDisabled(address indexed reserve, address indexed user)",
    ] as const;
    for (const signature of aaveEvents) {
      const expected = parseAbiItem(signature);
      const ours = lendingPoolAbi.find((item) => item.type === "event" && item.name === expected.name);
      expect(ours, expected.name).toBeDefined();
      expect(toEventSelector(ours as typeof expected)).toBe(toEventSelector(expected));
      const inputs = (ours as typeof expected).inputs as readonly {
        name?: string;
        type: string;
        indexed?: boolean;
      }[];
      expect(inputs.map((input) => [input.name, input.type, Boolean(input.indexed)])).toEqual(
        (expected.inputs as typeof inputs).map((input) => [input.name, input.type, Boolean(input.indexed)]),
      );
    }
  });

  it("supply enables collateral and emits Supply; borrow above LTV is rejected exactly where the formula says", async () => {
    await onSnapshot(fixture, async () => {
      const { alice, usdc, weth, pool, publicClient } = fixture;
      const receipt = await aliceSuppliesWeth();
      const events = parseEventLogs({ abi: lendingPoolAbi, logs: receipt.logs });
      expect(events.map((event) => event.eventName)).toEqual([
        "ReserveDataUpdated",
        "ReserveUsedAsCollateralEnabled",
        "Supply",
      ]);
      expect(events[2]?.args).toEqual({
        reserve: weth.token,
        user: alice.account.address,
        onBehalfOf: alice.account.address,
        amount: 10n * e18,
        referralCode: 7,
      });

      const data = await accountData(alice.account.address);
      expect(data.totalCollateralBase).toBe(20_000_00000000n);
      expect(data.ltv).toBe(8000n);
      expect(data.availableBorrowsBase).toBe(16_000_00000000n);
      // 16,000 USDC is exactly the LTV limit; one more unit is over it.
      const tooMuch = 16_000n * e6 + 1n;
      expect(borrowRejection(data, { amount: tooMuch, price: usdc.price, decimals: 6 })).toBe(
        "CollateralCannotCoverNewBorrow",
      );
      expect(await revertName(borrow(usdc.token, tooMuch))).toBe("CollateralCannotCoverNewBorrow");
      expect(borrowRejection(data, { amount: 16_000n * e6, price: usdc.price, decimals: 6 })).toBeUndefined();
      const borrowReceipt = await borrowOk(usdc.token, 16_000n * e6);
      const borrowEvent = parseEventLogs({
        abi: lendingPoolAbi,
        logs: borrowReceipt.logs,
        eventName: "Borrow",
      })[0];
      const reserve = await publicClient.readContract({
        address: pool,
        abi: lendingPoolAbi,
        functionName: "getReserveData",
        args: [usdc.token],
      });
      expect(borrowEvent?.args).toMatchObject({
        reserve: usdc.token,
        onBehalfOf: alice.account.address,
        amount: 16_000n * e6,
        interestRateMode: 2,
        borrowRate: reserve.currentVariableBorrowRate,
      });
      expect(await revertName(borrow(usdc.token, 1n))).toBe("CollateralCannotCoverNewBorrow");
    });
  });

  it("rejects a withdraw that would leave HF < 1 and allows the one that leaves HF >= 1", async () => {
    await onSnapshot(fixture, async () => {
      const { alice, usdc, weth, pool } = fixture;
      await aliceSuppliesWeth();
      await borrowOk(usdc.token, 15_000n * e6);
      // HF = collateral * 0.825 / 15,000 USD, so collateral must stay >= 18,181.82 USD = 9.0909 WETH.
      const { blockNumber, timestamp } = await advanceTime(fixture, 0);
      const positions = await readPositions(fixture, alice.account.address, blockNumber, timestamp);
      const before = calculateUserAccountData(positions);
      expect(before).toEqual(await accountData(alice.account.address));
      const withdraw = (amount: bigint) =>
        alice.writeContract({
          address: pool,
          abi: lendingPoolAbi,
          functionName: "withdraw",
          args: [weth.token, amount, alice.account.address],
        });
      expect(await revertName(withdraw(1n * e18))).toBe("HealthFactorLowerThanLiquidationThreshold");
      expect(await revertName(withdraw(2n ** 256n - 1n))).toBe("HealthFactorLowerThanLiquidationThreshold");
      await send(fixture, alice, {
        address: pool,
        abi: lendingPoolAbi,
        functionName: "withdraw",
        args: [weth.token, e18 / 2n, alice.account.address],
      });
      const after = await accountData(alice.account.address);
      expect(after.healthFactor).toBeGreaterThanOrEqual(10n ** 18n);
    });
  });

  it("lets HF-neutral actions through: repay all, then withdraw all, leaving nothing behind", async () => {
    await onSnapshot(fixture, async () => {
      const { alice, usdc, weth, pool, publicClient } = fixture;
      await aliceSuppliesWeth();
      await borrowOk(usdc.token, 1_000n * e6);
      await advanceTime(fixture, 30 * 24 * 3600);
      await fund(fixture, alice, usdc, 100n * e6);
      const repay = await send(fixture, alice, {
        address: pool,
        abi: lendingPoolAbi,
        functionName: "repay",
        args: [usdc.token, 2n ** 256n - 1n, 2n, alice.account.address],
      });
      const repayEvent = parseEventLogs({ abi: lendingPoolAbi, logs: repay.logs, eventName: "Repay" })[0];
      expect(repayEvent?.args.amount).toBeGreaterThan(1_000n * e6);
      expect(repayEvent?.args).toMatchObject({ user: alice.account.address, repayer: alice.account.address });
      const withdraw = await send(fixture, alice, {
        address: pool,
        abi: lendingPoolAbi,
        functionName: "withdraw",
        args: [weth.token, 2n ** 256n - 1n, alice.account.address],
      });
      const names = parseEventLogs({ abi: lendingPoolAbi, logs: withdraw.logs }).map(
        (event) => event.eventName,
      );
      expect(names).toEqual(["ReserveDataUpdated", "ReserveUsedAsCollateralDisabled", "Withdraw"]);
      expect(
        await publicClient.readContract({
          address: pool,
          abi: lendingPoolAbi,
          functionName: "getUserReserve",
          args: [alice.account.address, weth.token],
        }),
      ).toEqual([0n, 0n, false]);
      expect((await accountData(alice.account.address)).healthFactor).toBe(2n ** 256n - 1n);
    });
  });

  it("indexes grow with time and balances are scaled balances times the index", async () => {
    await onSnapshot(fixture, async () => {
      const { alice, usdc, pool, publicClient } = fixture;
      await aliceSuppliesWeth();
      await borrowOk(usdc.token, 12_000n * e6);
      const read = { address: pool, abi: lendingPoolAbi } as const;
      const start = await publicClient.readContract({
        ...read,
        functionName: "getReserveData",
        args: [usdc.token],
      });
      expect(start.currentVariableBorrowRate).toBeGreaterThan(0n);
      expect(start.currentLiquidityRate).toBeGreaterThan(0n);
      // The rate the pool stored is the model's rate for the pool's liquidity and debt after the borrow.
      const liquidity = await publicClient.readContract({
        address: usdc.token,
        abi: [parseAbiItem("function balanceOf(address) view returns (uint256)")],
        functionName: "balanceOf",
        args: [pool],
      });
      const rates = interestRates({
        availableLiquidity: liquidity,
        totalDebt: rayMul(start.totalScaledVariableDebt, start.variableBorrowIndex),
      });
      expect(rates).toEqual({
        liquidityRate: start.currentLiquidityRate,
        variableBorrowRate: start.currentVariableBorrowRate,
      });

      let previous = { income: start.liquidityIndex, debt: start.variableBorrowIndex };
      for (const seconds of [3600, 30 * 24 * 3600, 365 * 24 * 3600]) {
        const { blockNumber, timestamp } = await advanceTime(fixture, seconds);
        const at = { ...read, blockNumber } as const;
        const [income, debt, scaled, collateralBalance, debtBalance] = await Promise.all([
          publicClient.readContract({
            ...at,
            functionName: "getReserveNormalizedIncome",
            args: [usdc.token],
          }),
          publicClient.readContract({
            ...at,
            functionName: "getReserveNormalizedVariableDebt",
            args: [usdc.token],
          }),
          publicClient.readContract({
            ...at,
            functionName: "getUserReserve",
            args: [alice.account.address, usdc.token],
          }),
          publicClient.readContract({
            ...at,
            functionName: "getUserCollateralBalance",
            args: [fixture.lender.account.address, usdc.token],
          }),
          publicClient.readContract({
            ...at,
            functionName: "getUserDebtBalance",
            args: [alice.account.address, usdc.token],
          }),
        ]);
        expect(income).toBe(normalizedIncome(start, timestamp));
        expect(debt).toBe(normalizedDebt(start, timestamp));
        expect(income).toBeGreaterThan(previous.income);
        expect(debt).toBeGreaterThan(previous.debt);
        expect(debt).toBeGreaterThan(income);
        expect(debtBalance).toBe(rayMul(scaled[1], debt));
        const lender = await publicClient.readContract({
          ...at,
          functionName: "getUserReserve",
          args: [fixture.lender.account.address, usdc.token],
        });
        expect(collateralBalance).toBe(rayMul(lender[0], income));
        previous = { income, debt };
      }
      expect(previous.debt).toBeGreaterThan(RAY);
      // A write brings the stored index up to the normalized one.
      await setPrice(fixture, usdc, usdc.price);
      await fund(fixture, alice, usdc, 1n);
      const touched = await send(fixture, alice, {
        ...read,
        functionName: "supply",
        args: [usdc.token, 1n, alice.account.address, 0],
      });
      const block = await publicClient.getBlock({ blockNumber: touched.blockNumber });
      const stored = await publicClient.readContract({
        ...read,
        functionName: "getReserveData",
        args: [usdc.token],
      });
      expect(stored.lastUpdateTimestamp).toBe(block.timestamp);
      expect(stored.variableBorrowIndex).toBe(normalizedDebt(start, block.timestamp));
      expect(stored.liquidityIndex).toBe(normalizedIncome(start, block.timestamp));
    });
  });
});
