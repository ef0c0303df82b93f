/**
 * Prometheus, Alertmanager and Grafana provisioning as data (docker-compose.yml is compose.ts). The
 * files under dashboards/ are rendered from these by dashboards/build.ts; the
 * end-to-end test renders the same functions with its own ports into a temp dir, so what it proves is
 * the configuration users run.
 */
import { DATASOURCE_UID, GRAFANA_FOLDER, JOBS } from "./constants.js";
import type { YamlValue } from "./yaml.js";

/** The default webhook every alert goes to; compose replaces it with $ALERT_WEBHOOK_URL at start. */
/** `${NAME}` as written in compose files and Grafana provisioning (interpolated by them, not by us). */
const ref = (expression: string) => `\${${expression}}`;

export const DEFAULT_WEBHOOK_URL = "http://alert-webhook:9095/alerts";

/** Ports the services listen on by default (checked against the services' env schemas in test/ops). */
export const SERVICE_PORTS = {
  validator: 7100,
  relayer: 7200,
  indexer: 42069,
  /** The API replica (`ponder serve`) published beside the indexer. */
  api: 42070,
  risk: 4100,
  prometheus: 9090,
  alertmanager: 9093,
  grafana: 3000,
  postgres: 5432,
  redis: 6379,
  anvil: 8545,
} as const;

export type ScrapeTargets = {
  validators: string[];
  relayer: string[];
  indexer: string[];
  risk: string[];
  /** Path of the risk metrics (the risk API may be mounted under another process). */
  riskMetricsPath?: string;
};

export type PrometheusConfigOptions = {
  targets: ScrapeTargets;
  alertmanagers: string[];
  ruleFiles: string[];
  scrapeInterval?: string;
  evaluationInterval?: string;
};

/** prometheus.yml: one job per service kind, with the job names the rules select on. */
export function prometheusConfig(o: PrometheusConfigOptions): YamlValue {
  const job = (name: string, targets: string[], path = "/metrics") => ({
    job_name: name,
    metrics_path: path,
    static_configs: [{ targets }],
  });
  return {
    global: {
      scrape_interval: o.scrapeInterval ?? "15s",
      evaluation_interval: o.evaluationInterval ?? "15s",
      // Prometheus keeps firing alerts' `for` state across restarts only with this; harmless otherwise.
      external_labels: { system: "bridge" },
    },
    rule_files: o.ruleFiles,
    alerting: { alertmanagers: [{ static_configs: [{ targets: o.alertmanagers }] }] },
    scrape_configs: [
      job(JOBS.validator, o.targets.validators),
      job(JOBS.relayer, o.targets.relayer),
      // Ponder serves its own registry at /metrics and our supply figures at /metrics/bridge.
      job(JOBS.indexer, o.targets.indexer),
      job(JOBS.indexerBridge, o.targets.indexer, "/metrics/bridge"),
      job(JOBS.risk, o.targets.risk, o.targets.riskMetricsPath ?? "/metrics"),
    ],
  };
}

export type AlertmanagerConfigOptions = {
  webhookUrl: string;
  /** Short waits for the end-to-end test; production defaults otherwise. */
  groupWait?: string;
  groupInterval?: string;
  repeatInterval?: string;
};

/** alertmanager.yml: critical and warning alerts to webhook receivers (separate, so each can page differently). */
export function alertmanagerConfig(o: AlertmanagerConfigOptions): YamlValue {
  const receiver = (name: string) => ({
    name,
    webhook_configs: [{ url: o.webhookUrl, send_resolved: true, max_alerts: 0 }],
  });
  return {
    route: {
      receiver: "warning",
      group_by: ["alertname", "protocol", "bridge", "asset", "instance"],
      group_wait: o.groupWait ?? "30s",
      group_interval: o.groupInterval ?? "5m",
      repeat_interval: o.repeatInterval ?? "4h",
      routes: [
        {
          receiver: "critical",
          matchers: ['severity="critical"'],
          repeat_interval: o.repeatInterval ?? "1h",
        },
        { receiver: "warning", matchers: ['severity="warning"'] },
      ],
    },
    inhibit_rules: [
      {
        // A validator that is down also stops lagging reports for it; show the root cause only.
        source_matchers: ['alertname="ValidatorDown"'],
        target_matchers: ['alertname="ValidatorLagging"'],
        equal: ["instance"],
      },
    ],
    receivers: [receiver("critical"), receiver("warning")],
  };
}

export function grafanaDatasources(prometheusUrl: string): YamlValue {
  return {
    apiVersion: 1,
    datasources: [
      {
        name: "Prometheus",
        type: "prometheus",
        uid: DATASOURCE_UID,
        access: "proxy",
        url: prometheusUrl,
        isDefault: true,
        editable: false,
        jsonData: { timeInterval: "15s" },
      },
    ],
  };
}

export function grafanaDashboardProvider(path: string): YamlValue {
  return {
    apiVersion: 1,
    providers: [
      {
        name: "bridge",
        orgId: 1,
        folder: GRAFANA_FOLDER,
        type: "file",
        disableDeletion: true,
        allowUiUpdates: false,
        updateIntervalSeconds: 30,
        options: { path, foldersFromFilesStructure: false },
      },
    ],
  };
}

/** Grafana contact point and notification policy: severity-routed, same webhook as Alertmanager. */
export function grafanaNotifications(): YamlValue {
  const contactPoint = (name: string, uid: string) => ({
    orgId: 1,
    name,
    receivers: [
      {
        uid,
        type: "webhook",
        // Grafana expands environment variables in provisioning files.
        settings: { url: ref("ALERT_WEBHOOK_URL"), httpMethod: "POST" },
        disableResolveMessage: false,
      },
    ],
  });
  return {
    apiVersion: 1,
    contactPoints: [
      contactPoint("bridge-critical", "bridge-critical-webhook"),
      contactPoint("bridge-warning", "bridge-warning-webhook"),
    ],
    policies: [
      {
        orgId: 1,
        receiver: "bridge-warning",
        group_by: ["grafana_folder", "alertname", "protocol", "bridge", "asset", "instance"],
        group_wait: "30s",
        group_interval: "5m",
        repeat_interval: "4h",
        routes: [
          {
            receiver: "bridge-critical",
            object_matchers: [["severity", "=", "critical"]],
            repeat_interval: "1h",
          },
          { receiver: "bridge-warning", object_matchers: [["severity", "=", "warning"]] },
        ],
      },
    ],
  };
}
