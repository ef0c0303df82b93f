import type { Address, Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { BridgeMessage } from "../lib/bridge/message.js";
import type { Deployment } from "../lib/deployments.js";
import { errorSummary } from "../lib/errors.js";
import type { Logger } from "../lib/logger.js";
import type { FinalityRule } from "../lib/networks.js";
import { serve } from "../lib/service/http.js";
import { createScheduler } from "../lib/service/scheduler.js";
import { validatorChains } from "./chains.js";
import { validatorApp } from "./http.js";
import { createValidatorMetrics } from "./metrics.js";
import { RootStore } from "./rootStore.js";
import { type ChainHealth, scanOnce } from "./scan.js";
import { signOnce } from "./signing.js";
import { type SignedAttestation, ValidatorStore } from "./store.js";
import { NotCanonicalError } from "./verifyLog.js";

export type ValidatorChainConfig = {
  chainId: number;
  rpcUrl: string;
  finality: FinalityRule;
  /** Milliseconds between scans of this chain. */
  pollMs: number;
};

export type ValidatorConfig = {
  privateKey: Hex;
  /** 0 picks a free port (tests). */
  port: number;
  host?: string;
  deployment: Deployment;
  chains: ValidatorChainConfig[];
  dataDir: string;
  rotationToken?: string;
  logger: Logger;
  /** Blocks per getLogs request while catching up. */
  maxBlockRange?: number;
};

export type RunningValidator = {
  address: Address;
  url: string;
  store: ValidatorStore;
  /** The root attestations this validator signed (roots.jsonl beside signatures.jsonl). */
  roots: RootStore;
  /**
   * Signs `message` under `epoch` unless this validator already signed a different message for the
   * same (source chain, nonce); then it throws ConflictingMessageError. The scanning loop uses it
   * for verified logs only; it is exported so the refusal can be tested directly.
   */
  signOnce(message: BridgeMessage, epoch: bigint): Promise<SignedAttestation>;
  stop(): Promise<void>;
};

export { RotationRefusedError } from "./rotation.js";

/**
 * Starts one validator: a scanning loop per chain that signs finalized, verified Locked/Burned logs,
 * and an HTTP server for attestations, health, metrics and rotation requests.
 *
 * @example
 * const validator = await startValidator({ privateKey, port: 0, deployment, chains, dataDir, logger });
 * await fetch(`${validator.url}/v1/attestations/${id}`);
 * await validator.stop();
 */
export async function startValidator(config: ValidatorConfig): Promise<RunningValidator> {
  const account = privateKeyToAccount(config.privateKey);
  const log = config.logger.child({ service: "validator", validator: account.address });
  const store = new ValidatorStore(config.dataDir);
  const roots = new RootStore(config.dataDir);
  const metrics = createValidatorMetrics();
  const chains = validatorChains(config.deployment, config.chains);
  const health = new Map<number, ChainHealth>();
  const context = {
    deployment: config.deployment,
    chains,
    store,
    roots,
    metrics,
    log,
    account,
    health,
    maxRange: BigInt(config.maxBlockRange ?? 2_000),
  };

  const scheduler = createScheduler();
  for (const chain of config.chains) {
    scheduler.every(
      {
        name: `scan-${chain.chainId}`,
        intervalMs: chain.pollMs,
        onError: (error) => {
          metrics.scanErrors.inc({ chain: String(chain.chainId) });
          const current = health.get(chain.chainId);
          if (current) current.error = errorSummary(error);
          const level = error instanceof NotCanonicalError ? "warn" : "error";
          log[level]({ chain: chain.chainId, err: error }, "scan failed; retrying the same range");
        },
      },
      () => scanOnce(context, chain),
    );
  }

  const app = validatorApp({ ...context, config });
  const server = await serve({ app, host: config.host ?? "127.0.0.1", port: config.port });
  const url = server.url;
  log.info({ url, chains: config.chains.map((c) => c.chainId) }, "validator started");

  return {
    address: account.address,
    url,
    store,
    roots,
    signOnce: (message, epoch) => signOnce(store, account, message, epoch),
    async stop() {
      const loopsStopped = scheduler.stop();
      await server.close();
      await loopsStopped;
      store.close();
      roots.close();
      log.info("validator stopped");
    },
  };
}
