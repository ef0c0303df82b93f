/**
 * The Aave indexer property run, longer than `npm test`'s 100 runs: random action sequences against the
 * real Aave v3 Pool on anvil while `ponder start` (PostgreSQL) follows it live; at each checkpoint every
 * touched account's indexed figures and scaled balances must equal the chain's to the wei
 * (harness/aaveProperty.ts). Stops at the first mismatch and exits 1 with it.
 *
 * Usage: npx tsx bench/aave-properties.ts [runs=500] [steps=25] [seed]
 * Prints progress every 25 runs; the last line printed is one JSON object with every figure.
 */
import fc from "fast-check";
import { aaveActionSequenceArbitrary } from "../harness/aaveActions.js";
import { IndexedMismatchError, startAavePropertyRig } from "../harness/aaveProperty.js";

const [runsArg, stepsArg, seedArg] = process.argv.slice(2);
const RUNS = Number(runsArg ?? 500);
const STEPS = Number(stepsArg ?? 25);
const SEED = seedArg === undefined ? Date.now() % 2 ** 31 : Number(seedArg);
for (const [name, value] of [
  ["runs", RUNS],
  ["steps", STEPS],
  ["seed", SEED],
] as const) {
  if (!Number.isInteger(value) || value < 0) {
    console.error(`bench/aave-properties: ${name} must be a non-negative integer, got ${String(value)}`);
    process.exit(2);
  }
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

console.log(`starting anvil, the Aave v3 market and ponder (seed ${SEED}) ...`);
const rig = await startAavePropertyRig({ checkEvery: 13, priceCheckSeconds: 10 });
const started = performance.now();
const firstBlock = await rig.f.publicClient.getBlockNumber();
let mismatch: string | undefined;
try {
  await fc.assert(
    fc.asyncProperty(aaveActionSequenceArbitrary(STEPS), async (actions) => {
      await rig.runSequence(actions);
      const done = rig.stats.sequences;
      if (done % 25 === 0)
        console.log(
          `${done}/${RUNS} runs, ${rig.stats.accounts} account comparisons, ` +
            `${((performance.now() - started) / 1000).toFixed(0)} s`,
        );
    }),
    { numRuns: RUNS, seed: SEED, endOnFailure: true },
  );
} catch (error) {
  const cause = (error as Error & { cause?: unknown }).cause;
  if (!(cause instanceof IndexedMismatchError)) throw error;
  mismatch = cause.message;
}
const seconds = (performance.now() - started) / 1000;
const blocks = Number((await rig.f.publicClient.getBlockNumber()) - firstBlock);
await rig.stop();

const s = rig.stats;
const waits = s.waitSamplesMs;
console.log(
  `seed ${SEED}: ${s.sequences} runs x ${STEPS} steps in ${seconds.toFixed(1)} s, ${blocks} blocks`,
);
console.log(`actions applied ${s.applied}, skipped ${s.skipped}; by kind ${JSON.stringify(s.kinds)}`);
console.log(
  `checkpoints ${s.checkpoints}, account comparisons ${s.accounts}, mismatches ${mismatch ? 1 : 0}; ` +
    `wait for ponder per checkpoint median ${percentile(waits, 50).toFixed(0)} ms, ` +
    `p95 ${percentile(waits, 95).toFixed(0)} ms, max ${s.maxWaitMs.toFixed(0)} ms`,
);
if (mismatch) console.log(`first mismatch:\n${mismatch}`);
console.log(
  JSON.stringify({
    seed: SEED,
    runs: s.sequences,
    steps_per_run: STEPS,
    actions_applied: s.applied,
    actions_skipped: s.skipped,
    liquidations: s.kinds.liquidate ?? 0,
    checkpoints: s.checkpoints,
    account_comparisons: s.accounts,
    mismatches: mismatch ? 1 : 0,
    blocks,
    duration_s: Number(seconds.toFixed(1)),
    runs_per_minute: Number(((s.sequences / seconds) * 60).toFixed(2)),
    ponder_wait_median_ms: Math.round(percentile(waits, 50)),
    ponder_wait_p95_ms: Math.round(percentile(waits, 95)),
    ponder_wait_max_ms: Math.round(s.maxWaitMs),
  }),
);
process.exit(mismatch ? 1 : 0);
