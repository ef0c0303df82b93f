import { type ChildProcess, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AlertThresholds, DEFAULT_THRESHOLDS, prometheusRules } from "../../dashboards/src/alerts.js";
import { alertmanagerConfig, prometheusConfig, type ScrapeTargets } from "../../dashboards/src/stack.js";
import { toYaml } from "../../dashboards/src/yaml.js";
import { freePort } from "../../devnet/anvil.js";

export type WebhookAlert = {
  status: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Real Prometheus and Alertmanager (Debian's binaries) on free ports with temp storage, the committed
 * rules rendered with 2 s `for` and 1 s evaluation, and a webhook receiver collecting what Alertmanager
 * sends. `stop()` ends both processes and the receiver.
 */
export async function startAlertStack(params: {
  targets: ScrapeTargets;
  thresholds?: Partial<AlertThresholds>;
}) {
  const dir = mkdtempSync(join(tmpdir(), "alert-stack-"));
  const received: WebhookAlert[] = [];
  const webhook = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => {
      received.push(...(JSON.parse(body) as { alerts: WebhookAlert[] }).alerts);
      res.writeHead(200).end();
    });
  });
  const webhookPort = await freePort();
  await new Promise<void>((resolve) => webhook.listen(webhookPort, "127.0.0.1", resolve));
  const [amPort, promPort] = [await freePort(), await freePort()];
  mkdirSync(join(dir, "am"));
  writeFileSync(
    join(dir, "alertmanager.yml"),
    toYaml(
      alertmanagerConfig({
        webhookUrl: `http://127.0.0.1:${webhookPort}/alerts`,
        groupWait: "1s",
        groupInterval: "1s",
        repeatInterval: "1h",
      }),
    ),
  );
  writeFileSync(
    join(dir, "rules.yml"),
    toYaml(
      prometheusRules({
        forOverride: "2s",
        interval: "1s",
        thresholds: { ...DEFAULT_THRESHOLDS, ...params.thresholds },
      }),
    ),
  );
  writeFileSync(
    join(dir, "prometheus.yml"),
    toYaml(
      prometheusConfig({
        targets: params.targets,
        alertmanagers: [`127.0.0.1:${amPort}`],
        ruleFiles: [join(dir, "rules.yml")],
        scrapeInterval: "1s",
        evaluationInterval: "1s",
      }),
    ),
  );
  const processes: { child: ChildProcess; output: string }[] = [];
  const start = (command: string, args: string[]) => {
    const entry = { child: spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] }), output: "" };
    for (const stream of [entry.child.stdout, entry.child.stderr])
      stream?.on("data", (chunk) => {
        entry.output = (entry.output + chunk.toString()).slice(-4000);
      });
    processes.push(entry);
  };
  start("prometheus-alertmanager", [
    `--config.file=${join(dir, "alertmanager.yml")}`,
    `--storage.path=${join(dir, "am")}`,
    `--web.listen-address=127.0.0.1:${amPort}`,
    "--cluster.listen-address=",
  ]);
  start("prometheus", [
    `--config.file=${join(dir, "prometheus.yml")}`,
    `--storage.tsdb.path=${join(dir, "prometheus")}`,
    `--web.listen-address=127.0.0.1:${promPort}`,
  ]);

  return {
    received,
    prometheusUrl: `http://127.0.0.1:${promPort}`,
    /** The first webhook alert matching, polling up to `capMs` (a cap, not a timing assertion). */
    async waitFor(match: (alert: WebhookAlert) => boolean, capMs: number): Promise<WebhookAlert> {
      const deadline = Date.now() + capMs;
      while (Date.now() < deadline) {
        const alert = received.find(match);
        if (alert) return alert;
        await sleep(250);
      }
      throw new Error(
        `no matching alert within ${capMs / 1000}s; webhook got ${JSON.stringify(received)}\n${processes.map((p) => p.output).join("\n---\n")}`,
      );
    },
    async stop(): Promise<void> {
      await Promise.all(
        processes.map(
          ({ child }) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null || child.signalCode !== null) return resolve();
              child.once("exit", () => resolve());
              child.kill("SIGTERM");
            }),
        ),
      );
      await new Promise((resolve) => webhook.close(resolve));
    },
  };
}
