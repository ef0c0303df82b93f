import { JOBS } from "../constants.js";
import type { DashboardSpec } from "../grafana.js";
import { alertQuery, quantile, RATE } from "../panelQueries.js";

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
              expr: `sum by (destination, outcome) (rate(relayer_submissions_total[${RATE}])) * 60`,
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
              expr: `sum by (instance) (rate(validator_messages_signed_total[${RATE}])) * 60`,
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
              expr: `sum by (reason) (rate(validator_messages_refused_total[${RATE}])) * 60`,
              legendFormat: "refused: {{reason}}",
            },
            {
              expr: `sum by (chain) (rate(validator_scan_errors_total[${RATE}])) * 60`,
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
