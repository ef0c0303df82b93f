import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * Suites that start no chain, server or database and finish in seconds (`npm run test:unit`). Every
 * other suite is `integration`: it starts its own anvil chains and uses PostgreSQL and Redis. A new
 * suite is integration unless it is listed here.
 */
const unitSuites = [
  "test/architecture/**/*.test.ts",
  "test/lib/**/*.test.ts",
  "test/relayer/finalityClock.test.ts",
  "test/relayer/failures.test.ts",
  "test/relayer/batchPlan.test.ts",
  "test/relayer/holdDelay.test.ts",
  "test/risk/engine.test.ts",
  "test/risk/properties.test.ts",
  "test/risk/graphql.test.ts",
  "test/risk/aaveAccountData.test.ts",
  "test/risk/aaveGraphql.test.ts",
  "test/risk/incremental.test.ts",
  "test/risk/incrementalReads.test.ts",
  "test/risk/dexCascade.test.ts",
  "test/risk/priceMoves.test.ts",
  "test/indexer/aaveBalances.test.ts",
  "test/service/**/*.test.ts",
  "test/ops/compose-network.test.ts",
  "test/bridge/merkle.test.ts",
  "test/ops/compose.test.ts",
  "test/ops/config.test.ts",
  "test/ops/grafana.test.ts",
  "test/contracts/artifacts.test.ts",
  "test/indexer/statusRoute.test.ts",
  "test/indexer/schemaFingerprint.test.ts",
  "test/indexer/morphoDeployment.test.ts",
  "test/explorer/pageLogic.test.ts",
];

/**
 * The longest integration files first. On a fresh clone vitest has no timing cache and starts files in
 * its own order; a 4-minute file started last keeps the run going long after the other lanes are idle.
 * Seconds from a fresh-clone CI run (2 Dec 2026) in the comments; the rest keep vitest's order.
 */
const longestFirst = [
  "test/chaos/chaos.test.ts", // 150-357 alone in vitest, other work keeping the load average at 5-30 (2 Dec 2026)
  "test/indexer/aave.properties.test.ts", // 259
  "test/indexer/indexer.test.ts", // ~220
  "test/indexer/morpho.properties.test.ts", // ~190 (measured alone, 2 Dec 2026)
  "test/ops/live.test.ts", // ~130
  "test/risk-e2e/riskApi.test.ts", // ~100
  "test/risk-e2e/aaveRisk.test.ts", // ~90
  "test/explorer/explorer.test.ts", // ~70 plus a devnet start
  "test/bridge/testnetPath.test.ts", // ~66
  "test/bridge/roots.test.ts", // ~46
  "test/risk-e2e/standalone.test.ts", // ~39
  "test/bridge/faults.test.ts", // ~32
];

class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (file: TestSpecification) => {
      const i = longestFirst.findIndex((path) => file.moduleId.endsWith(path));
      return i === -1 ? longestFirst.length : i;
    };
    // Array.prototype.sort is stable: unlisted files keep vitest's order after the listed ones.
    return [...sorted].sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  test: {
    // Integration suites start anvil chains and deploy contracts; a generous timeout covers that on a
    // 2-core machine. No test asserts on wall-clock speed.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
    // Three files at once on a 2-core machine: an integration file mostly waits for blocks, finality
    // and child processes. Measured with `time npx vitest run <file>` (CPU includes the anvil, Ponder
    // and service children): testnetPath 17 s CPU in 83 s, indexer 83 s in 231 s, edge + devnet 13 s
    // in 24 s, cli + rotation + faults + standalone risk 57 s in 125 s, i.e. 0.2-0.5 core per file.
    // (vitest takes the fork limit from the root config only, so the unit project shares it.)
    poolOptions: { forks: { maxForks: 3, minForks: 1 } },
    // Longest files first, so the 3 lanes finish together (LongestFirstSequencer above).
    sequence: { sequencer: LongestFirstSequencer },
    projects: [
      { extends: true, test: { name: "unit", include: unitSuites, testTimeout: 20_000 } },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["test/**/*.test.ts"],
          exclude: unitSuites,
          globalSetup: ["test/setup/build.ts"],
        },
      },
    ],
  },
});
