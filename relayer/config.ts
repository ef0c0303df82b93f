import { z } from "zod";
import { databaseUrl, host, logLevel, parseEnv, port, privateKey, redisUrl, urlWith } from "../lib/env.js";
import { DEFAULT_LOCK_DURATION_MS } from "./workerLocks.js";

const validatorUrls = z
  .string({ required_error: "required: comma-separated validator base URLs" })
  .transform((value) =>
    value
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s.length > 0),
  )
  .pipe(z.array(urlWith(["http:", "https:"])).min(1, "give at least one validator URL"));

/** Environment of a relayer process. It holds a gas-paying key only, never a validator key. */
export const relayerEnvSchema = z.object({
  RELAYER_PRIVATE_KEY: privateKey,
  REDIS_URL: redisUrl,
  DATABASE_URL: databaseUrl,
  /** Where PGlite keeps its files when DATABASE_URL is unset. */
  RELAYER_DATA_DIR: z.string().min(1).default(".data/relayer"),
  /** Schema for the relayer's tables (PostgreSQL or PGlite). */
  RELAYER_DB_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/, "lower-case letters, digits and _")
    .default("relayer"),
  VALIDATOR_URLS: validatorUrls,
  DEPLOYMENT_FILE: z.string().min(1).default("deployments/devnet.json"),
  /** 127.0.0.1 (default, this machine only) or 0.0.0.0 (every interface: containers). */
  RELAYER_HOST: host,
  RELAYER_PORT: port.default(7200),
  RELAYER_QUEUE_PREFIX: z.string().min(1).default("bridge"),
  RELAYER_CONCURRENCY: z.coerce.number().int().positive().default(32),
  /**
   * BullMQ job lock; a killed relayer's jobs are back in the queue at most this plus the stalled check
   * (2 s) after the kill. The default and its trade-off: relayer/workerLocks.ts.
   */
  RELAYER_LOCK_DURATION_MS: z.coerce.number().int().min(1_000).default(DEFAULT_LOCK_DURATION_MS),
  /**
   * Gas one batch delivery may use; the relayer fills batches up to it. Default 30M: a whole block of
   * an Ethereum-sized chain (and of anvil's default). Lower it on chains with smaller blocks.
   */
  RELAYER_BATCH_GAS_CAP: z.coerce
    .bigint()
    .min(100_000n, "must be at least 100000 (one proof delivery)")
    .default(30_000_000n),
  /** Messages one batch transaction may carry; a root with more goes out in several, same block. */
  RELAYER_BATCH_MAX_MESSAGES: z.coerce.number().int().positive().max(10_000).default(1_000),
  LOG_LEVEL: logLevel,
});

export type RelayerEnv = z.infer<typeof relayerEnvSchema>;

export function loadRelayerEnv(env: NodeJS.ProcessEnv = process.env): RelayerEnv {
  // Keys may come from files (compose secrets), never printed: see lib/env.ts readFileSecrets.
  return parseEnv(relayerEnvSchema, env, { fileSecrets: ["RELAYER_PRIVATE_KEY"] });
}
