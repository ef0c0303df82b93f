import { defineConfig } from "vite";

/**
 * Vite settings for Ponder's build: Ponder runs ponder.config.ts, src/ and src/api through Vite
 * (vite-node), and Vite reads this file from the project root. (The explorer has its own config,
 * explorer/vite.config.ts; the tests have vitest.config.ts.)
 *
 * Why it exists: Vite watches the whole root for changes by default, and only `ponder dev` reloads
 * on them. Under `ponder start` and `ponder serve` the watcher still ran and handled every write under
 * the root (the devnet's logs, PGlite's files and the validators' and relayer's stores under .devnet/,
 * Ponder's own .ponder/): in a CPU profile of the API replica under 200 clients, Vite's watcher
 * (lstat, stat, readdir per change) took at least a quarter of the process's busy time, which fell
 * from 11.6 s to 6.2 s in the same window without it (docs/benchmarks.md, API load). So only `ponder dev` watches, and never the directories our own
 * processes write to.
 */
const ponderCommand = process.argv.slice(2).find((argument) => !argument.startsWith("-"));

export default defineConfig({
  server: {
    watch:
      ponderCommand === "dev"
        ? { ignored: ["**/.devnet/**", "**/.ponder/**", "**/dist/**", "**/explorer/dist/**"] }
        : null,
  },
});
