#!/usr/bin/env node
// The `bridge` command runs the build in dist/cli/, which `npm ci` / `npm install` make through the
// `prepare` script (or `npm run build` by hand), so no TypeScript is transpiled on each start.
import { existsSync } from "node:fs";

const entry = new URL("../dist/cli/main.js", import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write(
    "error: the bridge CLI is not built (dist/cli/main.js is missing): run `npm run build` (npm ci and npm install run it too)\n",
  );
  process.exit(1);
}
await import(entry.href);
