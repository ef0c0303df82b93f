/**
 * The four dashboards. Every expression here is checked by test/ops against the live /metrics of the
 * running services, so a renamed metric fails a test instead of leaving an empty panel.
 */
import { alertRules } from "./alerts.js";
import { JOBS } from "./constants.js";
import type { DashboardSpec } from "./grafana.js";

const rate = "5m";
const quantile = (q: number, metric: string, by: string) =>
  `histogram_quantile(${q}, sum by (le, ${by}) (rate(${metric}_bucket[${rate}])))`;
const alertQuery = (name: string) => alertRules().find((r) => r.name === name)!.query;

export const bridgeOverview: DashboardSpec = {
  uid: "bridge-overview",
  title: "Bridge overview",
  description: "Backing, supply check, volume, in-flight transfers and delivery latency of the bridge.",
  tags: ["bridge"],
  rows: [
    {
      row: "Backing",
      panels: [
        {
          type: "stat",
          title: "Backing ratio per asset",
          description:
            "Home vault balance over remote wrapped supply plus in flight (L / S). Below 1 is undercollateralized.",
          targets: [
            { expr: "min by (bridge, asset) (risk_backing_ratio)", legendFormat: "{{bridge}} {{asset}}" },
          ],
          unit: "none",
          decimals: 4,
          width: 8,
          thresholds: [
            { color: "red", value: null },
            { color: "green", value: 1 },
          ],
        },
        {
          type: "stat",
          title: "Supply check",
          description:
            "1 when the indexer's last supply check (minted remotely <= locked at home + in flight) held.",
          targets: [
            { expr: "min by (bridge, asset) (indexer_supply_check_healthy)", legendFormat: "{{asset}}" },
          ],
          width: 8,
          thresholds: [
            { color: "red", value: null },
            { color: "green", value: 1 },
          ],
        },
        {
          type: "stat",
          title: "Shortfall",
          description: "USD value of max(0, S - L) per bridge and asset.",
          targets: [{ expr: "sum by (bridge, asset) (risk_shortfall_usd)", legendFormat: "{{asset}}" }],
          unit: "currencyUSD",
          width: 8,
          thresholds: [
            { color: "green", value: null },
            { color: "red", value: 1 },
          ],
        },
        {
          type: "timeseries",
          title: "Backing ratio",
          description:
            "Backing ratio over time; a dip that recovers is a slow leg, one that stays is a loss.",
          targets: [
            { expr: "min by (bridge, asset) (risk_backing_ratio)", legendFormat: "{{bridge}} {{asset}}" },
          ],
          unit: "none",
        },
        {
          type: "timeseries",
          title: "Custody, outstanding and in flight (tokens)",
          description:
            "Locked at home, wrapped supply on remote chains, and transfers whose destination leg is not indexed yet.",
          targets: [
            { expr: "sum by (asset) (indexer_bridge_custody_tokens)", legendFormat: "custody {{asset}}" },
            {
              expr: "sum by (asset) (indexer_bridge_outstanding_tokens)",
              legendFormat: "outstanding {{asset}}",
            },
            { expr: "sum by (asset) (indexer_bridge_in_flight_tokens)", legendFormat: "in flight {{asset}}" },
          ],
        },
      ],
    },
    {
      row: "Volume and latency",
      panels: [
        {
          type: "timeseries",
          title: "Deliveries per minute by route",
          description: "Messages the relayer saw delivered, per origin -> destination chain.",
          targets: [
            {
              expr: `sum by (origin, destination) (rate(relayer_delivery_latency_seconds_count[${rate}])) * 60`,
              legendFormat: "{{origin}} -> {{destination}}",
            },
          ],
          unit: "short",
          stacked: true,
        },
        {
          type: "timeseries",
          title: "Indexed transfers by status",
          description: "Bridge messages known to the indexer, by status.",
          targets: [{ expr: "sum by (status) (indexer_bridge_transfers)", legendFormat: "{{status}}" }],
        },
        {
          type: "timeseries",
          title: "In flight (relayer)",
          description: "Messages not yet delivered or failed, per route.",
          targets: [
            {
              expr: 'sum by (origin, destination) (relayer_messages{status!~"delivered|failed"})',
              legendFormat: "{{origin}} -> {{destination}}",
            },
          ],
        },
        {
          type: "timeseries",
          title: "Delivery latency",
          description:
            "Seconds from discovering a message on its source chain to seeing it delivered (p50, p95).",
          targets: [
            {
              expr: quantile(0.5, "relayer_delivery_latency_seconds", "origin, destination"),
              legendFormat: "p50 {{origin}} -> {{destination}}",
            },
            {
              expr: quantile(0.95, "relayer_delivery_latency_seconds", "origin, destination"),
              legendFormat: "p95 {{origin}} -> {{destination}}",
            },
          ],
          unit: "s",
        },
      ],
    },
  ],
};

export const relayerValidators: DashboardSpec = {
  uid: "bridge-relayer-validators",
  title: "Relayer and validators",
  description: "Queue, stuck messages, submissions, wallet balances, signatures and validator head lag.",
  tags: ["bridge", "relayer", "validators"],
  rows: [
    {
      row: "Relayer",
      panels: [
        {
          type: "timeseries",
          title: "Queue depth",
          description: "Delivery jobs by BullMQ state.",
          targets: [{ expr: "sum by (state) (relayer_queue_depth)", legendFormat: "{{state}}" }],
          width: 8,
        },
        {
          type: "timeseries",
          title: "Oldest pending message",
          description:
            "Age of the oldest message not delivered or failed. RelayerStuck fires above its threshold.",
          targets: [
            { expr: "max by (instance) (relayer_oldest_pending_age_seconds)", legendFormat: "{{instance}}" },
          ],
          unit: "s",
          width: 8,
        },
        {
          type: "timeseries",
          title: "Messages by status",
          description:
            "Messages in the relayer's database by status (stuck ones carry a reason in /v1/messages/{id}).",
          targets: [{ expr: "sum by (status) (relayer_messages)", legendFormat: "{{status}}" }],
          width: 8,
        },
        {
          type: "timeseries",
          title: "Submissions and errors",
          description: "Destination transactions by outcome per minute; reverted and unmined are errors.",
          targets: [
            {
              expr: `sum by (destination, outcome) (rate(relayer_submissions_total[${rate}])) * 60`,
              legendFormat: "{{destination}} {{outcome}}",
            },
          ],
        },
        {
          type: "timeseries",
          title: "Relayer wallet balance",
          description: "Native balance of the relayer's account per chain; it pays for every delivery.",
          targets: [
            { expr: "min by (chain) (relayer_wallet_balance_ether)", legendFormat: "chain {{chain}}" },
          ],
          unit: "none",
        },
      ],
    },
    {
      row: "Validators",
      panels: [
        {
          type: "stat",
          title: "Validators up",
          description: "Validators answering /metrics (4 of 5 must be up to sign on the devnet).",
          targets: [{ expr: `sum(up{job="${JOBS.validator}"})`, legendFormat: "up" }],
          width: 6,
        },
        {
          type: "timeseries",
          title: "Signatures per minute",
          description: "Attestations signed per validator.",
          targets: [
            {
              expr: `sum by (instance) (rate(validator_messages_signed_total[${rate}])) * 60`,
              legendFormat: "{{instance}}",
            },
          ],
          width: 9,
        },
        {
          type: "timeseries",
          title: "Refusals and scan errors per minute",
          description: "Logs a validator refused to sign (by reason) and failed chain scans.",
          targets: [
            {
              expr: `sum by (reason) (rate(validator_messages_refused_total[${rate}])) * 60`,
              legendFormat: "refused: {{reason}}",
            },
            {
              expr: `sum by (chain) (rate(validator_scan_errors_total[${rate}])) * 60`,
              legendFormat: "scan errors chain {{chain}}",
            },
          ],
          width: 9,
        },
        {
          type: "timeseries",
          title: "Validator head lag (blocks behind the most advanced validator)",
          description: "ValidatorLagging fires above its threshold.",
          targets: [{ expr: alertQuery("ValidatorLagging"), legendFormat: "{{instance}} chain {{chain}}" }],
        },
        {
          type: "timeseries",
          title: "Finality backlog (observed head - processed block)",
          description: "Blocks seen but not yet processed; the finality depth plus whatever is stuck.",
          targets: [
            {
              expr: "validator_observed_head_block - validator_processed_block",
              legendFormat: "{{instance}} chain {{chain}}",
            },
          ],
        },
        {
          type: "timeseries",
          title: "Signing lag p95",
          description: "Seconds from the source block's timestamp to the signature.",
          targets: [
            {
              expr: quantile(0.95, "validator_signing_lag_seconds", "origin"),
              legendFormat: "origin {{origin}}",
            },
          ],
          unit: "s",
          width: 24,
        },
      ],
    },
  ],
};

export const risk: DashboardSpec = {
  uid: "bridge-risk",
  title: "Risk",
  description:
    "Health-factor buckets, debt at risk, exposure of lending protocols to bridges, and stress results.",
  tags: ["bridge", "risk"],
  rows: [
    {
      row: "Health factors",
      panels: [
        {
          type: "bargauge",
          title: "Debt by health-factor bucket",
          description:
            "Debt of positions with HF below 1.0 (liquidatable), 1.05 and 1.1, over all protocols.",
          targets: [
            { expr: "sum by (threshold) (risk_debt_at_risk_usd)", legendFormat: "HF < {{threshold}}" },
          ],
          unit: "currencyUSD",
          width: 8,
        },
        {
          type: "timeseries",
          title: "Debt at HF < 1.1 per protocol",
          description: "LiquidationRiskHigh fires above its threshold.",
          targets: [
            { expr: alertQuery("LiquidationRiskHigh"), legendFormat: "{{protocol}} (chain {{chain}})" },
          ],
          unit: "currencyUSD",
          width: 8,
        },
        {
          type: "timeseries",
          title: "Liquidatable positions",
          description: "Positions with HF < 1 per protocol.",
          targets: [
            { expr: "sum by (protocol) (risk_positions_liquidatable)", legendFormat: "{{protocol}}" },
          ],
          width: 8,
        },
      ],
    },
    {
      row: "Exposure",
      panels: [
        {
          type: "table",
          title: "Exposure matrix (share of collateral per bridge)",
          description: "E[p,b]: share of protocol p's collateral held in bridge b's wrapped tokens.",
          targets: [
            { expr: "max by (protocol, bridge) (risk_exposure_share)", format: "table", instant: true },
          ],
          unit: "percentunit",
          transformations: [
            {
              id: "groupingToMatrix",
              options: { columnField: "bridge", rowField: "protocol", valueField: "Value" },
            },
          ],
        },
        {
          type: "timeseries",
          title: "Concentration (HHI over bridges)",
          description: "1 means all bridged collateral of the protocol is on one bridge.",
          targets: [{ expr: "max by (protocol) (risk_concentration_hhi)", legendFormat: "{{protocol}}" }],
          unit: "none",
          min: 0,
          max: 1,
        },
      ],
    },
    {
      row: "Stress and freshness",
      panels: [
        {
          type: "bargauge",
          title: "Bad debt per stress scenario",
          description: "Bad debt under each standard price shock and bridge failure.",
          targets: [{ expr: "max by (scenario) (risk_stress_bad_debt_usd)", legendFormat: "{{scenario}}" }],
          unit: "currencyUSD",
        },
        {
          type: "table",
          title: "Data age per source",
          description: "Seconds since each input of the risk snapshot was updated.",
          targets: [
            {
              expr: "max by (source) (time() - risk_data_last_update_timestamp_seconds)",
              format: "table",
              instant: true,
            },
          ],
          unit: "s",
        },
      ],
    },
  ],
};

export const indexerHealth: DashboardSpec = {
  uid: "bridge-indexer",
  title: "Indexer health",
  description: "How far behind each chain the indexer is, sync state, event throughput and RPC errors.",
  tags: ["bridge", "indexer"],
  rows: [
    {
      row: "Lag",
      panels: [
        {
          type: "timeseries",
          title: "Indexing lag per chain",
          description:
            "Seconds between now and the timestamp through which all events are processed. IndexerLagging fires above its threshold.",
          targets: [{ expr: alertQuery("IndexerLagging"), legendFormat: "{{chain}}" }],
          unit: "s",
        },
        {
          type: "timeseries",
          title: "Sync lag per chain",
          description: "Seconds between now and the newest block fetched.",
          targets: [
            { expr: "max by (chain) (time() - ponder_sync_block_timestamp)", legendFormat: "{{chain}}" },
          ],
          unit: "s",
        },
        {
          type: "stat",
          title: "Realtime",
          description: "1 once a chain's backfill is done and the indexer follows new blocks.",
          targets: [{ expr: "min by (chain) (ponder_sync_is_realtime)", legendFormat: "{{chain}}" }],
          width: 8,
        },
        {
          type: "timeseries",
          title: "Synced block",
          description: "Closest-to-tip synced block number per chain.",
          targets: [{ expr: "max by (chain) (ponder_sync_block)", legendFormat: "{{chain}}" }],
          width: 16,
        },
      ],
    },
    {
      row: "Throughput and errors",
      panels: [
        {
          type: "timeseries",
          title: "Events indexed per second",
          description: "Events processed per chain.",
          targets: [
            {
              expr: `sum by (chain) (deriv(ponder_indexing_completed_events[${rate}]))`,
              legendFormat: "{{chain}}",
            },
          ],
          unit: "ops",
          width: 8,
        },
        {
          type: "timeseries",
          title: "RPC errors and reorgs per minute",
          description: "Failed RPC requests per chain and method, and reorgs handled.",
          targets: [
            {
              expr: `sum by (chain) (rate(ponder_rpc_request_error_total[${rate}])) * 60`,
              legendFormat: "rpc errors {{chain}}",
            },
            {
              expr: `sum by (chain) (rate(ponder_realtime_reorg_total[${rate}])) * 60`,
              legendFormat: "reorgs {{chain}}",
            },
          ],
          width: 8,
        },
        {
          type: "timeseries",
          title: "Supply violations",
          description: "Supply check failures counted by the indexer (any increase is an incident).",
          targets: [{ expr: "sum by (asset) (indexer_supply_violations_total)", legendFormat: "{{asset}}" }],
          width: 8,
        },
      ],
    },
  ],
};

export const dashboards: DashboardSpec[] = [bridgeOverview, relayerValidators, risk, indexerHealth];
