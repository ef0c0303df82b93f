import { alertRules } from "./alerts.js";

/** Rate window of every panel's rate(). */
export const RATE = "5m";
/** histogram_quantile over a histogram's buckets, summed by `by`. */
export const quantile = (q: number, metric: string, by: string) =>
  `histogram_quantile(${q}, sum by (le, ${by}) (rate(${metric}_bucket[${RATE}])))`;
/** The PromQL of an alert rule, so a panel shows exactly what the alert watches. */
export const alertQuery = (name: string) => alertRules().find((r) => r.name === name)!.query;
