/**
 * Dashboards as data (DashboardSpec: rows of panels with their PromQL), turned into Grafana JSON by
 * Grafana's own TypeScript builders (@grafana/grafana-foundation-sdk, the release matching the Grafana
 * that compose runs). Panels are laid out left to right in rows of 24 grid units and numbered in
 * order, so ids are unique by construction. Every query goes to the one provisioned Prometheus
 * datasource.
 */
import * as bargauge from "@grafana/grafana-foundation-sdk/bargauge";
import type * as cog from "@grafana/grafana-foundation-sdk/cog";
import * as common from "@grafana/grafana-foundation-sdk/common";
import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import * as gauge from "@grafana/grafana-foundation-sdk/gauge";
import * as prometheus from "@grafana/grafana-foundation-sdk/prometheus";
import * as stat from "@grafana/grafana-foundation-sdk/stat";
import * as table from "@grafana/grafana-foundation-sdk/table";
import * as timeseries from "@grafana/grafana-foundation-sdk/timeseries";
import { DATASOURCE_UID } from "./constants.js";

export type Unit = "short" | "percentunit" | "s" | "currencyUSD" | "none" | "reqps" | "ops";

export type Target = {
  expr: string;
  legendFormat?: string;
  /** Instant queries for stat/table/bar gauge panels that show "now". */
  instant?: boolean;
  format?: "time_series" | "table";
};

export type Threshold = { color: string; value: number | null };

type PanelCommon = {
  title: string;
  description: string;
  targets: Target[];
  unit?: Unit;
  /** Grid width (1-24); default 12. */
  width?: number;
  height?: number;
  thresholds?: Threshold[];
  min?: number;
  max?: number;
  decimals?: number;
  /** Grafana transformations (tables), e.g. grouping series into a matrix. */
  transformations?: { id: string; options: Record<string, unknown> }[];
};

export type PanelSpec =
  | (PanelCommon & { type: "timeseries"; stacked?: boolean })
  | (PanelCommon & { type: "stat" })
  | (PanelCommon & { type: "gauge" })
  | (PanelCommon & { type: "bargauge" })
  | (PanelCommon & { type: "table" });

export type RowSpec = { row: string; panels: PanelSpec[] };

export type DashboardSpec = {
  uid: string;
  title: string;
  description: string;
  tags: string[];
  /** Default time range, e.g. "now-1h". */
  from?: string;
  refresh?: string;
  /** Template variables over label values, e.g. { name: "chain", query: "label_values(x, chain)" }. */
  variables?: { name: string; label: string; query: string }[];
  rows: RowSpec[];
};

export type GrafanaPanel = Record<string, unknown> & {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  targets?: (Target & { refId: string; datasource: { type: string; uid: string } })[];
};

export type GrafanaDashboard = {
  uid: string;
  title: string;
  panels: GrafanaPanel[];
} & Record<string, unknown>;

const datasource = { type: "prometheus", uid: DATASOURCE_UID };

function query(target: Target, refId: string, panelType: PanelSpec["type"]): prometheus.DataqueryBuilder {
  const instant = target.instant ?? panelType !== "timeseries";
  const builder = new prometheus.DataqueryBuilder()
    .refId(refId)
    .datasource(datasource)
    .expr(target.expr)
    .legendFormat(target.legendFormat ?? "__auto")
    .format(
      (target.format ?? (panelType === "table" ? "table" : "time_series")) === "table"
        ? prometheus.PromQueryFormat.Table
        : prometheus.PromQueryFormat.TimeSeries,
    );
  return instant ? builder.instant() : builder.range();
}

type AnyPanelBuilder =
  | timeseries.PanelBuilder
  | stat.PanelBuilder
  | gauge.PanelBuilder
  | bargauge.PanelBuilder
  | table.PanelBuilder;

const reduceToLast = () =>
  new common.ReduceDataOptionsBuilder().calcs(["lastNotNull"]).fields("").values(false);

function panelOfType(spec: PanelSpec): AnyPanelBuilder {
  switch (spec.type) {
    case "timeseries":
      return new timeseries.PanelBuilder()
        .drawStyle(common.GraphDrawStyle.Line)
        .lineWidth(1)
        .fillOpacity(spec.stacked ? 30 : 10)
        .showPoints(common.VisibilityMode.Never)
        .stacking(
          new common.StackingConfigBuilder()
            .mode(spec.stacked ? common.StackingMode.Normal : common.StackingMode.None)
            .group("A"),
        )
        .legend(
          new common.VizLegendOptionsBuilder()
            .displayMode(common.LegendDisplayMode.Table)
            .placement(common.LegendPlacement.Bottom)
            .showLegend(true)
            .calcs(["lastNotNull", "max"]),
        )
        .tooltip(new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi));
    case "stat":
      return new stat.PanelBuilder().reduceOptions(reduceToLast()).orientation(common.VizOrientation.Auto);
    case "gauge":
      return new gauge.PanelBuilder().reduceOptions(reduceToLast()).orientation(common.VizOrientation.Auto);
    case "bargauge":
      return new bargauge.PanelBuilder()
        .reduceOptions(reduceToLast())
        .orientation(common.VizOrientation.Auto);
    case "table":
      return new table.PanelBuilder().showHeader(true).transformations(
        spec.transformations ?? [
          { id: "merge", options: {} },
          { id: "organize", options: { excludeByName: { Time: true } } },
        ],
      );
  }
}

function panel(spec: PanelSpec, id: number, gridPos: dashboard.GridPos): cog.Builder<dashboard.Panel> {
  // The union's builders share these methods; TypeScript cannot call through a union of classes.
  const builder = panelOfType(spec) as timeseries.PanelBuilder;
  builder
    .id(id)
    .title(spec.title)
    .description(spec.description)
    .datasource(datasource)
    .gridPos(gridPos)
    .unit(spec.unit ?? "short")
    .thresholds(
      new dashboard.ThresholdsConfigBuilder()
        .mode(dashboard.ThresholdsMode.Absolute)
        .steps(spec.thresholds ?? [{ color: "green", value: null }]),
    )
    .targets(spec.targets.map((t, index) => query(t, String.fromCharCode(65 + index), spec.type)));
  if (spec.min !== undefined) builder.min(spec.min);
  if (spec.max !== undefined) builder.max(spec.max);
  if (spec.decimals !== undefined) builder.decimals(spec.decimals);
  return builder;
}

/**
 * Dashboard JSON as Grafana's file provisioning loads it.
 *
 * @example
 * const json = buildDashboard({ uid: "bridge", title: "Bridge", description: "…", tags: [], rows: [] });
 */
export function buildDashboard(spec: DashboardSpec): GrafanaDashboard {
  const builder = new dashboard.DashboardBuilder(spec.title)
    .uid(spec.uid)
    .description(spec.description)
    .tags(spec.tags)
    .editable()
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .version(1)
    .timezone("browser")
    .refresh(spec.refresh ?? "10s")
    .time({ from: spec.from ?? "now-1h", to: "now" });
  for (const v of spec.variables ?? []) {
    builder.withVariable(
      new dashboard.QueryVariableBuilder(v.name)
        .label(v.label)
        .datasource(datasource)
        .query({ query: v.query, refId: "PrometheusVariableQueryEditor-VariableQuery" })
        .includeAll(true)
        .multi(true)
        .current({ selected: true, text: ["All"], value: ["$__all"] })
        .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
        .sort(dashboard.VariableSort.AlphabeticalAsc),
    );
  }
  // Positions are computed here rather than by the builder's own flow layout, which lets a panel that
  // does not fit stick out of the 24-column grid instead of wrapping it.
  let id = 1;
  let y = 0;
  for (const row of spec.rows) {
    builder.withRow(
      new dashboard.RowBuilder(row.row).id(id++).collapsed(false).gridPos({ x: 0, y, w: 24, h: 1 }),
    );
    y += 1;
    let x = 0;
    let rowHeight = 0;
    for (const p of row.panels) {
      const w = p.width ?? 12;
      const h = p.height ?? 8;
      if (x + w > 24) {
        y += rowHeight;
        x = 0;
        rowHeight = 0;
      }
      builder.withPanel(panel(p, id++, { x, y, w, h }));
      x += w;
      rowHeight = Math.max(rowHeight, h);
    }
    y += rowHeight;
  }
  return builder.build() as unknown as GrafanaDashboard;
}
