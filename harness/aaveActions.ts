import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import fc from "fast-check";
import type { Address, Hash } from "viem";
import { plan, type Step } from "./aaveActionPlan.js";
import type { AaveFixture } from "./aaveFixture.js";
import { revertReason, send } from "./aaveTx.js";
/**
 * Random action sequences against the real Aave v3 Pool, for property tests: each action is either
 * applied (one or more transactions, automined) or skipped with a reason, never a test failure by itself.
 * Indexes in actions (user, reserve) are taken modulo what the fixture has, so the arbitrary does not
 * depend on the fixture and shrinks well. Only reserves with a price source take part.
 */

/** Fractions are per mille (1..1000) so they shrink toward small, integral values. */
export type AaveAction =
  | { kind: "supply"; user: number; reserve: number; usd: number }
  | { kind: "borrow"; user: number; reserve: number; perMille: number }
  | { kind: "repay"; user: number; reserve: number; perMille: number }
  | { kind: "withdraw"; user: number; reserve: number; perMille: number }
  | { kind: "transfer"; user: number; to: number; reserve: number; perMille: number }
  | { kind: "eMode"; user: number; category: 0 | 1 }
  | { kind: "collateral"; user: number; reserve: number; enabled: boolean }
  | { kind: "riskParams"; reserve: number; ltvDelta: number; ltDelta: number; bonusDelta: number }
  | { kind: "reserveFactor"; reserve: number; bps: number }
  | { kind: "protocolFee"; reserve: number; bps: number }
  /**
   * A new round on the reserve's aggregator. `onBorrowerCollateral`: the reserve is instead a collateral of
   * a user who has debt (rotating from `reserve`), so shocks reach positions that can become liquidatable.
   */
  | { kind: "price"; reserve: number; changeBps: number; onBorrowerCollateral: boolean }
  | { kind: "time"; seconds: number }
  | {
      kind: "liquidate";
      user: number;
      collateral: number;
      debt: number;
      perMille: number;
      receiveAToken: boolean;
    };

export type AaveActionOutcome = {
  action: AaveAction;
  status: "applied" | "skipped";
  /** Why it was skipped: a precondition, or the Pool's revert reason (Aave v3.0 codes named). */
  reason?: string;
  /** Accounts whose Pool positions may have changed (checkpoint these). */
  touched: Address[];
  hashes: Hash[];
};

const index = fc.integer({ min: 0, max: 15 });
const perMille = fc.integer({ min: 1, max: 1000 });

/** A fast-check arbitrary for one action; weights favour position changes over admin changes. */
export function aaveActionArbitrary(): fc.Arbitrary<AaveAction> {
  return fc.oneof(
    {
      weight: 5,
      arbitrary: fc.record({
        kind: fc.constant("supply" as const),
        user: index,
        reserve: index,
        usd: fc.integer({ min: 10, max: 200_000 }),
      }),
    },
    {
      weight: 4,
      // Mostly near the limit, so price moves and time make positions liquidatable within 25 steps.
      arbitrary: fc.record({
        kind: fc.constant("borrow" as const),
        user: index,
        reserve: index,
        perMille: fc.oneof(perMille, fc.integer({ min: 850, max: 1000 })),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({ kind: fc.constant("repay" as const), user: index, reserve: index, perMille }),
    },
    {
      weight: 2,
      arbitrary: fc.record({ kind: fc.constant("withdraw" as const), user: index, reserve: index, perMille }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant("transfer" as const),
        user: index,
        to: index,
        reserve: index,
        perMille,
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant("eMode" as const),
        user: index,
        category: fc.constantFrom(0 as const, 1 as const),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant("collateral" as const),
        user: index,
        reserve: index,
        enabled: fc.boolean(),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant("riskParams" as const),
        reserve: index,
        ltvDelta: fc.integer({ min: -1500, max: 500 }),
        ltDelta: fc.integer({ min: -1500, max: 500 }),
        bonusDelta: fc.integer({ min: -300, max: 300 }),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant("reserveFactor" as const),
        reserve: index,
        bps: fc.integer({ min: 0, max: 5000 }),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant("protocolFee" as const),
        reserve: index,
        bps: fc.integer({ min: 0, max: 5000 }),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant("price" as const),
        reserve: index,
        changeBps: fc.oneof(fc.integer({ min: -1500, max: 1500 }), fc.integer({ min: -5000, max: 3000 })),
        onBorrowerCollateral: fc.boolean(),
      }),
    },
    // Hours to months.
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant("time" as const),
        seconds: fc.integer({ min: 3600, max: 120 * 86_400 }),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant("liquidate" as const),
        user: index,
        collateral: index,
        debt: index,
        perMille,
        receiveAToken: fc.boolean(),
      }),
    },
  );
}

/** `steps` actions, e.g. 25 for the property test in `npm test`. */
export function aaveActionSequenceArbitrary(steps = 25): fc.Arbitrary<AaveAction[]> {
  return fc.array(aaveActionArbitrary(), { minLength: steps, maxLength: steps });
}

const aaveErrors = loadAaveErrorNames();

/** Aave v3.0 reverts with numeric strings ("35"); name them from the package's own Errors.sol. */
function loadAaveErrorNames(): Map<string, string> {
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve("@aave/core-v3/package.json"));
  const source = readFileSync(join(root, "contracts/protocol/libraries/helpers/Errors.sol"), "utf8");
  const names = new Map<string, string>();
  for (const match of source.matchAll(/constant\s+([A-Z0-9_]+)\s*=\s*'(\d+)'/g))
    names.set(match[2]!, match[1]!);
  return names;
}

/**
 * Applies one action. Preconditions that a read can decide are checked first; anything else the Pool
 * rejects (caps, health factor, eMode rules...) comes back as "skipped" with Aave's reason.
 */
export async function applyAaveAction(f: AaveFixture, action: AaveAction): Promise<AaveActionOutcome> {
  const hashes: Hash[] = [];
  let step: Step;
  try {
    step = await plan(f, action, hashes);
  } catch (error) {
    const reason = revertReason(error);
    if (reason === undefined) throw error;
    return {
      action,
      status: "skipped",
      reason: `setup reverted: ${aaveErrors.get(reason) ?? reason}`,
      touched: [],
      hashes,
    };
  }
  if ("skip" in step) return { action, status: "skipped", reason: step.skip, touched: [], hashes };
  if ("done" in step) return { action, status: "applied", touched: step.touched, hashes };
  try {
    const receipt = await send(f, step.from, step.send);
    hashes.push(receipt.transactionHash);
    return { action, status: "applied", touched: step.touched, hashes };
  } catch (error) {
    const reason = revertReason(error);
    if (reason === undefined) throw error;
    return { action, status: "skipped", reason: aaveErrors.get(reason) ?? reason, touched: [], hashes };
  }
}

/** Applies a sequence; returns every outcome (for logs and for checking that enough happened). */
export async function applyAaveActions(
  f: AaveFixture,
  actions: readonly AaveAction[],
): Promise<AaveActionOutcome[]> {
  const outcomes: AaveActionOutcome[] = [];
  for (const action of actions) outcomes.push(await applyAaveAction(f, action));
  return outcomes;
}
