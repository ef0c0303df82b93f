import type { DashboardSpec } from "../grafana.js";
import { quantile, RATE } from "../panelQueries.js";

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
              expr: `sum by (origin, destination) (rate(relayer_delivery_latency_seconds_count[${RATE}])) * 60`,
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
