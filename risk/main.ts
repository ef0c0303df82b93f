/**
 * The risk API as its own process, over the indexer's PostgreSQL database (Ponder's views schema, or the
 * instance schema itself): POST /graphql and GET /metrics on RISK_PORT. With PGlite the risk API runs
 * inside the indexer's API instead (/risk/graphql, src/api/risk.ts): PGlite belongs to one process.
 */
import { drizzle } from "drizzle-orm/node-postgres";
import pg from "pg";
import { deploymentFilePath, readDeployment } from "../lib/deployments.js";
import { parseEnv } from "../lib/env.js";
import * as aaveTables from "../lib/indexerSchema/aave.js";
import * as externalBridgeTables from "../lib/indexerSchema/externalBridges.js";
import * as morphoTables from "../lib/indexerSchema/morpho.js";
import * as priceTables from "../lib/indexerSchema/prices.js";
import * as transferTables from "../lib/indexerSchema/transfers.js";
import * as uniswapTables from "../lib/indexerSchema/uniswap.js";
import { logger, setLogLevel } from "../lib/logger.js";
import { withDefaultUser } from "../lib/postgres.js";
import { exitOnStartFailure, stopOnSignals } from "../lib/process.js";
import { createIndexerSnapshotProvider, type IndexerDb } from "../lib/risk/api/provider/indexerSnapshot.js";
import { createRiskService } from "../lib/risk/api/provider/riskService.js";
import { createRiskApp } from "../lib/risk/api/server.js";
import { serve } from "../lib/service/http.js";
import { riskEnvSchema } from "./config.js";

async function main(): Promise<void> {
  const env = parseEnv(riskEnvSchema);
  setLogLevel(env.LOG_LEVEL);
  const log = logger.child({ service: "risk-api" });
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
  const provider = createIndexerSnapshotProvider({
    db,
    tables: {
      ...aaveTables,
      ...externalBridgeTables,
      ...morphoTables,
      ...priceTables,
      ...transferTables,
      ...uniswapTables,
    },
    deployment,
    logger: log,
  });
  const { yoga, registry } = createRiskService({ getSnapshot: provider.getSnapshot });
  // Fail fast on a wrong schema or database instead of on the first request.
  await provider.getSnapshot();

  const server = await serve({
    app: createRiskApp({ yoga, registry, log }),
    host: env.RISK_HOST,
    port: env.RISK_PORT,
  });
  log.info({ url: server.url, schema }, `risk API on ${server.url}/graphql and /metrics`);

  // Stop taking requests first, then close the database the in-flight ones use.
  stopOnSignals(log, async () => {
    await server.close();
    await pool.end();
  });
}

main().catch((error: unknown) => exitOnStartFailure(logger.child({ service: "risk-api" }), error));
