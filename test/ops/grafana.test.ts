import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { alertRules, grafanaAlertRules } from "../../dashboards/src/alerts.js";
import { DATASOURCE_UID } from "../../dashboards/src/constants.js";
import {
  grafanaDashboardProvider,
  grafanaDatasources,
  grafanaNotifications,
} from "../../dashboards/src/stack.js";
import { ROOT } from "./expressions.js";

/*
 * The provisioning YAML files are checked through the objects they are rendered from (config.test.ts
 * proves the committed files equal the render). The schemas follow Grafana's file-provisioning docs
 * (administration/provisioning, alerting/set-up/provision-alerting-resources/file-provisioning).
 */
const datasourceFile = z.object({
  apiVersion: z.literal(1),
  datasources: z
    .array(
      z.object({ name: z.string(), type: z.literal("prometheus"), uid: z.string(), url: z.string().url() }),
    )
    .min(1),
});

const duration = z.string().regex(/^\d+[smhd]$/);
const query = z.object({
  refId: z.string().min(1),
  relativeTimeRange: z.object({ from: z.number().int().nonnegative(), to: z.number().int().nonnegative() }),
  datasourceUid: z.string().min(1),
  model: z.record(z.unknown()).and(z.object({ refId: z.string() })),
});
const alertRuleFile = z.object({
  apiVersion: z.literal(1),
  groups: z
    .array(
      z.object({
        orgId: z.number().int().positive(),
        name: z.string().min(1),
        folder: z.string().min(1),
        interval: duration,
        rules: z
          .array(
            z.object({
              uid: z.string().regex(/^[a-zA-Z0-9_-]{1,40}$/),
              title: z.string().min(1),
              condition: z.string().min(1),
              data: z.array(query).min(1),
              for: duration,
              noDataState: z.enum(["NoData", "Alerting", "OK"]),
              execErrState: z.enum(["Error", "Alerting", "OK"]),
              labels: z.object({ severity: z.enum(["critical", "warning"]) }),
              annotations: z.object({ summary: z.string().min(1), runbook: z.string().min(1) }).passthrough(),
            }),
          )
          .min(1),
      }),
    )
    .min(1),
});
const notificationFile = z.object({
  apiVersion: z.literal(1),
  contactPoints: z.array(
    z.object({
      orgId: z.number(),
      name: z.string(),
      receivers: z.array(
        z.object({ uid: z.string(), type: z.literal("webhook"), settings: z.object({ url: z.string() }) }),
      ),
    }),
  ),
  policies: z.array(
    z.object({
      orgId: z.number(),
      receiver: z.string(),
      routes: z.array(
        z.object({
          receiver: z.string(),
          object_matchers: z.array(z.tuple([z.string(), z.string(), z.string()])),
        }),
      ),
    }),
  ),
});

type Panel = {
  id: number;
  type: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { uid: string };
  targets?: { refId: string; expr: string; datasource: { uid: string } }[];
};

function committedDashboards(): { file: string; json: { uid: string; title: string; panels: Panel[] } }[] {
  const dir = join(ROOT, "dashboards/grafana");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .map((file) => ({ file, json: JSON.parse(readFileSync(join(dir, file), "utf8")) }));
}

describe("Grafana dashboards", () => {
  const dashboards = committedDashboards();

  it("cover the bridge, relayer/validators, risk and indexer views, with unique uids", () => {
    expect(dashboards.map((d) => d.json.uid).sort()).toEqual(
      ["bridge-indexer", "bridge-overview", "bridge-relayer-validators", "bridge-risk"].sort(),
    );
    expect(new Set(dashboards.map((d) => d.json.title)).size).toBe(dashboards.length);
  });

  it("have unique panel ids, panels inside the 24-column grid, and every query on the provisioned datasource", () => {
    for (const { file, json } of dashboards) {
      const ids = json.panels.map((p) => p.id);
      expect(new Set(ids).size, file).toBe(ids.length);
      for (const panel of json.panels) {
        expect(panel.gridPos.x + panel.gridPos.w, `${file} panel ${panel.id}`).toBeLessThanOrEqual(24);
        if (panel.type === "row") continue;
        expect(panel.datasource?.uid).toBe(DATASOURCE_UID);
        expect(panel.targets?.length, `${file} panel ${panel.id}`).toBeGreaterThan(0);
        const refIds = panel.targets!.map((t) => t.refId);
        expect(new Set(refIds).size).toBe(refIds.length);
        for (const target of panel.targets!) {
          expect(target.datasource.uid).toBe(DATASOURCE_UID);
          expect(target.expr.trim()).not.toBe("");
        }
      }
    }
  });

  it("are found by the provisioned dashboard provider", () => {
    const provider = grafanaDashboardProvider("/var/lib/grafana/dashboards") as {
      providers: { type: string; options: { path: string } }[];
    };
    expect(provider.providers[0]!.type).toBe("file");
    // docker-compose mounts dashboards/grafana at the provider's path.
    expect(readFileSync(join(ROOT, "docker-compose.yml"), "utf8")).toContain(
      `./dashboards/grafana:${provider.providers[0]!.options.path}`,
    );
  });
});

describe("Grafana provisioning", () => {
  it("provisions one Prometheus datasource whose uid every dashboard and alert query uses", () => {
    const file = datasourceFile.parse(grafanaDatasources("http://prometheus:9090"));
    expect(file.datasources.map((d) => d.uid)).toEqual([DATASOURCE_UID]);
  });

  it("alert rules follow the file-provisioning schema; conditions and expressions refer to existing refIds", () => {
    const file = alertRuleFile.parse(grafanaAlertRules());
    const datasourceUids = new Set([DATASOURCE_UID, "__expr__"]);
    const titles: string[] = [];
    const uids: string[] = [];
    for (const group of file.groups) {
      for (const rule of group.rules) {
        titles.push(rule.title);
        uids.push(rule.uid);
        const refIds = rule.data.map((d) => d.refId);
        expect(refIds, rule.title).toContain(rule.condition);
        for (const q of rule.data) {
          expect(datasourceUids.has(q.datasourceUid), `${rule.title} ${q.refId}`).toBe(true);
          expect(q.model.refId).toBe(q.refId);
          const input = (q.model as { expression?: string }).expression;
          if (q.datasourceUid === "__expr__") expect(refIds, `${rule.title} ${q.refId}`).toContain(input);
          else expect(q.relativeTimeRange.from).toBeGreaterThan(0);
        }
      }
    }
    expect(titles.sort()).toEqual(
      alertRules()
        .map((r) => r.name)
        .sort(),
    );
    expect(new Set(uids).size).toBe(uids.length);
  });

  it("routes alerts by severity to webhook contact points", () => {
    const file = notificationFile.parse(grafanaNotifications());
    const contactPoints = new Set(file.contactPoints.map((c) => c.name));
    const [policy] = file.policies;
    expect(contactPoints.has(policy!.receiver)).toBe(true);
    const bySeverity = Object.fromEntries(
      policy!.routes.map((r) => [r.object_matchers.find((m) => m[0] === "severity")![2], r.receiver]),
    );
    expect(Object.keys(bySeverity).sort()).toEqual(["critical", "warning"]);
    for (const receiver of Object.values(bySeverity)) expect(contactPoints.has(receiver)).toBe(true);
  });
});
