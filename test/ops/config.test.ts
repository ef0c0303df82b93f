import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { alertRules, prometheusRules } from "../../dashboards/src/alerts.js";
import { renderAll } from "../../dashboards/src/render.js";
import { toYaml } from "../../dashboards/src/yaml.js";
import { ROOT } from "./expressions.js";
import { metricNames } from "./promql.js";

/** Runs a Prometheus tool; returns its combined output, throwing with that output on failure. */
function run(command: string, args: string[], cwd = ROOT): string {
  try {
    return execFileSync(command, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${command} ${args.join(" ")} failed:\n${e.stdout ?? ""}${e.stderr ?? e.message}`);
  }
}

describe("generated operations files", () => {
  it("are committed as dashboards/build.ts renders them", () => {
    const stale = [...renderAll()].filter(([path, content]) => {
      try {
        return readFileSync(join(ROOT, path), "utf8") !== content;
      } catch {
        return true;
      }
    });
    expect(
      stale.map(([path]) => path),
      "run: npx tsx dashboards/build.ts",
    ).toEqual([]);
  });
});

describe("Prometheus rules (promtool)", () => {
  it("pass promtool check rules", () => {
    expect(run("promtool", ["check", "rules", "dashboards/prometheus/rules/bridge.yml"])).toMatch(
      new RegExp(`SUCCESS: ${alertRules().length} rules found`),
    );
  });

  it("pass the promtool unit tests: every alert fires after its `for`, not before, and not for its neighbours", () => {
    expect(run("promtool", ["test", "rules", "dashboards/prometheus/tests/bridge.test.yml"])).toContain(
      "SUCCESS",
    );
  });

  it("fail promtool when an expectation is wrong (the unit tests can fail)", () => {
    const dir = mkdtempSync(join(tmpdir(), "promtool-"));
    writeFileSync(join(dir, "bridge.yml"), toYaml(prometheusRules()));
    const tests = readFileSync(join(ROOT, "dashboards/prometheus/tests/bridge.test.yml"), "utf8")
      .replace("../rules/bridge.yml", "bridge.yml")
      .replace("has $300k of debt", "has $299k of debt");
    writeFileSync(join(dir, "bad.test.yml"), tests);
    expect(() => run("promtool", ["test", "rules", "bad.test.yml"], dir)).toThrow(/LiquidationRiskHigh/);
  });

  it("every alert has a severity, a summary naming the value, and a runbook line", () => {
    const [group] = (prometheusRules() as { groups: { rules: Record<string, never>[] }[] }).groups;
    for (const rule of group!.rules as unknown as {
      alert: string;
      labels: { severity: string };
      annotations: Record<string, string>;
    }[]) {
      expect(["critical", "warning"]).toContain(rule.labels.severity);
      expect(rule.annotations.summary, rule.alert).toMatch(/\{\{ \$(value|labels\.\w+)/);
      expect(rule.annotations.runbook, rule.alert).toMatch(/\w.{20,}/);
    }
    // Every runbook link lands on a heading of the file it names (GitHub's anchor: the lower-cased text).
    for (const rule of group!.rules as unknown as { alert: string; annotations: Record<string, string> }[]) {
      const [file, anchor] = rule.annotations.runbook_url!.split("#");
      const headings = readFileSync(join(ROOT, file!), "utf8")
        .split("\n")
        .filter((line) => line.startsWith("#"))
        .map((line) => line.replace(/^#+\s*/, "").toLowerCase());
      expect(headings, rule.alert).toContain(anchor);
    }
    const liquidation = alertRules().find((r) => r.name === "LiquidationRiskHigh")!;
    // The alert is per protocol (its label) and carries the debt at risk as its value.
    expect(liquidation.query).toMatch(/by \(protocol/);
    expect([...metricNames(liquidation.query)]).toEqual(["risk_debt_at_risk_usd"]);
  });
});

describe("Prometheus and Alertmanager configs", () => {
  it("prometheus.yml (compose) and prometheus.devnet.yml pass promtool check config", () => {
    for (const file of ["prometheus.yml", "prometheus.devnet.yml"]) {
      expect(
        run("promtool", ["check", "config", "--syntax-only", file], join(ROOT, "dashboards/prometheus")),
      ).toContain("SUCCESS");
    }
    // The devnet config's rule glob resolves to the committed rules.
    expect(
      run("promtool", ["check", "config", "prometheus.devnet.yml"], join(ROOT, "dashboards/prometheus")),
    ).toContain(`SUCCESS: ${alertRules().length} rules found`);
  });

  it("alertmanager.yml passes amtool check-config and routes both severities to a webhook", () => {
    const out = run("amtool", ["check-config", "dashboards/alertmanager/alertmanager.yml"]);
    expect(out).toContain("SUCCESS");
    const file = "--config.file=dashboards/alertmanager/alertmanager.yml";
    // amtool's own routing of a label set: critical and warning go to their receivers.
    expect(
      run("amtool", ["config", "routes", "test", file, "severity=critical", "alertname=RelayerStuck"]).trim(),
    ).toBe("critical");
    expect(
      run("amtool", ["config", "routes", "test", file, "severity=warning", "protocol=lend-b"]).trim(),
    ).toBe("warning");
    const text = readFileSync(join(ROOT, "dashboards/alertmanager/alertmanager.yml"), "utf8");
    expect(text.match(/webhook_configs:/g)).toHaveLength(2);
  });
});
