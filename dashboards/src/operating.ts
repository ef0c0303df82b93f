/**
 * The "Operating the bridge" section (dashboards/OPERATING.md, merged into the README by the lead).
 * Rendered from the alert definitions so the runbook lines here, in the alert annotations and in
 * Grafana are the same text; headings match the alerts' runbook_url anchors.
 */
import { type AlertRule, alertRules } from "./alerts.js";
import { dashboards } from "./dashboards.js";
import { SERVICE_PORTS } from "./stack.js";

const condition = (r: AlertRule) =>
  `\`${r.query.replace(/\s*\n\s*/g, " ")} ${r.op} ${r.threshold}\` for ${r.for}`;

export function operatingMarkdown(): string {
  const lines = [
    "## Operating the bridge",
    "",
    "Monitoring is Prometheus (scrapes every service, evaluates the alert rules), Alertmanager (routes",
    "alerts by `severity` to a webhook) and Grafana (dashboards, plus the same rules as Grafana-managed",
    "alerts). Everything under `dashboards/` and `docker-compose.yml` is generated from TypeScript in",
    "`dashboards/src/`; change a dashboard, rule, threshold or port there and run",
    "",
    "```sh",
    "npx tsx dashboards/build.ts          # regenerate",
    "npx tsx dashboards/build.ts --check  # what the tests check: committed files equal a fresh render",
    "```",
    "",
    "### Running it",
    "",
    `- **Docker**: \`cp .env.example .env && npm run compose:secrets && docker compose up --build\`. Grafana on http://localhost:${SERVICE_PORTS.grafana}`,
    `  (admin / \`GRAFANA_ADMIN_PASSWORD\`, anonymous viewing on), Prometheus on :${SERVICE_PORTS.prometheus}, Alertmanager on`,
    `  :${SERVICE_PORTS.alertmanager}. Set \`ALERT_WEBHOOK_URL\` to where alerts should go (Slack-compatible relays,`,
    "  PagerDuty's Events webhook, or any JSON endpoint); both Alertmanager and Grafana use it. Each validator",
    "  and each of the two relayers reads its key from a compose secret (`./secrets/*.key`, mode 600, never an",
    "  environment variable); `npm run compose:secrets` writes the devnet's dev keys there, never overwriting a",
    "  file: put your own keys in those files for anything else.",
    "- **Beside `npm start`**: `prometheus --config.file=dashboards/prometheus/prometheus.devnet.yml` and",
    "  `prometheus-alertmanager --config.file=dashboards/alertmanager/alertmanager.yml` (edit the webhook URL",
    "  there, or render one with `alertmanagerConfig({ webhookUrl })`).",
    "",
    "Scrape jobs: `validator` (one target per validator, `/metrics`), `relayer`, `indexer` (Ponder's own",
    "`/metrics`), `indexer_bridge` (our supply figures at `/metrics/bridge`), `risk` (risk gauges).",
    "",
    '### Dashboards (Grafana folder "Bridge")',
    "",
    ...dashboards.map((d) => `- **${d.title}** (\`${d.uid}\`): ${d.description}`),
    "",
    "### Alerts and what to do",
    "",
    "`critical` pages someone now; `warning` goes to the team channel. Every alert's summary names the",
    "measured value and the labels involved; `value` carries the raw number.",
    "",
  ];
  for (const rule of alertRules()) {
    lines.push(
      `#### ${rule.name}`,
      "",
      `- Severity: **${rule.severity}**. Fires when ${condition(rule)}.`,
      `- Means: ${rule.description}`,
      `- Do: ${rule.runbook}`,
      "",
    );
  }
  lines.push(
    "### Tests",
    "",
    "`npm test` runs `test/ops/`: promtool unit tests for every alert (firing, not firing, `for`),",
    "`promtool check config`, `amtool check-config` and routing, Grafana file schemas, the compose model",
    "against the services' env schemas, every PromQL metric name against the live `/metrics` of a devnet,",
    "and the alert path end to end with real Prometheus and Alertmanager.",
  );
  return `${lines.join("\n")}\n`;
}
