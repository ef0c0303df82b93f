import { defineConfig } from "drizzle-kit";

/** `npm run db:generate`: writes a migration for every change to relayer/schema.ts. */
export default defineConfig({
  dialect: "postgresql",
  schema: "./relayer/schema.ts",
  out: "./relayer/migrations",
});
