import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

/**
 * The import rule of README "Architecture": processes talk through chains, HTTP, Redis and the
 * database, never through each other's modules. Each room lists the rooms it may import from
 * (its own room is always allowed).
 */
const processRoom = ["lib", "contracts/generated"];
const allowed: Record<string, readonly string[] | "all-but-test-and-bench"> = {
  // lib/ is pure shared code; generated ABIs are data (as const arrays), so lib may read them.
  lib: ["contracts/generated"],
  "contracts/generated": [],
  contracts: ["contracts/generated"],
  deploy: processRoom,
  validator: processRoom,
  relayer: processRoom,
  indexer: processRoom,
  risk: processRoom,
  cli: [...processRoom, "deploy"],
  devnet: [...processRoom, "deploy"],
  dashboards: ["lib"],
  // The web app runs in the browser: it talks to the indexer over HTTP only, so it imports nothing of ours.
  explorer: [],
  // Harnesses start real processes for tests and benches alike.
  harness: "all-but-test-and-bench",
  bench: "all-but-test-and-bench",
  test: [
    "lib",
    "contracts",
    "contracts/generated",
    "deploy",
    "devnet",
    "harness",
    "cli",
    "validator",
    "relayer",
    "indexer",
    "risk",
    "dashboards",
    "explorer",
    "root",
  ],
  // Tool configuration at the top level (vitest.config.ts).
  root: "all-but-test-and-bench",
};

function roomOf(file: string): string {
  const [top, second] = file.split("/");
  if (file === top) return top.startsWith("ponder") ? "indexer" : "root";
  if (top === "src" || top === "indexer") return "indexer";
  if (top === "contracts" && second === "generated") return "contracts/generated";
  return top!;
}

type Violation = { from: string; to: string; specifier: string };

/** Every relative import (static, dynamic, type-only, re-export) of `files` that the rule forbids. */
function violations(files: ReadonlyArray<{ path: string; text: string }>): Violation[] {
  const found: Violation[] = [];
  for (const file of files) {
    const { importedFiles } = ts.preProcessFile(file.text, true, true);
    const from = roomOf(file.path);
    for (const { fileName: specifier } of importedFiles) {
      if (!specifier.startsWith(".")) continue;
      const target = normalize(join(dirname(file.path), specifier)).replace(/\.js$/, ".ts");
      const to = roomOf(target);
      const rule = allowed[from];
      if (to === from || rule === undefined) continue;
      const ok = rule === "all-but-test-and-bench" ? to !== "test" && to !== "bench" : rule.includes(to);
      if (!ok) found.push({ from: file.path, to: target, specifier });
    }
  }
  return found;
}

const root = join(import.meta.dirname, "../..");
const skipped = new Set(["node_modules", ".ponder", "generated-ponder", ".devnet", ".git", "dist"]);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (skipped.has(entry.name)) return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|mts|js|mjs)$/.test(entry.name) ? [relative(root, path)] : [];
  });
}

describe("import rule", () => {
  it("holds for every source file in the repository", () => {
    const files = sourceFiles(root).map((path) => ({ path, text: readFileSync(join(root, path), "utf8") }));
    expect(files.length).toBeGreaterThan(100);
    expect(violations(files)).toEqual([]);
  });

  it("fails on a violating import (fixture)", () => {
    const fixture = [
      { path: "cli/commands/x.ts", text: 'import { devnetKeys } from "../../devnet/main.js";' },
      { path: "bench/x.ts", text: 'export type { T } from "../test/helpers/x.js";' },
      { path: "deploy/x.ts", text: 'const m = await import("../devnet/seed.js");' },
      { path: "lib/x.ts", text: 'import type { R } from "../relayer/service.js";' },
      { path: "risk/x.ts", text: 'import * as tables from "../ponder.schema.js";' },
      { path: "src/api/x.ts", text: 'import { createRiskApp } from "../../risk/server.js";' },
      { path: "explorer/src/x.ts", text: 'import { messageId } from "../../lib/bridge/message.js";' },
      { path: "cli/ok.ts", text: 'import { x } from "../lib/x.js"; import { d } from "../deploy/run.js";' },
    ];
    expect(violations(fixture).map((v) => `${v.from} -> ${v.to}`)).toEqual([
      "cli/commands/x.ts -> devnet/main.ts",
      "bench/x.ts -> test/helpers/x.ts",
      "deploy/x.ts -> devnet/seed.ts",
      "lib/x.ts -> relayer/service.ts",
      "risk/x.ts -> ponder.schema.ts",
      "src/api/x.ts -> risk/server.ts",
      "explorer/src/x.ts -> lib/bridge/message.ts",
    ]);
  });
});
