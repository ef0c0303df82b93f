import type { RiskBook } from "./book.js";
import type { HealthArrays } from "./health.js";
import { bridgeFailure, priceShockCascade } from "./stress.js";

/** A stress scenario run on every refresh, for metrics and alerts. `name` is a bounded label value. */
export type StandardScenario =
  | { name: string; kind: "priceShock"; shock: number }
  | { name: string; kind: "bridgeFailure"; bridge: string; recovery: number };

export type StandardScenarioResult = { scenario: StandardScenario; badDebtUsd: number };

/**
 * The fixed scenario set: market-wide collateral shocks of -10/-30/-50% (cascade) and, for every bridge,
 * failure with 50% and 0% recovery. The label count is bounded by the number of bridges.
 *
 * @example
 * standardScenarios(book).map((s) => s.name); // ["price_shock_all_10", ..., "bridge_failure_main_rho0"]
 */
export function standardScenarios(book: RiskBook): StandardScenario[] {
  const scenarios: StandardScenario[] = [0.1, 0.3, 0.5].map((shock) => ({
    name: `price_shock_all_${Math.round(shock * 100)}`,
    kind: "priceShock",
    shock,
  }));
  for (const b of book.bridges) {
    for (const recovery of [0.5, 0]) {
      scenarios.push({
        name: `bridge_failure_${b.name}_rho${Math.round(recovery * 100)}`,
        kind: "bridgeFailure",
        bridge: b.id,
        recovery,
      });
    }
  }
  return scenarios;
}

/**
 * Runs {@link standardScenarios} and returns the bad debt each one produces.
 *
 * @example
 * for (const r of runStandardScenarios(book, health)) console.log(r.scenario.name, r.badDebtUsd);
 */
export function runStandardScenarios(book: RiskBook, health: HealthArrays): StandardScenarioResult[] {
  return standardScenarios(book).map((scenario) => ({
    scenario,
    badDebtUsd:
      scenario.kind === "priceShock"
        ? priceShockCascade(book, { shock: scenario.shock }).badDebtUsd
        : bridgeFailure(book, { bridge: scenario.bridge, recovery: scenario.recovery }, health).badDebtUsd,
  }));
}
