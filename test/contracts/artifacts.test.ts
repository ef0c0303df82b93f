import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { hashSources } from "../../contracts/sourceHash.js";

describe("generated contract artifacts", () => {
  it("were rebuilt after the last change to contracts/src (run `npm run build:contracts`)", () => {
    const root = join(import.meta.dirname, "../../contracts");
    const built = readFileSync(join(root, "generated/sources.sha256"), "utf8").trim();
    expect(built).toBe(hashSources(join(root, "src")));
  });
});
