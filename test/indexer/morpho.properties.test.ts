import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { morphoActionSequenceArbitrary } from "../../harness/morphoActions.js";
import { type MorphoPropertyRig, startMorphoPropertyRig } from "../../harness/morphoProperty.js";

/**
 * The indexer against the real Morpho Blue (harness/morphoProperty.ts): random sequences of supply,
 * withdraw, collateral moves, borrow, repay (by assets and by shares), price rounds on both feeds, time
 * jumps, accruals, fee and fee-recipient changes and liquidations (bad debt included) run on three markets
 * of one anvil while `ponder start` follows it live. At checkpoints every indexed market and position equals
 * Morpho's storage at the same block, and every borrower's debt and liquidatability computed from indexed
 * rows alone equal what Morpho charges and decides at that block.
 */

const RUNS = Number(process.env.MORPHO_PROPERTY_RUNS ?? 100);
const STEPS = Number(process.env.MORPHO_PROPERTY_STEPS ?? 12);
/** MORPHO_PROPERTY_SEED replays a reported failure's sequence of runs (the markets carry on across runs). */
const SEED = process.env.MORPHO_PROPERTY_SEED ? Number(process.env.MORPHO_PROPERTY_SEED) : undefined;

let rig: MorphoPropertyRig;

beforeAll(async () => {
  rig = await startMorphoPropertyRig({
    // Once per run (4 + STEPS actions): the markets carry on across runs, so every checkpoint follows
    // 16 fresh actions by default; checking every 8 doubled the time spent waiting for Ponder (78 s of 214 s).
    checkEvery: Number(process.env.MORPHO_PROPERTY_CHECK_EVERY ?? STEPS + 4),
    trace: Boolean(process.env.MORPHO_PROPERTY_TRACE),
  });
}, 240_000);

afterAll(async () => {
  await rig?.stop(process.env.MORPHO_PROPERTY_PONDER_LOG);
});

describe("indexed Morpho Blue markets and positions equal Morpho's", () => {
  it(`${RUNS} random runs of 4 opening and ${STEPS} random steps: storage, debt and liquidatability to the wei`, async () => {
    const started = Date.now();
    const firstBlock = await rig.f.publicClient.getBlockNumber();
    await fc.assert(
      fc.asyncProperty(morphoActionSequenceArbitrary(STEPS), (actions) => rig.runSequence(actions)),
      // A failing run is reported as found: shrinking would replay many on-chain sequences.
      { numRuns: RUNS, endOnFailure: true, ...(SEED === undefined ? {} : { seed: SEED }) },
    );
    const s = rig.stats;
    console.log(
      `morpho properties: ${s.sequences} runs x (4 + ${STEPS}) steps in ${((Date.now() - started) / 1000).toFixed(1)} s; ` +
        `${s.applied} actions applied, ${s.skipped} skipped, ${s.badDebtLiquidations} bad-debt liquidations; ` +
        `${s.checkpoints} checkpoints, ${s.positions} position comparisons, borrowers healthy ` +
        `${s.healthyBorrowers} / liquidatable ${s.liquidatableBorrowers}; ` +
        `${(await rig.f.publicClient.getBlockNumber()) - firstBlock} blocks; time in actions ` +
        `${(s.actionMs / 1000).toFixed(1)} s, in checkpoints ${(s.checkpointMs / 1000).toFixed(1)} s (waiting ` +
        `for Ponder ${(s.waitMs / 1000).toFixed(1)} s); applied by kind ${JSON.stringify(s.kinds)}; ` +
        `skipped ${JSON.stringify(s.skipReasons)}`,
    );
    expect(s.sequences).toBe(RUNS);
    // The sequences must really exercise the markets and reach both sides of the rule, or the equalities
    // above proved little.
    expect(s.applied).toBeGreaterThan(RUNS * (STEPS + 4) * 0.5);
    expect(s.kinds.liquidate ?? 0).toBeGreaterThan(0);
    expect(s.badDebtLiquidations).toBeGreaterThan(0);
    expect(s.healthyBorrowers).toBeGreaterThan(0);
    expect(s.liquidatableBorrowers).toBeGreaterThan(0);
  }, 900_000);
});
