/**
 * promtool unit tests of every Prometheus alert: a series that crosses the threshold (pending before
 * `for` has elapsed, firing after), and neighbours that must not fire. Expected summaries are written
 * out literally so the templates' output is checked, not re-derived.
 */
import { alertRules, runbookUrl } from "./alerts.js";
import type { YamlValue } from "./yaml.js";

type Case = {
  alert: string;
  interval?: string;
  series: [string, string][];
  /** Evaluation time at which the alert is still pending (not firing). */
  pendingAt: string;
  firingAt: string;
  labels: Record<string, string>;
  summary: string;
  value: string;
};

const cases: Case[] = [
  {
    alert: "BridgeUndercollateralized",
    series: [
      ['risk_backing_ratio{bridge="canonical",asset="USDC"}', "1 1 0.95x10"],
      ['risk_backing_ratio{bridge="canonical",asset="WETH"}', "1x12"],
    ],
    pendingAt: "3m",
    firingAt: "4m",
    labels: { bridge: "canonical", asset: "USDC" },
    summary:
      "Bridge canonical backs USDC at ratio 0.950 (below 1): remote supply exceeds what the home vault holds",
    value: "0.95",
  },
  {
    alert: "BridgeSupplyCheckFailed",
    series: [
      ['indexer_supply_check_healthy{bridge="canonical",asset="WETH",job="indexer_bridge"}', "1 0x10"],
      ['indexer_supply_check_healthy{bridge="canonical",asset="USDC",job="indexer_bridge"}', "1x11"],
    ],
    pendingAt: "1m",
    firingAt: "2m",
    labels: { bridge: "canonical", asset: "WETH" },
    summary:
      "The indexer's supply check for WETH on bridge canonical fails: minted on remote chains exceeds locked at home plus in flight",
    value: "0",
  },
  {
    alert: "LiquidationRiskHigh",
    series: [
      ['risk_debt_at_risk_usd{protocol="lend-devnet-b",chain="31338",threshold="1.1"}', "100000 300000x12"],
      // Other thresholds of the same protocol must not count towards HF < 1.1.
      ['risk_debt_at_risk_usd{protocol="lend-devnet-b",chain="31338",threshold="1.0"}', "400000x13"],
      ['risk_debt_at_risk_usd{protocol="lend-devnet-c",chain="31339",threshold="1.1"}', "200000x13"],
    ],
    pendingAt: "5m",
    firingAt: "6m",
    labels: { protocol: "lend-devnet-b", chain: "31338" },
    summary:
      "Protocol lend-devnet-b (chain 31338) has $300k of debt at health factor below 1.1 (threshold $250,000)",
    value: "300000",
  },
  {
    alert: "PositionsLiquidatable",
    series: [
      ['risk_positions_liquidatable{protocol="lend-devnet-c",chain="31339"}', "0 0 2x10"],
      ['risk_positions_liquidatable{protocol="lend-devnet-b",chain="31338"}', "0x12"],
    ],
    pendingAt: "2m",
    firingAt: "3m",
    labels: { protocol: "lend-devnet-c", chain: "31339" },
    summary: "2 positions of protocol lend-devnet-c (chain 31339) have health factor below 1",
    value: "2",
  },
  {
    alert: "ExposureConcentration",
    series: [
      ['risk_exposure_share{protocol="lend-devnet-b",bridge="canonical"}', "0.8x30"],
      ['risk_exposure_share{protocol="lend-devnet-c",bridge="canonical"}', "0.4x30"],
    ],
    pendingAt: "14m",
    firingAt: "15m",
    labels: { protocol: "lend-devnet-b", bridge: "canonical" },
    summary:
      "Protocol lend-devnet-b holds 0.800 of its collateral in tokens of bridge canonical (threshold 0.5)",
    value: "0.8",
  },
  {
    alert: "StressBadDebt",
    series: [
      ['risk_stress_bad_debt_usd{scenario="price_shock_all_30"}', "150000x30"],
      ['risk_stress_bad_debt_usd{scenario="price_shock_all_10"}', "0x30"],
    ],
    pendingAt: "14m",
    firingAt: "15m",
    labels: { scenario: "price_shock_all_30" },
    summary: "Stress scenario price_shock_all_30 leaves $150k of bad debt (threshold $100,000)",
    value: "150000",
  },
  {
    alert: "RelayerStuck",
    series: [
      ['relayer_oldest_pending_age_seconds{instance="relayer-1:7200",job="relayer"}', "0+60x30"],
      ['relayer_oldest_pending_age_seconds{instance="relayer-2:7200",job="relayer"}', "0x30"],
    ],
    pendingAt: "15m",
    firingAt: "16m",
    labels: { instance: "relayer-1:7200" },
    summary: "Relayer relayer-1:7200 has had a message pending for 16m 0s (threshold 600s)",
    value: "960",
  },
  {
    alert: "ValidatorDown",
    series: [
      ['up{job="validator",instance="validator-3:7100"}', "1 0x10"],
      ['up{job="validator",instance="validator-1:7100"}', "1x11"],
      // Not a validator: ExporterDown's business.
      ['up{job="relayer",instance="relayer-1:7200"}', "0x11"],
    ],
    pendingAt: "1m",
    firingAt: "2m",
    labels: { job: "validator", instance: "validator-3:7100" },
    summary: "Validator validator-3:7100 is not answering /metrics",
    value: "0",
  },
  {
    alert: "ValidatorLagging",
    series: [
      [
        'validator_observed_head_block{instance="validator-1:7100",job="validator",chain="31337"}',
        "100+60x11",
      ],
      [
        'validator_observed_head_block{instance="validator-2:7100",job="validator",chain="31337"}',
        "100+60x2 220x9",
      ],
      // Another chain, all validators level.
      ['validator_observed_head_block{instance="validator-1:7100",job="validator",chain="31338"}', "50+1x11"],
      ['validator_observed_head_block{instance="validator-2:7100",job="validator",chain="31338"}', "50+1x11"],
    ],
    pendingAt: "4m",
    firingAt: "5m",
    labels: { instance: "validator-2:7100", job: "validator", chain: "31337" },
    summary: "Validator validator-2:7100 sees chain 31337 180 blocks behind the most advanced validator",
    value: "180",
  },
  {
    alert: "IndexerLagging",
    series: [
      ['ponder_indexing_timestamp{chain="devnet-b",instance="indexer:42069",job="indexer"}', "0+60x3 180x10"],
      ['ponder_indexing_timestamp{chain="devnet-a",instance="indexer:42069",job="indexer"}', "0+60x13"],
    ],
    pendingAt: "7m",
    firingAt: "8m",
    labels: { chain: "devnet-b" },
    summary: "The indexer has processed chain devnet-b only up to 5m 0s ago (threshold 120s)",
    value: "300",
  },
  {
    alert: "DataStale",
    series: [
      ['risk_data_last_update_timestamp_seconds{source="indexer"}', "0x15"],
      ['risk_data_last_update_timestamp_seconds{source="chain:31337"}', "0+60x15"],
      // Price feeds have their own, longer limit (PriceFeedStale).
      ['risk_data_last_update_timestamp_seconds{source="price:WETH"}', "0x15"],
    ],
    pendingAt: "7m",
    firingAt: "8m",
    labels: { source: "indexer" },
    summary: "Risk data source indexer was last updated 8m 0s ago (threshold 300s)",
    value: "480",
  },
  {
    alert: "PriceFeedStale",
    interval: "5m",
    series: [
      ['risk_data_last_update_timestamp_seconds{source="price:WETH"}', "0x300"],
      ['risk_data_last_update_timestamp_seconds{source="price:USDC"}', "0+300x300"],
    ],
    pendingAt: "1450m",
    firingAt: "1451m",
    labels: { source: "price:WETH" },
    summary: "Price feed price:WETH last answered 1d 0h 11m 0s ago (threshold 86400s)",
    value: "87060",
  },
  {
    alert: "PositionsUnpriced",
    series: [
      ['risk_positions_unpriced{protocol="aave-b",chain="31338",status="stale"}', "0 0 3x10"],
      ['risk_positions_unpriced{protocol="aave-b",chain="31338",status="unpriced"}', "0x12"],
      ['risk_positions_unpriced{protocol="aave-c",chain="31339",status="stale"}', "0x12"],
    ],
    pendingAt: "2m",
    firingAt: "3m",
    labels: { protocol: "aave-b", chain: "31338", status: "stale" },
    summary: "3 positions of protocol aave-b (chain 31338) are stale: their health factor is unknown",
    value: "3",
  },
  {
    alert: "ExporterDown",
    series: [
      ['up{job="risk",instance="risk:4100"}', "1 0x10"],
      ['up{job="indexer",instance="indexer:42069"}', "1x11"],
      ['up{job="validator",instance="validator-1:7100"}', "0x11"],
    ],
    pendingAt: "2m",
    firingAt: "3m",
    labels: { job: "risk", instance: "risk:4100" },
    summary: "risk at risk:4100 is not answering /metrics",
    value: "0",
  },
];

/** The promtool test file, for rule files at `ruleFiles` (relative to the test file). */
export function ruleTests(ruleFiles: string[]): YamlValue {
  const rules = new Map(alertRules().map((r) => [r.name, r]));
  const missing = [...rules.keys()].filter((name) => !cases.some((c) => c.alert === name));
  if (missing.length > 0) throw new Error(`alerts without a promtool test: ${missing.join(", ")}`);
  return {
    rule_files: ruleFiles,
    evaluation_interval: "1m",
    tests: cases.map((c) => {
      const rule = rules.get(c.alert)!;
      return {
        name: c.alert,
        interval: c.interval ?? "1m",
        input_series: c.series.map(([series, values]) => ({ series, values })),
        alert_rule_test: [
          { eval_time: "0m", alertname: c.alert, exp_alerts: [] },
          { eval_time: c.pendingAt, alertname: c.alert, exp_alerts: [] },
          {
            eval_time: c.firingAt,
            alertname: c.alert,
            exp_alerts: [
              {
                exp_labels: { severity: rule.severity, ...c.labels },
                exp_annotations: {
                  summary: c.summary,
                  description: rule.description,
                  value: c.value,
                  runbook: rule.runbook,
                  runbook_url: runbookUrl(rule.name),
                },
              },
            ],
          },
        ],
      };
    }),
  };
}
