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

describe("third-party artifacts (contracts/external.ts)", () => {
  // These are pinned by package version rather than by the source hash: a dependency bump without a
  // rebuild would leave bytecode from the old version in contracts/generated.
  const version = (name: string) =>
    (
      JSON.parse(
        readFileSync(join(import.meta.dirname, "../../node_modules", name, "package.json"), "utf8"),
      ) as {
        version: string;
      }
    ).version;
  const header = (path: string) =>
    readFileSync(join(import.meta.dirname, "../../contracts/generated", path), "utf8").split("\n")[0];

  it("were generated from the installed @aave/core-v3 and @chainlink/contracts (run `npm run build:contracts`)", () => {
    expect(header("aave/Pool.ts")).toContain(`@aave/core-v3@${version("@aave/core-v3")} `);
    expect(header("chainlink/FluxAggregator.ts")).toContain(
      `@chainlink/contracts@${version("@chainlink/contracts")} `,
    );
    expect(header("chainlink/EACAggregatorProxy.ts")).toContain(`solc ${version("solc-0.6.6")}`);
  });
});
