/**
 * A tiny typed builder for Grafana dashboard JSON (schemaVersion 39). It covers only the panel kinds we
 * use, lays panels out left to right in rows of 24 grid units, and numbers panel ids itself so they are
 * unique by construction. Every query goes to the one provisioned Prometheus datasource.
 */
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

const datasource = { type: "prometheus", uid: DATASOURCE_UID } as const;

function panelJson(spec: PanelSpec, id: number, gridPos: GrafanaPanel["gridPos"]): GrafanaPanel {
  const defaults: Record<string, unknown> = { unit: spec.unit ?? "short" };
  if (spec.min !== undefined) defaults.min = spec.min;
  if (spec.max !== undefined) defaults.max = spec.max;
  if (spec.decimals !== undefined) defaults.decimals = spec.decimals;
  defaults.thresholds = {
    mode: "absolute",
    steps: spec.thresholds ?? [{ color: "green", value: null }],
  };
  if (spec.type === "timeseries") {
    defaults.custom = {
      drawStyle: "line",
      lineWidth: 1,
      fillOpacity: spec.stacked ? 30 : 10,
      showPoints: "never",
      stacking: { mode: spec.stacked ? "normal" : "none", group: "A" },
    };
  }
  const options: Record<string, unknown> =
    spec.type === "timeseries"
      ? {
          legend: { displayMode: "table", placement: "bottom", calcs: ["lastNotNull", "max"] },
          tooltip: { mode: "multi" },
        }
      : spec.type === "table"
        ? { showHeader: true }
        : { reduceOptions: { calcs: ["lastNotNull"], fields: "", values: false }, orientation: "auto" };
  return {
    id,
    type: spec.type,
    title: spec.title,
    description: spec.description,
    datasource,
    gridPos,
    fieldConfig: { defaults, overrides: [] },
    options,
    ...(spec.type === "table"
      ? {
          transformations: spec.transformations ?? [
            { id: "merge", options: {} },
            { id: "organize", options: { excludeByName: { Time: true } } },
          ],
        }
      : {}),
    targets: spec.targets.map((t, index) => ({
      refId: String.fromCharCode(65 + index),
      datasource,
      expr: t.expr,
      legendFormat: t.legendFormat ?? "__auto",
      instant: t.instant ?? spec.type !== "timeseries",
      range: !(t.instant ?? spec.type !== "timeseries"),
      format: t.format ?? (spec.type === "table" ? "table" : "time_series"),
    })),
  };
}

/**
 * Dashboard JSON as Grafana's file provisioning loads it.
 *
 * @example
 * const json = buildDashboard({ uid: "bridge", title: "Bridge", description: "…", tags: [], rows: [] });
 */
export function buildDashboard(spec: DashboardSpec): GrafanaDashboard {
  const panels: GrafanaPanel[] = [];
  let id = 1;
  let y = 0;
  for (const row of spec.rows) {
    panels.push({
      id: id++,
      type: "row",
      title: row.row,
      collapsed: false,
      gridPos: { x: 0, y, w: 24, h: 1 },
      panels: [],
    });
    y += 1;
    let x = 0;
    let rowHeight = 0;
    for (const panel of row.panels) {
      const w = panel.width ?? 12;
      const h = panel.height ?? 8;
      if (x + w > 24) {
        y += rowHeight;
        x = 0;
        rowHeight = 0;
      }
      panels.push(panelJson(panel, id++, { x, y, w, h }));
      x += w;
      rowHeight = Math.max(rowHeight, h);
    }
    y += rowHeight;
  }
  return {
    uid: spec.uid,
    title: spec.title,
    description: spec.description,
    tags: spec.tags,
    editable: true,
    graphTooltip: 1,
    schemaVersion: 39,
    version: 1,
    timezone: "browser",
    refresh: spec.refresh ?? "10s",
    time: { from: spec.from ?? "now-1h", to: "now" },
    templating: {
      list: (spec.variables ?? []).map((v) => ({
        name: v.name,
        label: v.label,
        type: "query",
        datasource,
        query: { query: v.query, refId: "PrometheusVariableQueryEditor-VariableQuery" },
        definition: v.query,
        includeAll: true,
        multi: true,
        current: { selected: true, text: ["All"], value: ["$__all"] },
        refresh: 2,
        sort: 1,
      })),
    },
    annotations: { list: [] },
    links: [],
    panels,
  };
}
