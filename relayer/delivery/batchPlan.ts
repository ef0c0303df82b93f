import { withGasMargin } from "./gasPolicy.js";
import type { SimulatedCall } from "./simulation.js";

export type PlanBatchesParameters<T> = {
  /** The messages to deliver, in nonce (leaf) order. */
  messages: readonly T[];
  /** Gas one batch may use (with the margin); a single message over it still goes, alone. */
  gasCap: bigint;
  /** Messages one batch may carry at most. */
  maxMessages: number;
  /**
   * Simulates the parts as consecutive transactions (each on the state the ones before it leave),
   * one result per part; undefined when it cannot simulate now (planning stops with what it has).
   */
  simulate(parts: T[][]): Promise<SimulatedCall[] | undefined>;
};

export type PlannedBatch<T> = { members: T[]; gas: bigint };

/** A batch that would revert was cut to its longest prefix passing within the gas cap (for the log). */
export type BatchCut = { size: number; passing: number; error: unknown };

export type PlanBatchesReturnType<T> = {
  /** To send in this order; every batch passed the simulation after the ones before it. */
  batches: PlannedBatch<T>[];
  /** Messages that revert even alone (after the batches before them), with their revert. */
  failing: { message: T; error: unknown }[];
  /**
   * Messages to try once the batches are mined: a reverting batch's failing message and those after
   * it, or those behind a message that failed alone (a shared budget such as the mint ceiling may
   * have been what failed it).
   */
  deferred: T[];
  /** Messages not planned, on no verdict (simulation unavailable, or behind a deferred part). */
  unplanned: T[];
  cuts: BatchCut[];
};

/**
 * Cuts `messages` into batches by simulation: all of them in parts of at most `maxMessages` first; a
 * part over `gasCap` makes every part the size that fits by the measured gas per message (once); a part
 * that reverts is cut to its longest prefix that passes within the gas cap (binary search), and a
 * message that fails even alone is reported as failing while the others go on.
 *
 * @example
 * const plan = await planBatches({ messages: ready, gasCap: 8_000_000n, maxMessages: 200, simulate });
 * for (const { message, error } of plan.failing) await settle(message, error);
 */
export async function planBatches<T>(
  parameters: PlanBatchesParameters<T>,
): Promise<PlanBatchesReturnType<T>> {
  const { gasCap, maxMessages, simulate } = parameters;
  const plan: PlanBatchesReturnType<T> = { batches: [], failing: [], deferred: [], unplanned: [], cuts: [] };
  let remaining = [...parameters.messages];
  const done = (deferred: T[] = [], unplanned: T[] = []) => {
    plan.deferred.push(...deferred);
    plan.unplanned.push(...unplanned);
    return plan;
  };
  while (remaining.length > 0) {
    let parts = chunk(remaining, maxMessages);
    let results = await simulate(parts);
    if (!results) return done([], remaining);
    // Over the gas cap: cut into parts that each fit, from the measured gas per message.
    const over = results.findIndex(
      (r, i) => r.ok && withGasMargin(r.gasUsed) > gasCap && parts[i]!.length > 1,
    );
    if (over >= 0) {
      const r = results[over] as { ok: true; gasUsed: bigint };
      const perMessage = withGasMargin(r.gasUsed) / BigInt(parts[over]!.length) + 1n;
      const fit = Math.max(1, Number((gasCap * 9n) / 10n / perMessage));
      parts = chunk(remaining, Math.min(fit, maxMessages));
      results = await simulate(parts);
      if (!results) return done([], remaining);
    }
    const failed = results.findIndex((r) => !r.ok);
    const passing = failed < 0 ? parts : parts.slice(0, failed);
    for (const [i, part] of passing.entries()) {
      const r = results[i] as { ok: true; gasUsed: bigint };
      plan.batches.push({ members: part, gas: withGasMargin(r.gasUsed) });
    }
    if (failed < 0) return done();
    // parts[failed] reverts (after the passing ones): find its longest prefix that passes and fits the
    // gas cap (a reverting part's gas was never measured, so it may be over the cap too).
    const part = parts[failed]!;
    const after = remaining.slice(passing.flat().length + part.length);
    let good = 0;
    let goodGas: bigint | undefined;
    let bad = part.length;
    let aloneError: unknown = (results[failed] as { ok: false; error: unknown }).error;
    while (bad - good > 1) {
      const middle = Math.floor((good + bad) / 2);
      const trial = await simulate([...passing, part.slice(0, middle)]);
      if (!trial) return done([], [...part, ...after]);
      const last = trial[trial.length - 1]!;
      if (!last.ok) [bad, aloneError] = [middle, last.error];
      else if (withGasMargin(last.gasUsed) > gasCap && middle > 1) bad = middle;
      else [good, goodGas] = [middle, withGasMargin(last.gasUsed)];
    }
    plan.cuts.push({ size: part.length, passing: good, error: aloneError });
    if (good > 0) {
      plan.batches.push({ members: part.slice(0, good), gas: goodGas! });
      return done(part.slice(good), after);
    }
    // The first message of the part fails even alone: it is failing; the rest go on.
    plan.failing.push({ message: part[0]!, error: aloneError });
    remaining = [...part.slice(1), ...after];
    if (plan.batches.length > 0) return done(remaining);
  }
  return done();
}

/** `items` in the fewest parts of at most `size`, as equal as they come (leaf order kept). */
function chunk<T>(items: readonly T[], size: number): T[][] {
  const parts: T[][] = [];
  const count = Math.ceil(items.length / size);
  const each = Math.ceil(items.length / count);
  for (let i = 0; i < items.length; i += each) parts.push(items.slice(i, i + each));
  return parts;
}
