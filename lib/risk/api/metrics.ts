import { Gauge, type Registry } from "prom-client";
import {
  DEBT_AT_RISK_THRESHOLDS,
  dataSources,
  type RiskAnalysis,
  STALE,
  STATUS_NAMES,
  type StandardScenarioResult,
  UNPRICED,
} from "../index.js";

export type RiskMetrics = {
  /**
   * Replaces every gauge's series with the figures of `analysis` (series of bridges, assets or
   * protocols that disappeared are dropped).
   */
  update: (analysis: RiskAnalysis, scenarios: StandardScenarioResult[]) => void;
};

/**
 * Registers the risk gauges on `registry` (nothing is registered at module load). Label values are
 * bridge/protocol names, asset symbols, chain ids, fixed thresholds and fixed scenario names: bounded by
 * configuration, never by users. A bridge asset with no supply (backing ratio undefined) has no
 * `risk_backing_ratio` series.
 *
 * @example
 * const registry = new Registry();
 * const metrics = createRiskMetrics(registry);
 * metrics.update(analysis, runStandardScenarios(analysis.book, analysis.health));
 */
export function createRiskMetrics(registry: Registry): RiskMetrics {
  const registers = [registry];
  const backingRatio = new Gauge({
    name: "risk_backing_ratio",
    help: "Home-vault balance over remote wrapped supply plus in flight (L / S).",
    labelNames: ["bridge", "asset"] as const,
    registers,
  });
  const shortfall = new Gauge({
    name: "risk_shortfall_usd",
    help: "USD value of max(0, S - L) per bridge and asset.",
    labelNames: ["bridge", "asset"] as const,
    registers,
  });
  const debtAtRisk = new Gauge({
    name: "risk_debt_at_risk_usd",
    help: "Debt of positions whose health factor is below the threshold.",
    labelNames: ["protocol", "chain", "threshold"] as const,
    registers,
  });
  const liquidatable = new Gauge({
    name: "risk_positions_liquidatable",
    help: "Positions with health factor below 1.",
    labelNames: ["protocol", "chain"] as const,
    registers,
  });
  const exposureShare = new Gauge({
    name: "risk_exposure_share",
    help: "Share of a protocol's collateral held in a bridge's wrapped tokens (E[p,b]).",
    labelNames: ["protocol", "bridge"] as const,
    registers,
  });
  const hhi = new Gauge({
    name: "risk_concentration_hhi",
    help: "Herfindahl index of a protocol's collateral over bridges.",
    labelNames: ["protocol"] as const,
    registers,
  });
  const stressBadDebt = new Gauge({
    name: "risk_stress_bad_debt_usd",
    help: "Bad debt under each standard stress scenario.",
    labelNames: ["scenario"] as const,
    registers,
  });
  const positionsUnpriced = new Gauge({
    name: "risk_positions_unpriced",
    help: "Positions whose health factor is unknown because a price they depend on is stale or missing (status: stale | unpriced).",
    labelNames: ["protocol", "chain", "status"] as const,
    registers,
  });
  const priceSourcesUnusable = new Gauge({
    name: "risk_price_sources_unusable",
    help: "Reserves whose AaveOracle price is stale (older than the feed's heartbeat) or unpriced (no source, answer <= 0).",
    labelNames: ["protocol", "chain", "status"] as const,
    registers,
  });
  const lastUpdate = new Gauge({
    name: "risk_data_last_update_timestamp_seconds",
    help: "Unix time of the last update of each data source of the risk snapshot.",
    labelNames: ["source"] as const,
    registers,
  });
  const all = [
    backingRatio,
    shortfall,
    debtAtRisk,
    liquidatable,
    exposureShare,
    hhi,
    stressBadDebt,
    positionsUnpriced,
    priceSourcesUnusable,
    lastUpdate,
  ];

  return {
    update(analysis, scenarios) {
      for (const g of all) g.reset();
      const { book } = analysis;
      for (const row of analysis.backing) {
        const labels = { bridge: row.bridgeName, asset: row.symbol };
        if (row.backingRatio !== null) backingRatio.set(labels, row.backingRatio);
        shortfall.set(labels, row.shortfallUsd);
      }
      for (const s of analysis.protocols) {
        const p = book.protocols[s.protocol]!;
        const labels = { protocol: p.name, chain: String(p.chainId) };
        liquidatable.set(labels, s.positionsLiquidatable);
        // Both statuses always have a series (0 when none), so "no problem" is a value, not an absence.
        positionsUnpriced.set({ ...labels, status: "stale" }, s.positionsStale);
        positionsUnpriced.set({ ...labels, status: "unpriced" }, s.positionsUnpriced);
        const reserves = [0, 0, 0];
        for (let r = 0; r < book.reserveCount; r++) {
          if (book.reserveProtocol[r] === s.protocol) reserves[book.reserveStatus[r]!]!++;
        }
        for (const code of [STALE, UNPRICED]) {
          priceSourcesUnusable.set({ ...labels, status: STATUS_NAMES[code]! }, reserves[code]!);
        }
        DEBT_AT_RISK_THRESHOLDS.forEach((t, k) => {
          debtAtRisk.set({ ...labels, threshold: t.toFixed(t === 1.05 ? 2 : 1) }, s.debtAtRiskUsd[k]!);
        });
      }
      for (const x of analysis.exposure.protocols) {
        const protocol = book.protocols[x.protocol]!.name;
        hhi.set({ protocol }, x.hhi);
        for (const e of x.bridges)
          exposureShare.set({ protocol, bridge: book.bridges[e.bridge]!.name }, e.share);
      }
      for (const r of scenarios) stressBadDebt.set({ scenario: r.scenario.name }, r.badDebtUsd);
      for (const { source, updatedAt } of dataSources(analysis)) lastUpdate.set({ source }, updatedAt);
    },
  };
}
