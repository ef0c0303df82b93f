import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "../..");
const modulesDir = join(root, "lib/indexerSchema");

/** sha256 over every schema module's name and text, in name order; the first 16 hex digits. */
function schemaModulesFingerprint(): string {
  const hash = createHash("sha256");
  for (const name of readdirSync(modulesDir)
    .filter((n) => n.endsWith(".ts"))
    .sort()) {
    hash
      .update(name)
      .update("\0")
      .update(readFileSync(join(modulesDir, name), "utf8"))
      .update("\0");
  }
  return hash.digest("hex").slice(0, 16);
}

describe("ponder.schema.ts", () => {
  // Ponder hashes only ponder.schema.ts's text into its build ID; see the comment in that file.
  it("carries the fingerprint of lib/indexerSchema/ so a table change changes Ponder's build ID", () => {
    const text = readFileSync(join(root, "ponder.schema.ts"), "utf8");
    const written = /schema modules fingerprint: ([0-9a-f]{16})/.exec(text)?.[1];
    const actual = schemaModulesFingerprint();
    expect(written, `set "schema modules fingerprint: ${actual}" in ponder.schema.ts`).toBe(actual);
  });

  it("re-exports every schema module", () => {
    const text = readFileSync(join(root, "ponder.schema.ts"), "utf8");
    for (const name of readdirSync(modulesDir).filter((n) => n.endsWith(".ts"))) {
      expect(text).toContain(`export * from "./lib/indexerSchema/${name.replace(/\.ts$/, ".js")}";`);
    }
  });
});
