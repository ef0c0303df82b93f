import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Every integration suite starts its own anvil chains; a generous timeout covers chain start-up
    // and contract deployment on a 2-core machine. No test asserts on wall-clock speed.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: "forks",
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
  },
});
