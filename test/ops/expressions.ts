import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { alertRules } from "../../dashboards/src/alerts.js";

export const ROOT = join(import.meta.dirname, "../..");

/** Every PromQL expression of the committed dashboards and of the alert rules, with where it is used. */
export function allExpressions(): { where: string; expr: string }[] {
  const found: { where: string; expr: string }[] = [];
  const dir = join(ROOT, "dashboards/grafana");
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".json"))) {
    const dashboard = JSON.parse(readFileSync(join(dir, file), "utf8")) as {
      panels: { title: string; targets?: { expr: string }[] }[];
      templating?: { list: { name: string; definition?: string }[] };
    };
    for (const panel of dashboard.panels)
      for (const target of panel.targets ?? [])
        found.push({ where: `${file}: ${panel.title}`, expr: target.expr });
    for (const variable of dashboard.templating?.list ?? [])
      if (variable.definition) found.push({ where: `${file}: $${variable.name}`, expr: variable.definition });
  }
  for (const rule of alertRules()) found.push({ where: `alert ${rule.name}`, expr: rule.query });
  return found;
}
