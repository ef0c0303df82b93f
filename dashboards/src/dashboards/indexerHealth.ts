import type { DashboardSpec } from "../grafana.js";
import { alertQuery, RATE } from "../panelQueries.js";

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
              expr: `sum by (chain) (deriv(ponder_indexing_completed_events[${RATE}]))`,
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
              expr: `sum by (chain) (rate(ponder_rpc_request_error_total[${RATE}])) * 60`,
              legendFormat: "rpc errors {{chain}}",
            },
            {
              expr: `sum by (chain) (rate(ponder_realtime_reorg_total[${RATE}])) * 60`,
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
