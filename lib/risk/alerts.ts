import { z } from "zod";
import type { RiskAnalysis } from "./analyze.js";
import { DEBT_AT_RISK_THRESHOLDS } from "./analyze.js";
import type { StandardScenarioResult } from "./scenarios.js";

export const SEVERITIES = ["info", "warning", "critical"] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Thresholds of the alert rules. Parse partial input with {@link alertConfigSchema} to get defaults. */
export const alertConfigSchema = z.object({
  /**
   * Backing ratio below this is critical (undercollateralized). In flight counts in S, so a lock-mint
   * bridge sits at exactly 1 in normal operation: no warning band above 1.
   */
  backingRatioCritical: z.number().positive().default(1),
  /** Liquidatable positions: warning at any debt, critical above this much debt. */
  liquidatableDebtCriticalUsd: z.number().nonnegative().default(1_000_000),
  /** Debt at HF < 1.1 above this raises "liquidation risk high". */
  liquidationRiskDebtUsd: z.number().nonnegative().default(250_000),
  /** E[p,b] above this raises "exposure concentration". */
  exposureShareWarning: z.number().min(0).max(1).default(0.5),
  /** Bad debt of any standard stress scenario above this. */
  stressBadDebtUsd: z.number().nonnegative().default(100_000),
  /** A data source older than this many seconds is stale (warning); 4x is critical. */
  staleAfterSeconds: z.number().positive().default(300),
});
export type AlertConfig = z.infer<typeof alertConfigSchema>;

/** Defaults of every threshold. */
export const DEFAULT_ALERT_CONFIG: AlertConfig = alertConfigSchema.parse({});

export type AlertKind =
  | "bridge_undercollateralized"
  | "positions_liquidatable"
  | "liquidation_risk_high"
  | "exposure_concentration"
  | "stress_bad_debt"
  | "stale_data"
  | "positions_unpriced";

export type RiskAlert = {
  kind: AlertKind;
  severity: Severity;
  message: string;
  /** The measured figure and the threshold it crossed. */
  value: number;
  threshold: number;
  bridge?: string;
  asset?: string;
  protocol?: string;
  source?: string;
  scenario?: string;
};

export type EvaluateAlertsParameters = {
  config?: Partial<AlertConfig>;
  /** Unix seconds "now" for staleness (pass it in: the engine reads no clock). */
  now: number;
  /** Results of runStandardScenarios, if the caller ran them; stress alerts are skipped otherwise. */
  scenarios?: StandardScenarioResult[];
};

const usd = (v: number) => `$${Math.round(v).toLocaleString("en-US")}`;

/**
 * Active risk conditions, most severe first.
 *
 * @example
 * const alerts = evaluateAlerts(analysis, { now: Date.now() / 1000, config: { staleAfterSeconds: 60 } });
 * alerts.filter((a) => a.severity === "critical");
 */
export function evaluateAlerts(analysis: RiskAnalysis, params: EvaluateAlertsParameters): RiskAlert[] {
  const cfg = alertConfigSchema.parse(params.config ?? {});
  const { book } = analysis;
  const alerts: RiskAlert[] = [];

  for (const row of analysis.backing) {
    const br = row.backingRatio;
    if (br === null || br >= cfg.backingRatioCritical) continue;
    alerts.push({
      kind: "bridge_undercollateralized",
      severity: "critical",
      message: `${row.bridgeName}/${row.symbol}: backing ratio ${br.toFixed(4)}, shortfall ${usd(row.shortfallUsd)}`,
      value: br,
      threshold: cfg.backingRatioCritical,
      bridge: row.bridgeName,
      asset: row.symbol,
    });
  }

  const riskIndex = DEBT_AT_RISK_THRESHOLDS.indexOf(1.1);
  for (const s of analysis.protocols) {
    const name = book.protocols[s.protocol]!.name;
    const liquidatableDebt = s.debtAtRiskUsd[0]!;
    if (s.positionsLiquidatable > 0) {
      alerts.push({
        kind: "positions_liquidatable",
        severity: liquidatableDebt > cfg.liquidatableDebtCriticalUsd ? "critical" : "warning",
        message: `${name}: ${s.positionsLiquidatable} positions liquidatable (HF < 1), debt ${usd(liquidatableDebt)}`,
        value: liquidatableDebt,
        threshold: 0,
        protocol: name,
      });
    }
    const unknown = s.positionsStale + s.positionsUnpriced;
    if (unknown > 0) {
      // Unknown is never healthy: these positions are out of every other figure, so say so loudly.
      alerts.push({
        kind: "positions_unpriced",
        severity: "warning",
        message: `${name}: ${s.positionsUnpriced} unpriced and ${s.positionsStale} stale positions (health unknown)`,
        value: unknown,
        threshold: 0,
        protocol: name,
      });
    }
    const atRisk = s.debtAtRiskUsd[riskIndex]!;
    if (atRisk > cfg.liquidationRiskDebtUsd) {
      alerts.push({
        kind: "liquidation_risk_high",
        severity: "warning",
        message: `${name}: ${usd(atRisk)} of debt at HF < 1.1`,
        value: atRisk,
        threshold: cfg.liquidationRiskDebtUsd,
        protocol: name,
      });
    }
  }

  for (const p of analysis.exposure.protocols) {
    for (const e of p.bridges) {
      if (e.share <= cfg.exposureShareWarning) continue;
      const protocol = book.protocols[p.protocol]!.name;
      const bridge = book.bridges[e.bridge]!.name;
      alerts.push({
        kind: "exposure_concentration",
        severity: "warning",
        message: `${protocol}: ${(e.share * 100).toFixed(1)}% of collateral rides on bridge ${bridge}`,
        value: e.share,
        threshold: cfg.exposureShareWarning,
        protocol,
        bridge,
      });
    }
  }

  for (const r of params.scenarios ?? []) {
    if (r.badDebtUsd <= cfg.stressBadDebtUsd) continue;
    alerts.push({
      kind: "stress_bad_debt",
      severity: "warning",
      message: `scenario ${r.scenario.name}: bad debt ${usd(r.badDebtUsd)}`,
      value: r.badDebtUsd,
      threshold: cfg.stressBadDebtUsd,
      scenario: r.scenario.name,
    });
  }

  for (const { source, updatedAt } of dataSources(analysis)) {
    const age = params.now - updatedAt;
    if (age <= cfg.staleAfterSeconds) continue;
    alerts.push({
      kind: "stale_data",
      severity: age > 4 * cfg.staleAfterSeconds ? "critical" : "warning",
      message: `${source} last updated ${Math.round(age)} s ago`,
      value: age,
      threshold: cfg.staleAfterSeconds,
      source,
    });
  }

  const rank = (s: Severity) => SEVERITIES.indexOf(s);
  return alerts.sort((a, b) => rank(b.severity) - rank(a.severity));
}

/**
 * Every timestamped input of a snapshot as (source, updatedAt): declared sources, each chain's latest
 * indexed block (`chain:<id>`) and each asset's price feed (`price:<symbol>`). Bounded label values.
 *
 * @example
 * dataSources(analysis); // [{ source: "indexer", updatedAt: 1700000000 }, { source: "chain:31337", ... }]
 */
export function dataSources(
  analysis: Pick<RiskAnalysis, "snapshot">,
): { source: string; updatedAt: number }[] {
  const { asOf, assets } = analysis.snapshot;
  return [
    ...asOf.sources,
    ...asOf.blockTimestamps.map((b) => ({ source: `chain:${b.chainId}`, updatedAt: b.timestamp })),
    // An asset with no price source at all has no answer to age (updatedAt 0): it would read as stale
    // for ever. Its reserves are unpriced instead, which reserves() and PositionsUnpriced report.
    ...assets
      .filter((a) => a.priceUpdatedAt > 0)
      .map((a) => ({ source: `price:${a.symbol}`, updatedAt: a.priceUpdatedAt })),
  ];
}

/**
 * Whether a severity is at least `min`.
 *
 * @example
 * atLeast("critical", "warning"); // true
 */
export function atLeast(severity: Severity, min: Severity): boolean {
  return SEVERITIES.indexOf(severity) >= SEVERITIES.indexOf(min);
}
