/**
 * The risk API as its own process, over the indexer's PostgreSQL database (Ponder's views schema, or the
 * instance schema itself): POST /graphql and GET /metrics on RISK_PORT. With PGlite the risk API runs
 * inside the indexer's API instead (/risk/graphql, src/api/risk.ts): PGlite belongs to one process.
 */
import { drizzle } from "drizzle-orm/node-postgres";
import pg from "pg";
import { z } from "zod";
import { deploymentFilePath } from "../indexer/deployment.js";
import { readDeployment } from "../lib/deployments.js";
import { ConfigError, logLevel, parseEnv, port, urlWith } from "../lib/env.js";
import { logger } from "../lib/logger.js";
import { withDefaultUser } from "../lib/postgres.js";
import { stopOnSignals } from "../lib/process.js";
import * as indexerTables from "../ponder.schema.js";
import { createIndexerSnapshotProvider, type IndexerDb } from "./provider/indexerSnapshot.js";
import { createRiskService } from "./provider/riskService.js";
import { createRiskHttpServer } from "./server.js";

const schemaName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be a plain SQL identifier (letters, digits, underscore)");

export const riskEnvSchema = z
  .object({
    DATABASE_URL: urlWith(["postgres:", "postgresql:"]),
    /** Ponder's --views-schema; preferred, since it survives redeployments of the indexer. */
    PONDER_VIEWS_SCHEMA: schemaName.optional(),
    /** Ponder's --schema, when no views schema is published. */
    DATABASE_SCHEMA: schemaName.optional(),
    DEPLOYMENT_FILE: z.string().min(1).optional(),
    RISK_PORT: port.default(4100),
    LOG_LEVEL: logLevel,
  })
  .refine((env) => env.PONDER_VIEWS_SCHEMA ?? env.DATABASE_SCHEMA, {
    message: "set PONDER_VIEWS_SCHEMA (Ponder's --views-schema) or DATABASE_SCHEMA (its --schema)",
    path: ["PONDER_VIEWS_SCHEMA"],
  });

async function main(): Promise<void> {
  const env = parseEnv(riskEnvSchema);
  const log = logger.child({ service: "risk-api" });
  log.level = env.LOG_LEVEL;
  const schema = (env.PONDER_VIEWS_SCHEMA ?? env.DATABASE_SCHEMA)!;
  const deployment = readDeployment(deploymentFilePath());

  // Unqualified table names resolve through the search path, as in Ponder's own API connections.
  const pool = new pg.Pool({
    connectionString: withDefaultUser(env.DATABASE_URL),
    max: 4,
    options: `-c search_path="${schema}"`,
    application_name: "risk-api",
  });
  pool.on("error", (error) => log.warn({ err: error }, "postgres pool error"));
  const db = drizzle(pool, { casing: "snake_case" }) as unknown as IndexerDb;
  const provider = createIndexerSnapshotProvider({ db, tables: indexerTables, deployment, logger: log });
  const { yoga, registry } = createRiskService({ getSnapshot: provider.getSnapshot });
  // Fail fast on a wrong schema or database instead of on the first request.
  await provider.getSnapshot();

  const server = createRiskHttpServer({ yoga, registry });
  await new Promise<void>((resolve) => server.listen(env.RISK_PORT, resolve));
  log.info(
    { port: env.RISK_PORT, schema },
    `risk API on http://127.0.0.1:${env.RISK_PORT}/graphql and /metrics`,
  );

  // Stop taking requests first, then close the database the in-flight ones use.
  stopOnSignals(log, async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await pool.end();
  });
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) process.stderr.write(`${error.message}\n`);
  else logger.fatal({ err: error }, "risk API failed to start");
  process.exit(1);
});
