import { type Meta, meta } from "../api.js";
import { barChart, heatColor } from "../charts.js";
import { h, replace } from "../dom.js";
import { fixed, percent, shortHex, usd } from "../format.js";
import {
  closestPositions,
  type Exposure,
  exposures,
  histogram,
  liquidationCurve,
  type RiskPosition,
} from "./riskData.js";
import { stressForm } from "./stress.js";

type SortKey = "healthFactor" | "debtUsd" | "collateralUsd" | "liquidationPrice";
const sortLabels: Record<SortKey, string> = {
  healthFactor: "health factor",
  collateralUsd: "collateral",
  debtUsd: "debt",
  liquidationPrice: "liquidation price",
};

/** Sorts ascending by `key`; unknown values (stale, unpriced, none) go last, whatever the key. */
export function sortPositions(rows: RiskPosition[], key: SortKey, descending: boolean): RiskPosition[] {
  return [...rows].sort((a, b) => {
    const x = a[key];
    const y = b[key];
    if (x === null || y === null) return (x === null ? 1 : 0) - (y === null ? 1 : 0);
    return descending ? y - x : x - y;
  });
}

function positionsTable(
  rows: RiskPosition[],
  sort: { key: SortKey; descending: boolean },
  onSort: (key: SortKey) => void,
) {
  const sorted = sortPositions(rows, sort.key, sort.descending);
  const header = (key: SortKey) =>
    h(
      "button",
      { class: "sort", onclick: () => onSort(key), "data-sort": key },
      sortLabels[key],
      sort.key === key ? (sort.descending ? " ▼" : " ▲") : "",
    );
  return h(
    "table",
    { "data-testid": "positions" },
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        h("th", {}, "user"),
        h("th", {}, header("healthFactor")),
        h("th", {}, header("collateralUsd")),
        h("th", {}, header("debtUsd")),
        h("th", {}, header("liquidationPrice")),
        h("th", {}, "bridged"),
        h("th", {}, "status"),
      ),
    ),
    h(
      "tbody",
      {},
      sorted.map((p) =>
        h(
          "tr",
          { "data-user": p.user, class: p.liquidatable ? "bad" : "" },
          h("td", { class: "mono", title: p.user }, shortHex(p.user)),
          h("td", { "data-value": p.healthFactor ?? "" }, fixed(p.healthFactor)),
          h("td", { "data-value": p.collateralUsd }, usd(p.collateralUsd)),
          h("td", { "data-value": p.debtUsd }, usd(p.debtUsd)),
          h("td", {}, p.liquidationPrice === null ? "–" : usd(p.liquidationPrice)),
          h("td", {}, percent(p.bridgedShare, 1)),
          h("td", {}, p.status, p.statusReason ? h("div", { class: "reason" }, p.statusReason) : null),
        ),
      ),
    ),
  );
}

function heatmap(rows: Exposure[]) {
  const bridges = [...new Set(rows.flatMap((r) => r.bridges.map((b) => b.bridge.id)))];
  return h(
    "table",
    { class: "heatmap", "data-testid": "exposure" },
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        h("th", {}, "protocol \\ bridge"),
        bridges.map((b) => h("th", {}, b)),
        h("th", {}, "other collateral"),
        h("th", {}, "HHI"),
        h("th", {}, "total collateral"),
      ),
    ),
    h(
      "tbody",
      {},
      rows.map((r) => {
        const bridged = r.bridges.reduce((sum, b) => sum + b.share, 0);
        return h(
          "tr",
          { "data-protocol": r.protocol.id },
          h("th", {}, r.protocol.id),
          bridges.map((id) => {
            const cell = r.bridges.find((b) => b.bridge.id === id);
            const share = cell?.share ?? 0;
            return h(
              "td",
              {
                style: `background:${heatColor(share)}`,
                "data-bridge": id,
                "data-value": share,
                title: usd(cell?.collateralUsd ?? 0),
              },
              percent(share, 1),
            );
          }),
          h("td", {}, percent(Math.max(0, 1 - bridged), 1)),
          h("td", { "data-testid": "hhi", "data-value": r.hhi }, fixed(r.hhi, 4)),
          h("td", { "data-value": r.totalCollateralUsd }, usd(r.totalCollateralUsd)),
        );
      }),
    ),
  );
}

function protocolsOf(m: Meta): string[] {
  return m.chains.flatMap((c) => c.protocols);
}

/** Per market: HF histogram and the positions closest to liquidation; exposure heatmap; stress; curve. */
export async function riskView(container: HTMLElement, params: URLSearchParams) {
  const m = await meta();
  const protocols = protocolsOf(m);
  const protocol = params.get("protocol") ?? protocols[0] ?? "";
  const sort = { key: "healthFactor" as SortKey, descending: false };
  let positions: RiskPosition[] = [];
  const picker = h(
    "select",
    {
      "aria-label": "market",
      onchange: (e: Event) => {
        location.hash = `#/risk?protocol=${(e.target as HTMLSelectElement).value}`;
      },
    },
    protocols.map((p) => h("option", { value: p, selected: p === protocol }, p)),
  );
  const histogramBox = h("div", { class: "chart", "data-testid": "hf-histogram" });
  const histogramCounts = h("p", { "data-testid": "hf-counts" });
  const positionsBox = h("div", {});
  const exposureBox = h("div", {});
  const curveBox = h("div", { class: "chart", "data-testid": "liquidation-curve" });
  const renderPositions = () =>
    replace(
      positionsBox,
      positionsTable(positions, sort, (key) => {
        sort.descending = sort.key === key ? !sort.descending : false;
        sort.key = key;
        renderPositions();
      }),
    );
  replace(
    container,
    h("h1", {}, "Risk"),
    h("p", {}, "Market: ", picker),
    h(
      "section",
      { class: "card" },
      h("h2", {}, `Health factors in ${protocol}`),
      histogramCounts,
      histogramBox,
    ),
    h(
      "section",
      { class: "card" },
      h("h2", {}, "Closest to liquidation (and every stale or unpriced position)"),
      positionsBox,
    ),
    h(
      "section",
      { class: "card" },
      h("h2", {}, "Exposure: share of each protocol's collateral riding on each bridge"),
      exposureBox,
    ),
    h("section", { class: "card" }, h("h2", {}, "Stress test"), stressForm(m)),
    h(
      "section",
      { class: "card" },
      h("h2", {}, "Liquidation curve: debt liquidatable as every collateral price falls"),
      curveBox,
    ),
  );
  return async () => {
    const [hist, rows, exposure, curve] = await Promise.all([
      histogram(protocol),
      closestPositions(protocol),
      exposures(protocols),
      liquidationCurve(null),
    ]);
    replace(
      histogramCounts,
      `${hist.total} positions: `,
      hist.labels.map((l, i) =>
        h(
          "span",
          { class: "count", "data-bucket": l, "data-value": hist.counts[i]! },
          `${l}: ${hist.counts[i]} `,
        ),
      ),
      h("span", { "data-bucket": "STALE", "data-value": hist.stale }, `stale: ${hist.stale} `),
      h("span", { "data-bucket": "UNPRICED", "data-value": hist.unpriced }, `unpriced: ${hist.unpriced}`),
    );
    barChart(
      histogramBox,
      hist.labels,
      [{ label: "positions", values: hist.counts, color: "#d1242f" }],
      "positions",
    );
    positions = rows;
    renderPositions();
    replace(exposureBox, heatmap(exposure));
    barChart(
      curveBox,
      curve.map((p) => `-${Math.round(p.shock * 100)}%`),
      [
        {
          label: "liquidatable debt (USD)",
          values: curve.map((p) => p.liquidatableDebtUsd),
          color: "#8250df",
        },
      ],
      "USD",
    );
  };
}
