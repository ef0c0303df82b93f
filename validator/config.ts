import { z } from "zod";
import { host, logLevel, parseEnv, port, privateKey } from "../lib/env.js";

/** Environment of one validator process (one key each). Per-chain RPC URLs come from lib/networks.ts. */
export const validatorEnvSchema = z.object({
  VALIDATOR_PRIVATE_KEY: privateKey,
  /** 127.0.0.1 (default, this machine only) or 0.0.0.0 (every interface: containers). */
  VALIDATOR_HOST: host,
  VALIDATOR_PORT: port.default(7100),
  DEPLOYMENT_FILE: z.string().min(1).default("deployments/devnet.json"),
  VALIDATOR_DATA_DIR: z.string().min(1, "required: the directory of this validator's own store"),
  /** Seconds between scans of each chain; defaults to half the chain's block time. */
  VALIDATOR_POLL_MS: z.coerce.number().int().positive().optional(),
  /** When set, POST /v1/rotations signs set rotations for callers presenting this bearer token. */
  VALIDATOR_ROTATION_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  LOG_LEVEL: logLevel,
});

export type ValidatorEnv = z.infer<typeof validatorEnvSchema>;

export function loadValidatorEnv(env: NodeJS.ProcessEnv = process.env): ValidatorEnv {
  // Keys may come from files (compose secrets), never printed: see lib/env.ts readFileSecrets.
  return parseEnv(validatorEnvSchema, env, {
    fileSecrets: ["VALIDATOR_PRIVATE_KEY", "VALIDATOR_ROTATION_TOKEN"],
  });
}
