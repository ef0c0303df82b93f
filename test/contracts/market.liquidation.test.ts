import { type Address, parseEventLogs } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lendingPoolAbi, testERC20Abi } from "../../contracts/generated/index.js";
import { calculateUserAccountData } from "../../lib/aave/accountData.js";
import { calculateLiquidationAmounts, type LiquidationAmounts } from "../../lib/aave/liquidation.js";
import { percentMul } from "../../lib/aave/percentageMath.js";
import { rayDiv, rayMul } from "../../lib/aave/wadRayMath.js";
import {
  advanceTime,
  fund,
  type MarketAsset,
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
const MAX = 2n ** 256n - 1n;

/** Alice: 10 WETH collateral (20,000 USD), 15,000 USDC debt: HF 1.1 at 2000 USD/ETH. A month of interest. */
async function openPosition() {
  const { alice, weth, usdc, pool, liquidator } = fixture;
  await fund(fixture, alice, weth, 10n * e18);
  await send(fixture, alice, {
    address: pool,
    abi: lendingPoolAbi,
    functionName: "supply",
    args: [weth.token, 10n * e18, alice.account.address, 0],
  });
  await send(fixture, alice, {
    address: pool,
    abi: lendingPoolAbi,
    functionName: "borrow",
    args: [usdc.token, 15_000n * e6, 2n, 0, alice.account.address],
  });
  await fund(fixture, liquidator, usdc, 100_000n * e6);
  await advanceTime(fixture, 30 * 24 * 3600);
}

async function balanceOf(asset: MarketAsset, owner: Address, blockNumber?: bigint) {
  return fixture.publicClient.readContract({
    address: asset.token,
    abi: testERC20Abi,
    functionName: "balanceOf",
    args: [owner],
    blockNumber,
  });
}

async function userReserve(asset: MarketAsset, user: Address, blockNumber?: bigint) {
  return fixture.publicClient.readContract({
    address: fixture.pool,
    abi: lendingPoolAbi,
    functionName: "getUserReserve",
    args: [user, asset.token],
    blockNumber,
  });
}

/**
 * Liquidates alice's USDC debt against her WETH in the next block (at a pinned timestamp), predicts every amount
 * with lib/aave from the state before, and checks the chain moved exactly those amounts.
 */
async function liquidateAndCheck(
  debtToCover: bigint,
  receiveAToken = false,
): Promise<LiquidationAmounts & { userDebt: bigint; userCollateral: bigint }> {
  const { publicClient, testClient, liquidator, alice, weth, usdc, pool } = fixture;
  const user = alice.account.address;
  const before = await publicClient.getBlock();
  const timestamp = before.timestamp + 12n;
  const positions = await readPositions(fixture, user, before.number, timestamp);
  const account = calculateUserAccountData(positions);
  const [usdcPosition, wethPosition] = [positions[0]!, positions[1]!];
  const expected = calculateLiquidationAmounts({
    healthFactor: account.healthFactor,
    userDebt: rayMul(usdcPosition.scaledDebt, usdcPosition.normalizedDebt),
    userCollateralBalance: rayMul(wethPosition.scaledCollateral, wethPosition.normalizedIncome),
    debtToCover,
    debtPrice: usdcPosition.price,
    collateralPrice: wethPosition.price,
    debtDecimals: 6,
    collateralDecimals: 18,
    liquidationBonus: BigInt(weth.liquidationBonus),
  });
  const balances = async (blockNumber: bigint) => ({
    liquidatorUsdc: await balanceOf(usdc, liquidator.account.address, blockNumber),
    liquidatorWeth: await balanceOf(weth, liquidator.account.address, blockNumber),
    poolUsdc: await balanceOf(usdc, pool, blockNumber),
    poolWeth: await balanceOf(weth, pool, blockNumber),
    userWeth: await userReserve(weth, user, blockNumber),
    userUsdc: await userReserve(usdc, user, blockNumber),
    liquidatorReserve: await userReserve(weth, liquidator.account.address, blockNumber),
  });
  const start = await balances(before.number);

  await testClient.setNextBlockTimestamp({ timestamp });
  const receipt = await send(fixture, liquidator, {
    address: pool,
    abi: lendingPoolAbi,
    functionName: "liquidationCall",
    args: [weth.token, usdc.token, user, debtToCover, receiveAToken],
  });
  const end = await balances(receipt.blockNumber);
  const events = parseEventLogs({ abi: lendingPoolAbi, logs: receipt.logs });
  const liquidation = events.find((event) => event.eventName === "LiquidationCall");
  expect(liquidation?.args).toEqual({
    collateralAsset: weth.token,
    debtAsset: usdc.token,
    user,
    debtToCover: expected.debtToLiquidate,
    liquidatedCollateralAmount: expected.collateralToLiquidate,
    liquidator: liquidator.account.address,
    receiveAToken,
  });

  const userDebt = rayMul(usdcPosition.scaledDebt, usdcPosition.normalizedDebt);
  const userCollateral = rayMul(wethPosition.scaledCollateral, wethPosition.normalizedIncome);
  // Debt: the liquidator pays exactly the repaid debt; the user's scaled debt falls by its scaled value.
  expect(start.liquidatorUsdc - end.liquidatorUsdc).toBe(expected.debtToLiquidate);
  expect(end.poolUsdc - start.poolUsdc).toBe(expected.debtToLiquidate);
  const scaledDebtBurned =
    expected.debtToLiquidate === userDebt
      ? usdcPosition.scaledDebt
      : rayDiv(expected.debtToLiquidate, usdcPosition.normalizedDebt);
  expect(start.userUsdc[1] - end.userUsdc[1]).toBe(scaledDebtBurned);
  // Collateral: the user's scaled collateral falls by the seized amount's scaled value.
  const scaledCollateralSeized =
    expected.collateralToLiquidate === userCollateral
      ? wethPosition.scaledCollateral
      : rayDiv(expected.collateralToLiquidate, wethPosition.normalizedIncome);
  expect(start.userWeth[0] - end.userWeth[0]).toBe(scaledCollateralSeized);
  if (receiveAToken) {
    expect(end.liquidatorWeth).toBe(start.liquidatorWeth);
    expect(end.liquidatorReserve[0] - start.liquidatorReserve[0]).toBe(scaledCollateralSeized);
    expect(end.poolWeth).toBe(start.poolWeth);
  } else {
    expect(end.liquidatorWeth - start.liquidatorWeth).toBe(expected.collateralToLiquidate);
    expect(start.poolWeth - end.poolWeth).toBe(expected.collateralToLiquidate);
  }
  const disabled = events.some((event) => event.eventName === "ReserveUsedAsCollateralDisabled");
  expect(disabled).toBe(expected.collateralToLiquidate === userCollateral);
  expect(end.userWeth[2]).toBe(expected.collateralToLiquidate !== userCollateral);
  return { ...expected, userDebt, userCollateral };
}

async function healthFactor() {
  const data = await fixture.publicClient.readContract({
    address: fixture.pool,
    abi: lendingPoolAbi,
    functionName: "getUserAccountData",
    args: [fixture.alice.account.address],
  });
  return data[5];
}

describe("liquidationCall moves exactly what LiquidationLogic says", () => {
  it("rejects liquidating a healthy position", async () => {
    await onSnapshot(fixture, async () => {
      await openPosition();
      const { liquidator, pool, weth, usdc, alice } = fixture;
      expect(await healthFactor()).toBeGreaterThan(10n ** 18n);
      const attempt = liquidator.writeContract({
        address: pool,
        abi: lendingPoolAbi,
        functionName: "liquidationCall",
        args: [weth.token, usdc.token, alice.account.address, MAX, false],
      });
      expect(await revertName(attempt)).toBe("HealthFactorNotBelowThreshold");
    });
  });

  it("repays at most 50% of the debt while 0.95 <= HF < 1", async () => {
    await onSnapshot(fixture, async () => {
      await openPosition();
      await setPrice(fixture, fixture.weth, 1750_00000000n);
      const hf = await healthFactor();
      expect(hf).toBeLessThan(10n ** 18n);
      expect(hf).toBeGreaterThan(95n * 10n ** 16n);
      const amounts = await liquidateAndCheck(MAX);
      expect(amounts.closeFactor).toBe(5_000n);
      expect(amounts.debtToLiquidate).toBe(percentMul(amounts.userDebt, 5_000n));
      // Half of ~15,026 USDC at 1750 USD/ETH with a 5% bonus is about 4.508 WETH.
      expect(amounts.collateralToLiquidate / 10n ** 16n).toBe(450n);
    });
  });

  it("repays exactly debtToCover when it is below the close-factor cap", async () => {
    await onSnapshot(fixture, async () => {
      await openPosition();
      await setPrice(fixture, fixture.weth, 1750_00000000n);
      const amounts = await liquidateAndCheck(1_000n * e6);
      expect(amounts.debtToLiquidate).toBe(1_000n * e6);
    });
  });

  it("repays 100% of the debt once HF < 0.95", async () => {
    await onSnapshot(fixture, async () => {
      await openPosition();
      await setPrice(fixture, fixture.weth, 1700_00000000n);
      expect(await healthFactor()).toBeLessThan(95n * 10n ** 16n);
      const amounts = await liquidateAndCheck(MAX);
      expect(amounts.closeFactor).toBe(10_000n);
      expect(amounts.debtToLiquidate).toBe(amounts.userDebt);
      const [, scaledDebt] = await userReserve(fixture.usdc, fixture.alice.account.address);
      expect(scaledDebt).toBe(0n);
      expect(await healthFactor()).toBe(MAX);
    });
  });

  it("caps the seizure at the user's collateral and recomputes the debt repaid", async () => {
    await onSnapshot(fixture, async () => {
      await openPosition();
      await setPrice(fixture, fixture.weth, 1500_00000000n);
      const amounts = await liquidateAndCheck(MAX);
      expect(amounts.closeFactor).toBe(10_000n);
      // All 10 WETH (plus its interest) are seized; they cover 10 * 1500 / 1.05 = 14,285.71 USDC of debt.
      expect(amounts.collateralToLiquidate).toBe(amounts.userCollateral);
      expect(amounts.collateralToLiquidate).toBeGreaterThanOrEqual(10n * e18);
      expect(amounts.debtToLiquidate).toBeLessThan(amounts.userDebt);
      expect(amounts.debtToLiquidate / e6).toBe(14_285n);
      const [scaledCollateral, scaledDebt, used] = await userReserve(
        fixture.weth,
        fixture.alice.account.address,
      );
      expect([scaledCollateral, used]).toEqual([0n, false]);
      const [, remainingDebt] = await userReserve(fixture.usdc, fixture.alice.account.address);
      expect(remainingDebt).toBeGreaterThan(0n);
      expect(scaledDebt).toBe(0n);
    });
  });

  it("hands over scaled collateral instead of tokens with receiveAToken", async () => {
    await onSnapshot(fixture, async () => {
      await openPosition();
      await setPrice(fixture, fixture.weth, 1750_00000000n);
      const amounts = await liquidateAndCheck(2_000n * e6, true);
      expect(amounts.debtToLiquidate).toBe(2_000n * e6);
      const [, , used] = await userReserve(fixture.weth, fixture.liquidator.account.address);
      expect(used).toBe(true);
    });
  });
});
