import type { Deployment } from "./deployments.js";
import { ConfigError } from "./env.js";
import { BridgeError, errorSummary } from "./errors.js";
import type { Logger } from "./logger.js";
import { getNetwork, type NetworkDefinition, resolveRpcUrl } from "./networks.js";

export type ResolvedChain = { chainId: number; rpcUrl: string; network: NetworkDefinition };

/**
 * The network definition and RPC URL of every chain in a deployment. Throws one ConfigError listing
 * every chain whose network is unknown or has no RPC URL, so an operator fixes them all at once.
 */
export function resolveDeploymentChains(
  deployment: Deployment,
  env: NodeJS.ProcessEnv = process.env,
): ResolvedChain[] {
  const problems: string[] = [];
  const chains = deployment.chains.flatMap((chain) => {
    try {
      const network = getNetwork(chain.network);
      return [{ chainId: chain.chainId, rpcUrl: resolveRpcUrl(network, env), network }];
    } catch (error) {
      // One line per problem, with the details that say how to fix it (the known names, an example URL).
      problems.push(
        error instanceof BridgeError && error.details
          ? `${error.shortMessage} ${error.details}`
          : errorSummary(error),
      );
      return [];
    }
  });
  if (problems.length > 0) throw new ConfigError(problems);
  return chains;
}

/**
 * Runs `stop` once on SIGINT or SIGTERM (a repeated signal is ignored while stopping), then exits 0.
 * Each service's `stop` closes what takes work first (HTTP, workers) and its stores last.
 */
export function stopOnSignals(log: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const handler = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "stopping");
    await stop();
    process.exit(0);
  };
  process.on("SIGINT", (signal) => void handler(signal));
  process.on("SIGTERM", (signal) => void handler(signal));
}

/**
 * Ends a process whose start failed: a ConfigError prints its list of problems to stderr and exits 2
 * (the environment is wrong: fix it), anything else is logged as fatal and exits 1.
 *
 * @example
 * main().catch((error) => exitOnStartFailure(log, error));
 */
export function exitOnStartFailure(log: Logger, error: unknown): never {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  log.fatal({ err: error }, errorSummary(error));
  process.exit(1);
}
