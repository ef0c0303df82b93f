/**
 * Gas per LendingPool action and per price update, on a fresh anvil chain: the median of RUNS repetitions,
 * each on the same snapshot so every run measures the same state (one existing supplier, interest accrued
 * for a day since the reserves were last touched).
 *
 * Usage: npx tsx bench/gas-market.ts
 */
import type { TransactionReceipt } from "viem";
import { lendingPoolAbi, priceFeedAbi } from "../contracts/generated/index.js";
import {
  advanceTime,
  fund,
  type MarketFixture,
  onSnapshot,
  send,
  setPrice,
  startMarketFixture,
} from "../test/helpers/marketFixture.js";

const RUNS = 5;
const e18 = 10n ** 18n;
const e6 = 10n ** 6n;

function median(values: bigint[]): bigint {
  const sorted = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** One pass through the lifecycle; returns gasUsed per action. */
async function lifecycle(fixture: MarketFixture): Promise<Record<string, TransactionReceipt>> {
  const { alice, liquidator, pool, weth, usdc } = fixture;
  const user = alice.account.address;
  const call = { address: pool, abi: lendingPoolAbi } as const;
  const receipts: Record<string, TransactionReceipt> = {};
  await advanceTime(fixture, 24 * 3600);
  receipts["supply (first, enables collateral)"] = await send(fixture, alice, {
    ...call,
    functionName: "supply",
    args: [weth.token, 10n * e18, user, 0],
  });
  await advanceTime(fixture, 3600);
  receipts["supply (top-up)"] = await send(fixture, alice, {
    ...call,
    functionName: "supply",
    args: [weth.token, e18, user, 0],
  });
  receipts["borrow (first)"] = await send(fixture, alice, {
    ...call,
    functionName: "borrow",
    args: [usdc.token, 15_000n * e6, 2n, 0, user],
  });
  await advanceTime(fixture, 3600);
  receipts["repay (partial)"] = await send(fixture, alice, {
    ...call,
    functionName: "repay",
    args: [usdc.token, 1_000n * e6, 2n, user],
  });
  receipts["withdraw (partial, HF check)"] = await send(fixture, alice, {
    ...call,
    functionName: "withdraw",
    args: [weth.token, e18, user],
  });
  receipts["setAnswer (PriceFeed)"] = await send(fixture, fixture.deployer, {
    address: weth.feed,
    abi: priceFeedAbi,
    functionName: "setAnswer",
    args: [1500_00000000n],
  });
  receipts["liquidationCall (3,000 USDC of 14,000, HF 0.88)"] = await send(fixture, liquidator, {
    ...call,
    functionName: "liquidationCall",
    args: [weth.token, usdc.token, user, 3_000n * e6, false],
  });
  await setPrice(fixture, weth, 2000_00000000n);
  receipts["repay (all)"] = await send(fixture, alice, {
    ...call,
    functionName: "repay",
    args: [usdc.token, 2n ** 256n - 1n, 2n, user],
  });
  receipts["withdraw (all, disables collateral)"] = await send(fixture, alice, {
    ...call,
    functionName: "withdraw",
    args: [weth.token, 2n ** 256n - 1n, user],
  });
  return receipts;
}

async function main() {
  const fixture = await startMarketFixture();
  try {
    await fund(fixture, fixture.alice, fixture.weth, 100n * e18);
    await fund(fixture, fixture.alice, fixture.usdc, 100_000n * e6);
    await fund(fixture, fixture.liquidator, fixture.usdc, 100_000n * e6);
    const samples = new Map<string, bigint[]>();
    for (let run = 0; run < RUNS; run++) {
      const receipts = await onSnapshot(fixture, () => lifecycle(fixture));
      for (const [name, receipt] of Object.entries(receipts)) {
        samples.set(name, [...(samples.get(name) ?? []), receipt.gasUsed]);
      }
    }
    const rows = [...samples].map(([action, gas]) => ({
      action,
      "median gas": Number(median(gas)),
      min: Number(gas.reduce((a, b) => (a < b ? a : b))),
      max: Number(gas.reduce((a, b) => (a > b ? a : b))),
    }));
    console.log(
      `LendingPool / PriceFeed gas, ${RUNS} runs, 3 listed reserves, solc 0.8.28 optimizer 200 runs`,
    );
    console.table(rows);
  } finally {
    await fixture.stop();
  }
}

await main();
