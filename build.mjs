// Builds every process we start into dist/ (ES modules, source maps), so a start runs plain JavaScript
// instead of transpiling TypeScript through tsx each time. `npm install` / `npm ci` run this through
// the `prepare` script; `npm run build` runs it by hand, and the integration tests' global setup runs
// it so they start what was just written. Ponder is not here: `ponder start` builds the indexer itself.
import { cpSync, rmSync } from "node:fs";
import { build } from "esbuild";

const common = {
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: "linked",
  logLevel: "warning",
};

/**
 * Long-running services and the devnet that supervises them. Dependencies stay in node_modules
 * (`packages: "external"`): PGlite, BullMQ and pino read files and start workers relative to their own
 * modules, and a service's start time is not worth that risk. One bundle per entry (no shared chunks)
 * so `import.meta.url` in a module is its process's own file (relayer/db.ts finds its migrations).
 */
const services = [
  "validator/main.ts",
  "relayer/main.ts",
  "risk/main.ts",
  "devnet/main.ts",
  "devnet/traffic.ts",
];

/**
 * The `bridge` CLI: one chunk per command with its dependencies bundled in, so `bridge --help` loads
 * only commander and a command loads only what it uses.
 */
const cli = {
  ...common,
  entryPoints: ["cli/main.ts"],
  outdir: "dist/cli",
  splitting: true,
  // CommonJS dependencies bundled into an ES module still call require().
  banner: {
    js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);',
  },
};

rmSync("dist", { recursive: true, force: true });
await Promise.all([
  build(cli),
  ...services.map((entry) =>
    build({
      ...common,
      entryPoints: [entry],
      outfile: `dist/${entry.replace(/\.ts$/, ".js")}`,
      packages: "external",
    }),
  ),
]);
// relayer/db.ts resolves "./migrations" next to itself: the built relayer carries a copy.
cpSync("relayer/migrations", "dist/relayer/migrations", { recursive: true });
