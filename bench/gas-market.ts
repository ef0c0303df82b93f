/**
 * Gas per Pool action and per price round of the real Aave v3 market (@aave/core-v3 1.19.3 bytecode,
 * FluxAggregator behind an EACAggregatorProxy), on a fresh anvil chain: the median of RUNS repetitions,
 * each on the same snapshot so every run measures the same state (one existing supplier per reserve,
 * interest accrued for a day since the reserves were last touched). These are Aave's own costs, for
 * reference next to the bridge's: the project does not write market contracts any more.
 *
 * Usage: npx tsx bench/gas-market.ts
 */
import type { Address, TransactionReceipt } from "viem";
import { aavePoolAbi, fluxAggregatorAbi } from "../contracts/generated/index.js";
import {
  type AaveFixture,
  advanceTime,
  fund,
  onSnapshot,
  send,
  setPrice,
  startAaveFixture,
} from "../harness/aaveFixture.js";

const RUNS = 5;
const e18 = 10n ** 18n;
const e6 = 10n ** 6n;

function median(values: bigint[]): bigint {
  const sorted = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** One pass through the lifecycle; returns the receipt per action. */
async function lifecycle(f: AaveFixture): Promise<Record<string, TransactionReceipt>> {
  const [alice] = f.users;
  const user = alice!.account.address;
  const weth = f.tokens.WETH as Address;
  const usdc = f.tokens.USDC as Address;
  const call = { address: f.market.pool, abi: aavePoolAbi } as const;
  const receipts: Record<string, TransactionReceipt> = {};
  await advanceTime(f, 24 * 3600);
  receipts["supply (first, enables collateral)"] = await send(f, alice!, {
    ...call,
    functionName: "supply",
    args: [weth, 10n * e18, user, 0],
  });
  await advanceTime(f, 3600);
  receipts["supply (top-up)"] = await send(f, alice!, {
    ...call,
    functionName: "supply",
    args: [weth, e18, user, 0],
  });
  receipts["borrow (first)"] = await send(f, alice!, {
    ...call,
    functionName: "borrow",
    args: [usdc, 15_000n * e6, 2n, 0, user],
  });
  await advanceTime(f, 3600);
  receipts["repay (partial)"] = await send(f, alice!, {
    ...call,
    functionName: "repay",
    args: [usdc, 1_000n * e6, 2n, user],
  });
  receipts["withdraw (partial, HF check)"] = await send(f, alice!, {
    ...call,
    functionName: "withdraw",
    args: [weth, e18, user],
  });
  const aggregator = f.market.reserve("WETH").priceSource!.aggregator;
  const [, roundId] = await f.publicClient.readContract({
    address: aggregator,
    abi: fluxAggregatorAbi,
    functionName: "oracleRoundState",
    args: [f.deployer.account.address, 0],
  });
  receipts["submit (FluxAggregator round)"] = await send(f, f.deployer, {
    address: aggregator,
    abi: fluxAggregatorAbi,
    functionName: "submit",
    args: [BigInt(roundId), 1500_00000000n],
  });
  receipts["liquidationCall (3,000 USDC of 14,000, HF 0.88, protocol fee)"] = await send(f, f.liquidator, {
    ...call,
    functionName: "liquidationCall",
    args: [weth, usdc, user, 3_000n * e6, false],
  });
  await setPrice(f, "WETH", 2000_00000000n);
  receipts["repay (all)"] = await send(f, alice!, {
    ...call,
    functionName: "repay",
    args: [usdc, 2n ** 256n - 1n, 2n, user],
  });
  receipts["withdraw (all, disables collateral)"] = await send(f, alice!, {
    ...call,
    functionName: "withdraw",
    args: [weth, 2n ** 256n - 1n, user],
  });
  return receipts;
}

async function main() {
  const f = await startAaveFixture();
  try {
    await fund(f, f.users[0]!, f.tokens.WETH!, 100n * e18);
    await fund(f, f.users[0]!, f.tokens.USDC!, 100_000n * e6);
    await fund(f, f.liquidator, f.tokens.USDC!, 100_000n * e6);
    const samples = new Map<string, bigint[]>();
    for (let run = 0; run < RUNS; run++) {
      const receipts = await onSnapshot(f, () => lifecycle(f));
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
      `Aave v3 Pool (core-v3 1.19.3) / FluxAggregator gas, ${RUNS} runs, ${f.market.reserves.length} listed reserves`,
    );
    console.table(rows);
    // Last line: the figures as one JSON object (median gas per action).
    console.log(
      JSON.stringify(
        Object.fromEntries(
          rows.map((r) => [
            `gas_median_${r.action
              .toLowerCase()
              .replace(/[^a-z0-9]+/g, "_")
              .replace(/^_|_$/g, "")}`,
            r["median gas"],
          ]),
        ),
      ),
    );
  } finally {
    await f.stop();
  }
}

await main();
