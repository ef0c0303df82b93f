import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { h } from "./dom.js";

/** uPlot charts sized to their container; each call replaces the chart inside `host`. */
type Series = { label: string; values: (number | null)[]; color: string };

function size(host: HTMLElement) {
  return { width: Math.max(320, host.clientWidth || 640), height: 220 };
}

export function lineChart(host: HTMLElement, x: number[], series: Series[], yLabel: string): void {
  host.replaceChildren();
  if (x.length === 0) {
    host.append(h("p", { class: "muted" }, "no points yet"));
    return;
  }
  new uPlot(
    {
      ...size(host),
      scales: { x: { time: true } },
      axes: [{}, { label: yLabel }],
      series: [
        {},
        ...series.map((s) => ({ label: s.label, stroke: s.color, width: 2, points: { show: true } })),
      ],
    },
    [x, ...series.map((s) => s.values)],
    host,
  );
}

/** Bars at categorical x positions (labels under the axis). */
export function barChart(host: HTMLElement, labels: string[], series: Series[], yLabel: string): void {
  host.replaceChildren();
  const x = labels.map((_, i) => i);
  const bars = uPlot.paths.bars?.({ size: [0.8, 60] });
  new uPlot(
    {
      ...size(host),
      scales: { x: { time: false, range: [-0.5, labels.length - 0.5] } },
      axes: [
        { values: (_u, ticks) => ticks.map((t) => labels[t] ?? ""), splits: () => x },
        { label: yLabel },
      ],
      series: [
        { label: "bucket", value: (_u, v) => (v === null ? "" : (labels[v] ?? "")) },
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          fill: `${s.color}88`,
          paths: bars,
          points: { show: false },
        })),
      ],
      legend: { show: true },
    },
    [x, ...series.map((s) => s.values)],
    host,
  );
}

/** Background colour for a share in [0, 1]: white to deep red. */
export function heatColor(share: number): string {
  const v = Math.max(0, Math.min(1, share));
  const channel = Math.round(255 - v * 180);
  return `rgb(255, ${channel}, ${channel})`;
}
