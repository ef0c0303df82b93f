/**
 * One validator process (one key). Configuration comes from the environment only:
 *
 *   VALIDATOR_PRIVATE_KEY=0x… VALIDATOR_PORT=7101 VALIDATOR_DATA_DIR=.data/validator-1 \
 *   DEPLOYMENT_FILE=deployments/devnet.json npm run validator   (node on dist/validator/main.js)
 *
 * Each chain's RPC URL comes from lib/networks.ts (`<NETWORK>_RPC_URL` overrides it).
 */
import { resolve } from "node:path";
import { readDeployment } from "../lib/deployments.js";
import { logger, setLogLevel } from "../lib/logger.js";
import { exitOnStartFailure, resolveDeploymentChains, stopOnSignals } from "../lib/process.js";
import { loadValidatorEnv } from "./config.js";
import { startValidator } from "./service.js";

try {
  const env = loadValidatorEnv();
  setLogLevel(env.LOG_LEVEL);
  const log = logger.child({ service: "validator" });
  const deployment = readDeployment(resolve(env.DEPLOYMENT_FILE));
  const chains = resolveDeploymentChains(deployment).map(({ chainId, rpcUrl, network }) => ({
    chainId,
    rpcUrl,
    finality: network.finality,
    pollMs: env.VALIDATOR_POLL_MS ?? Math.max(250, (network.blockTimeSeconds * 1000) / 2),
  }));

  const validator = await startValidator({
    privateKey: env.VALIDATOR_PRIVATE_KEY,
    host: env.VALIDATOR_HOST,
    port: env.VALIDATOR_PORT,
    deployment,
    chains,
    dataDir: resolve(env.VALIDATOR_DATA_DIR),
    rotationToken: env.VALIDATOR_ROTATION_TOKEN,
    logger,
  });
  stopOnSignals(log, () => validator.stop());
} catch (error) {
  exitOnStartFailure(logger.child({ service: "validator" }), error);
}
