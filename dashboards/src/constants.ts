/** The provisioned Prometheus datasource's uid: every dashboard panel and Grafana alert query names it. */
export const DATASOURCE_UID = "prometheus";

/** Grafana folder that holds the dashboards and the alert rules. */
export const GRAFANA_FOLDER = "Bridge";

/**
 * Prometheus job names. The dashboards and alert rules select on them (`up{job="validator"}`), so the
 * scrape configs (prometheus.yml, the compose stack, the end-to-end test) all come from these.
 */
export const JOBS = {
  validator: "validator",
  relayer: "relayer",
  indexer: "indexer",
  indexerBridge: "indexer_bridge",
  risk: "risk",
} as const;
