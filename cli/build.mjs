// Builds the `bridge` CLI into dist/cli/ (ES modules, one chunk per command, dependencies bundled
// in), so a start runs plain JavaScript instead of transpiling TypeScript, and `bridge --help` loads
// only commander. `npm install` / `npm ci` run this through the `prepare` script; `npm run build`
// runs it by hand.
import { rmSync } from "node:fs";
import { build } from "esbuild";

rmSync("dist/cli", { recursive: true, force: true });
await build({
  entryPoints: ["cli/main.ts"],
  outdir: "dist/cli",
  bundle: true,
  splitting: true,
  platform: "node",
  format: "esm",
  target: "node20",
  // CommonJS dependencies bundled into an ES module still call require().
  banner: {
    js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);',
  },
  sourcemap: "linked",
  logLevel: "warning",
});
