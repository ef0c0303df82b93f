/**
 * Writes the Grafana dashboards, alert provisioning, Prometheus and Alertmanager configs and
 * docker-compose.yml from dashboards/src. `--check` writes nothing and exits 1 when a committed file
 * differs from a fresh render (the tests do the same).
 *
 *   npx tsx dashboards/build.ts          regenerate
 *   npx tsx dashboards/build.ts --check  verify
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { renderAll } from "./src/render.js";

const root = join(import.meta.dirname, "..");
const check = process.argv.includes("--check");
const stale: string[] = [];
for (const [path, content] of renderAll()) {
  const file = join(root, path);
  let current: string | undefined;
  try {
    current = readFileSync(file, "utf8");
  } catch {
    current = undefined;
  }
  if (current === content) continue;
  if (check) {
    stale.push(path);
  } else {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, content);
    process.stdout.write(`wrote ${path}\n`);
  }
}
if (stale.length > 0) {
  process.stderr.write(
    `out of date (run npx tsx dashboards/build.ts):\n${stale.map((p) => `  ${p}`).join("\n")}\n`,
  );
  process.exit(1);
}
