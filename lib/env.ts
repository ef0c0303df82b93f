import { isIP } from "node:net";
import { isHex } from "viem";
import { z } from "zod";
import { BridgeError } from "./errors.js";
import { LOG_LEVELS } from "./logger.js";

/** Raised at start-up when the environment is invalid; the message lists every problem at once. */
export class ConfigError extends BridgeError {
  readonly problems: string[];

  constructor(problems: string[]) {
    super(
      `Invalid configuration (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    );
    this.problems = problems;
  }
}

/**
 * Parses the environment once, at the edge, into a typed config. Unlike a plain `schema.parse`, the
 * error names each variable and what is wrong with it, all problems together, so an operator fixes
 * them in one go.
 *
 * @example
 * const config = parseEnv(z.object({ REDIS_URL: redisUrl }), process.env);
 */
export function parseEnv<T extends z.ZodTypeAny>(
  schema: T,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<T> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => {
      const name = issue.path.join(".") || "(environment)";
      const value = typeof issue.path[0] === "string" ? env[issue.path[0]] : undefined;
      const shown =
        value === undefined
          ? "unset"
          : issue.path[0]?.toString().includes("KEY")
            ? "set"
            : JSON.stringify(value);
      return `${name} (${shown}): ${issue.message}`;
    }),
  );
}

/** A 32-byte hex private key. */
export const privateKey = z
  .string({ required_error: "required" })
  .refine((value) => isHex(value, { strict: true }) && value.length === 66, {
    message: "must be a 0x-prefixed 32-byte hex private key",
  })
  .transform((value) => value as `0x${string}`);

/** A TCP port. */
export const port = z.coerce
  .number({ invalid_type_error: "must be a number" })
  .int("must be an integer")
  .min(1, "must be between 1 and 65535")
  .max(65535, "must be between 1 and 65535");

/** A URL with one of the given protocols. */
export function urlWith(protocols: string[]) {
  return z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a URL starting with ${protocols.map((p) => `${p}//`).join(" or ")}` },
  );
}

export const redisUrl = urlWith(["redis:", "rediss:"]).default("redis://127.0.0.1:6379");
export const databaseUrl = urlWith(["postgres:", "postgresql:"]).optional();
export const logLevel = z.enum(LOG_LEVELS).default("info");

/**
 * The address a service binds (`VALIDATOR_HOST`, `RELAYER_HOST`, `RISK_HOST`): 127.0.0.1, this machine
 * only, for the devnet; 0.0.0.0, every interface, in containers so other services reach it.
 */
export const host = z
  .string()
  .refine(
    (value) =>
      isIP(value) !== 0 ||
      /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/.test(value),
    {
      message:
        "must be an IP address (0.0.0.0 for every interface, 127.0.0.1 for this machine) or a host name",
    },
  )
  .default("127.0.0.1");
