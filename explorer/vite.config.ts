import { resolve } from "node:path";
import { defineConfig } from "vite";

/**
 * The explorer is served by the indexer at /explorer/ (src/api/explorer.ts). Everything it loads is
 * bundled here: no CDN, no web font, no script from elsewhere.
 */
export default defineConfig({
  root: import.meta.dirname,
  base: "/explorer/",
  logLevel: "warn",
  build: {
    outDir: resolve(import.meta.dirname, "dist"),
    emptyOutDir: true,
    chunkSizeWarningLimit: 2_000,
    rollupOptions: {
      // GraphiQL's Radix UI modules carry React Server Components' "use client", meaningless in a bundle.
      onwarn(warning, warn) {
        if (warning.code !== "MODULE_LEVEL_DIRECTIVE") warn(warning);
      },
      input: {
        index: resolve(import.meta.dirname, "index.html"),
        graphiql: resolve(import.meta.dirname, "graphiql.html"),
      },
    },
  },
});
