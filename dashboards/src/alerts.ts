/**
 * The alert rules, defined once and rendered twice: as Prometheus alerting rules (evaluated by
 * Prometheus, routed by Alertmanager) and as Grafana-managed alert rules (file provisioning). Each rule
 * is "value query, comparison, threshold", which maps onto both: Prometheus gets `query op threshold`,
 * Grafana gets query A, reduce B (last) and threshold C. Risk thresholds default to the risk engine's
 * own alert config, so the GraphQL `alerts` query and these rules agree on what is alarming.
 */
import { DEFAULT_ALERT_CONFIG } from "../../lib/risk/alerts.js";
import { DATASOURCE_UID, GRAFANA_FOLDER, JOBS } from "./constants.js";
import type { YamlValue } from "./yaml.js";

/**
 * Where an alert's runbook entry is: the generated dashboards/OPERATING.md (operating.ts), whose
 * "#### <AlertName>" headings are the anchors. The README links there instead of keeping a copy.
 */
export const runbookUrl = (alertName: string) => `dashboards/OPERATING.md#${alertName.toLowerCase()}`;

export type Severity = "critical" | "warning";

/** How a value is printed in a summary: the template differs between Prometheus and Grafana. */
export type ValueFormat = "usd" | "ratio" | "count" | "seconds" | "blocks";

export type AlertRule = {
  name: string;
  severity: Severity;
  /** PromQL of the value the threshold applies to; its labels are the alert's identity. */
  query: string;
  op: ">" | "<";
  threshold: number;
  /** How long the condition must hold, e.g. "5m". */
  for: string;
  format: ValueFormat;
  /** One line naming the numbers; `v` is the value's template, labels as `{{ $labels.x }}`. */
  summary: (v: string) => string;
  description: string;
  /** What the operator does first (the README's runbook has the full entry). */
  runbook: string;
};

export type AlertThresholds = {
  backingRatio: number;
  liquidationRiskDebtUsd: number;
  exposureShare: number;
  stressBadDebtUsd: number;
  staleAfterSeconds: number;
  priceStaleAfterSeconds: number;
  relayerOldestPendingSeconds: number;
  validatorHeadLagBlocks: number;
  indexerLagSeconds: number;
};

export const DEFAULT_THRESHOLDS: AlertThresholds = {
  backingRatio: DEFAULT_ALERT_CONFIG.backingRatioCritical,
  liquidationRiskDebtUsd: DEFAULT_ALERT_CONFIG.liquidationRiskDebtUsd,
  exposureShare: DEFAULT_ALERT_CONFIG.exposureShareWarning,
  stressBadDebtUsd: DEFAULT_ALERT_CONFIG.stressBadDebtUsd,
  staleAfterSeconds: DEFAULT_ALERT_CONFIG.staleAfterSeconds,
  // Chainlink's slowest heartbeats (stablecoins) are 24 h; a feed silent for longer is broken.
  priceStaleAfterSeconds: 86_400,
  relayerOldestPendingSeconds: 600,
  validatorHeadLagBlocks: 10,
  indexerLagSeconds: 120,
};

const usd = (n: number) => `$${n.toLocaleString("en-US")}`;

/** Every alert rule, with thresholds (the end-to-end test lowers some). */
export function alertRules(t: AlertThresholds = DEFAULT_THRESHOLDS): AlertRule[] {
  return [
    {
      name: "BridgeUndercollateralized",
      severity: "critical",
      query: "min by (bridge, asset) (risk_backing_ratio)",
      op: "<",
      threshold: t.backingRatio,
      for: "2m",
      format: "ratio",
      summary: (v) =>
        `Bridge {{ $labels.bridge }} backs {{ $labels.asset }} at ratio ${v} (below ${t.backingRatio}): remote supply exceeds what the home vault holds`,
      description: "Locked on the home vault (L) over remote wrapped supply plus in flight (S) is below 1.",
      runbook:
        "Pause the bridge (pauser key), compare risk_shortfall_usd with indexer_supply_violations_total, and find the unbacked mint in the indexer's transfers.",
    },
    {
      name: "BridgeSupplyCheckFailed",
      severity: "critical",
      query: "min by (bridge, asset) (indexer_supply_check_healthy)",
      op: "<",
      threshold: 1,
      for: "1m",
      format: "count",
      summary: () =>
        "The indexer's supply check for {{ $labels.asset }} on bridge {{ $labels.bridge }} fails: minted on remote chains exceeds locked at home plus in flight",
      description: "Off-chain supply invariant (DESIGN section 3) broken at the last checked block.",
      runbook:
        "Pause the bridge, then list transfers with a destination leg and no source leg (status awaiting_source) in the indexer's GraphQL.",
    },
    {
      name: "LiquidationRiskHigh",
      severity: "warning",
      query: 'sum by (protocol, chain) (risk_debt_at_risk_usd{threshold="1.1"})',
      op: ">",
      threshold: t.liquidationRiskDebtUsd,
      for: "5m",
      format: "usd",
      summary: (v) =>
        `Protocol {{ $labels.protocol }} (chain {{ $labels.chain }}) has ${v} of debt at health factor below 1.1 (threshold ${usd(t.liquidationRiskDebtUsd)})`,
      description: "Debt of positions one price move away from liquidation.",
      runbook:
        "Open the Risk dashboard, check which collateral price moved (price feeds, bridge depeg), and warn the protocol's risk team; query positions(protocol, maxHealthFactor: 1.1) over GraphQL.",
    },
    {
      name: "PositionsLiquidatable",
      severity: "warning",
      query: "sum by (protocol, chain) (risk_positions_liquidatable)",
      op: ">",
      threshold: 0,
      for: "1m",
      format: "count",
      summary: (v) =>
        `${v} positions of protocol {{ $labels.protocol }} (chain {{ $labels.chain }}) have health factor below 1`,
      description: "Positions liquidators can close now.",
      runbook:
        "Check that liquidators are active (liquidation events in the indexer); if none are, the protocol accrues bad debt: escalate to the protocol.",
    },
    {
      name: "ExposureConcentration",
      severity: "warning",
      query: "max by (protocol, bridge) (risk_exposure_share)",
      op: ">",
      threshold: t.exposureShare,
      for: "15m",
      format: "ratio",
      summary: (v) =>
        `Protocol {{ $labels.protocol }} holds ${v} of its collateral in tokens of bridge {{ $labels.bridge }} (threshold ${t.exposureShare})`,
      description: "A bridge failure would hit most of this protocol's collateral.",
      runbook:
        "Run stressTest(bridgeFailure) for this bridge over GraphQL and share the bad-debt figure with the protocol; suggest LTV or supply caps on the wrapped tokens.",
    },
    {
      name: "StressBadDebt",
      severity: "warning",
      query: "max by (scenario) (risk_stress_bad_debt_usd)",
      op: ">",
      threshold: t.stressBadDebtUsd,
      for: "15m",
      format: "usd",
      summary: (v) =>
        `Stress scenario {{ $labels.scenario }} leaves ${v} of bad debt (threshold ${usd(t.stressBadDebtUsd)})`,
      description: "A standard stress (price shock or bridge failure) would leave lenders with losses.",
      runbook:
        "Read the scenario on the Risk dashboard (Stress results), find the positions driving it with the liquidationCurve query, and report to the protocol.",
    },
    {
      name: "RelayerStuck",
      severity: "critical",
      query: "max by (instance) (relayer_oldest_pending_age_seconds)",
      op: ">",
      threshold: t.relayerOldestPendingSeconds,
      for: "5m",
      format: "seconds",
      summary: (v) =>
        `Relayer {{ $labels.instance }} has had a message pending for ${v} (threshold ${t.relayerOldestPendingSeconds}s)`,
      description: "A bridge message is neither delivered nor failed after the threshold.",
      runbook:
        "GET the relayer's /v1/messages/{id} for the stuck reason (signatures missing, reverted, gas); check validators are up and the relayer wallet has gas; self-relay with `bridge relay` if needed.",
    },
    {
      name: "ValidatorDown",
      severity: "critical",
      query: `up{job="${JOBS.validator}"}`,
      op: "<",
      threshold: 1,
      for: "1m",
      format: "count",
      summary: () => "Validator {{ $labels.instance }} is not answering /metrics",
      description: "One validator fewer towards the signature threshold (4 of 5 on the devnet).",
      runbook:
        "Restart the validator (its store keeps the one-message-per-nonce record); if more than n - k are down, deliveries stop until they are back.",
    },
    {
      name: "ValidatorLagging",
      severity: "warning",
      query:
        "max by (chain) (validator_observed_head_block)\n  - on (chain) group_right ()\nvalidator_observed_head_block",
      op: ">",
      threshold: t.validatorHeadLagBlocks,
      for: "2m",
      format: "blocks",
      summary: (v) =>
        `Validator {{ $labels.instance }} sees chain {{ $labels.chain }} ${v} blocks behind the most advanced validator`,
      description: "The validator's RPC for this chain is behind or stuck; it signs late or not at all.",
      runbook:
        "Check the validator's RPC endpoint for the chain (block number, errors in validator_scan_errors_total); switch its <NETWORK>_RPC_URL.",
    },
    {
      name: "IndexerLagging",
      severity: "warning",
      query: "max by (chain) (time() - ponder_indexing_timestamp)",
      op: ">",
      threshold: t.indexerLagSeconds,
      for: "2m",
      format: "seconds",
      summary: (v) =>
        `The indexer has processed chain {{ $labels.chain }} only up to ${v} ago (threshold ${t.indexerLagSeconds}s)`,
      description: "Everything downstream (risk figures, supply check) is that far behind.",
      runbook:
        "Check the indexer's logs and RPC errors (ponder_rpc_request_error_total); a restart resumes from its checkpoint.",
    },
    {
      name: "DataStale",
      severity: "warning",
      query: 'max by (source) (time() - risk_data_last_update_timestamp_seconds{source!~"price:.*"})',
      op: ">",
      threshold: t.staleAfterSeconds,
      for: "2m",
      format: "seconds",
      summary: (v) =>
        `Risk data source {{ $labels.source }} was last updated ${v} ago (threshold ${t.staleAfterSeconds}s)`,
      description: "Risk figures are computed from old data; they may miss a price move.",
      runbook:
        "Check the indexer (IndexerLagging) and the chain's RPC; the risk engine only recomputes what it is fed.",
    },
    {
      name: "PriceFeedStale",
      severity: "warning",
      query: 'max by (source) (time() - risk_data_last_update_timestamp_seconds{source=~"price:.*"})',
      op: ">",
      threshold: t.priceStaleAfterSeconds,
      for: "10m",
      format: "seconds",
      summary: (v) =>
        `Price feed {{ $labels.source }} last answered ${v} ago (threshold ${t.priceStaleAfterSeconds}s)`,
      description: "Health factors use a price older than the slowest feed heartbeat.",
      runbook:
        "Check the feed's aggregator on chain (latestRoundData); treat health factors of positions using it as unreliable.",
    },
    {
      name: "PositionsUnpriced",
      severity: "warning",
      query: "sum by (protocol, chain, status) (risk_positions_unpriced)",
      op: ">",
      threshold: 0,
      for: "1m",
      format: "count",
      summary: (v) =>
        `${v} positions of protocol {{ $labels.protocol }} (chain {{ $labels.chain }}) are {{ $labels.status }}: their health factor is unknown`,
      description:
        "A price these positions depend on is missing, not positive (unpriced) or older than its feed's heartbeat (stale); they are left out of every health, exposure and stress figure, so those figures look better than they are.",
      runbook:
        "Query positions(status: STALE or UNPRICED) { statusReason } and reserves(protocol) { priceStatus priceReason problems } over GraphQL: the reason names the feed. Check that feed's aggregator on chain (latestRoundData, the proxy's aggregator()); a stopped feed needs its operator, a missing source needs AaveOracle.setAssetSources. A heartbeat set too short in the deployments file (heartbeatSeconds) also trips this.",
    },
    {
      name: "ExporterDown",
      severity: "critical",
      query: `up{job=~"${JOBS.relayer}|${JOBS.indexer}|${JOBS.indexerBridge}|${JOBS.risk}"}`,
      op: "<",
      threshold: 1,
      for: "2m",
      format: "count",
      summary: () => "{{ $labels.job }} at {{ $labels.instance }} is not answering /metrics",
      description: "Without this exporter the alerts above that rely on it cannot fire.",
      runbook:
        "Restart the process; check its logs for a configuration error (it exits listing every bad variable).",
    },
  ];
}

const promValue: Record<ValueFormat, string> = {
  usd: "$" + "{{ $value | humanize }}",
  ratio: '{{ $value | printf "%.3f" }}',
  count: "{{ $value }}",
  seconds: "{{ $value | humanizeDuration }}",
  blocks: "{{ $value }}",
};

const grafanaValue: Record<ValueFormat, string> = {
  usd: "$" + "{{ humanize $values.B.Value }}",
  ratio: '{{ printf "%.3f" $values.B.Value }}',
  count: "{{ $values.B.Value }}",
  seconds: "{{ humanizeDuration $values.B.Value }}",
  blocks: "{{ $values.B.Value }}",
};

export type RenderRulesOptions = {
  /** Replaces every rule's `for` (the end-to-end test runs with seconds, not minutes). */
  forOverride?: string;
  /** Group evaluation interval. */
  interval?: string;
  thresholds?: AlertThresholds;
};

/** Prometheus rule file content (one group). */
export function prometheusRules(options: RenderRulesOptions = {}): YamlValue {
  return {
    groups: [
      {
        name: "bridge",
        interval: options.interval,
        rules: alertRules(options.thresholds).map((rule) => ({
          alert: rule.name,
          expr: `${rule.query} ${rule.op} ${rule.threshold}`,
          for: options.forOverride ?? rule.for,
          labels: { severity: rule.severity },
          annotations: {
            summary: rule.summary(promValue[rule.format]),
            description: rule.description,
            value: "{{ $value }}",
            runbook: rule.runbook,
            runbook_url: runbookUrl(rule.name),
          },
        })),
      },
    ],
  };
}

/** Grafana alert-rule file provisioning (apiVersion 1): the same rules as Grafana-managed alerts. */
export function grafanaAlertRules(options: RenderRulesOptions = {}): YamlValue {
  return {
    apiVersion: 1,
    groups: [
      {
        orgId: 1,
        name: "bridge",
        folder: GRAFANA_FOLDER,
        interval: options.interval ?? "1m",
        rules: alertRules(options.thresholds).map((rule) => ({
          uid: `bridge-${rule.name.replace(/[A-Z]/g, (c, i) => (i === 0 ? c : `-${c}`)).toLowerCase()}`,
          title: rule.name,
          condition: "C",
          data: [
            {
              refId: "A",
              relativeTimeRange: { from: 600, to: 0 },
              datasourceUid: DATASOURCE_UID,
              model: {
                refId: "A",
                expr: rule.query,
                instant: true,
                range: false,
                intervalMs: 1000,
                maxDataPoints: 43200,
              },
            },
            {
              refId: "B",
              relativeTimeRange: { from: 0, to: 0 },
              datasourceUid: "__expr__",
              model: {
                refId: "B",
                type: "reduce",
                expression: "A",
                reducer: "last",
                settings: { mode: "dropNN" },
              },
            },
            {
              refId: "C",
              relativeTimeRange: { from: 0, to: 0 },
              datasourceUid: "__expr__",
              model: {
                refId: "C",
                type: "threshold",
                expression: "B",
                conditions: [
                  { evaluator: { type: rule.op === ">" ? "gt" : "lt", params: [rule.threshold] } },
                ],
              },
            },
          ],
          // No series means nothing crossed the threshold (e.g. no positions): not an alert by itself;
          // ExporterDown covers a silent exporter.
          noDataState: "OK",
          execErrState: "Error",
          for: options.forOverride ?? rule.for,
          labels: { severity: rule.severity },
          annotations: {
            summary: rule.summary(grafanaValue[rule.format]),
            description: rule.description,
            runbook: rule.runbook,
            runbook_url: runbookUrl(rule.name),
          },
          isPaused: false,
        })),
      },
    ],
  };
}
