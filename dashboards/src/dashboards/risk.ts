import type { DashboardSpec } from "../grafana.js";
import { alertQuery } from "../panelQueries.js";

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
