/**
 * The relayer process. Configuration comes from the environment only:
 *
 *   RELAYER_PRIVATE_KEY=0x… VALIDATOR_URLS=http://127.0.0.1:7101,… REDIS_URL=redis://127.0.0.1:6379 \
 *   DEPLOYMENT_FILE=deployments/devnet.json RELAYER_PORT=7200 npm run relayer   (node on dist/relayer/main.js)
 *
 * DATABASE_URL selects PostgreSQL; without it the records live in PGlite under RELAYER_DATA_DIR.
 */
import { resolve } from "node:path";
import { readDeployment } from "../lib/deployments.js";
import { logger, setLogLevel } from "../lib/logger.js";
import { exitOnStartFailure, resolveDeploymentChains, stopOnSignals } from "../lib/process.js";
import { loadRelayerEnv } from "./config.js";
import { startRelayer } from "./service.js";

try {
  const env = loadRelayerEnv();
  setLogLevel(env.LOG_LEVEL);
  const log = logger.child({ service: "relayer" });
  const deployment = readDeployment(resolve(env.DEPLOYMENT_FILE));
  const chains = resolveDeploymentChains(deployment).map(({ chainId, rpcUrl, network }) => ({
    chainId,
    rpcUrl,
    pollMs: Math.max(250, (network.blockTimeSeconds * 1000) / 2),
  }));

  const relayer = await startRelayer({
    privateKey: env.RELAYER_PRIVATE_KEY,
    redisUrl: env.REDIS_URL,
    queuePrefix: env.RELAYER_QUEUE_PREFIX,
    database: {
      url: env.DATABASE_URL,
      dataDir: resolve(env.RELAYER_DATA_DIR),
      schema: env.RELAYER_DB_SCHEMA,
    },
    validatorUrls: env.VALIDATOR_URLS,
    deployment,
    chains,
    host: env.RELAYER_HOST,
    port: env.RELAYER_PORT,
    concurrency: env.RELAYER_CONCURRENCY,
    lockDurationMs: env.RELAYER_LOCK_DURATION_MS,
    batch: { gasCap: env.RELAYER_BATCH_GAS_CAP, maxMessages: env.RELAYER_BATCH_MAX_MESSAGES },
    logger,
  });
  stopOnSignals(log, () => relayer.stop());
} catch (error) {
  exitOnStartFailure(logger.child({ service: "relayer" }), error);
}
