import { readFileSync } from "node:fs";
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
  options: ParseEnvOptions = {},
): z.infer<T> {
  const secrets = readFileSecrets(env, options.fileSecrets ?? []);
  env = secrets.env;
  const result = schema.safeParse(env);
  if (result.success && secrets.problems.length === 0) return result.data;
  const issues = result.success ? [] : result.error.issues;
  throw new ConfigError([
    ...secrets.problems,
    ...issues.map((issue) => {
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
  ]);
}

export type ParseEnvOptions = {
  /** Variables that may instead be given as a file: `NAME_FILE` (see {@link readFileSecrets}). */
  fileSecrets?: readonly string[];
};

/**
 * Secrets given as files (compose or swarm secrets under /run/secrets, Kubernetes secret volumes): for
 * each `NAME`, `NAME_FILE` may name a file holding the value, so a key never sits in the environment,
 * where `docker inspect`, `/proc/<pid>/environ` and crash reports show it. Returns the environment with
 * `NAME` filled from the file (surrounding whitespace trimmed) and every problem found; the input is
 * not modified.
 *
 * @example
 * readFileSecrets({ RELAYER_PRIVATE_KEY_FILE: "/run/secrets/relayer_key" }, ["RELAYER_PRIVATE_KEY"]);
 */
export function readFileSecrets(
  env: NodeJS.ProcessEnv,
  names: readonly string[],
): { env: NodeJS.ProcessEnv; problems: string[] } {
  const out = { ...env };
  const problems: string[] = [];
  for (const name of names) {
    const file = env[`${name}_FILE`];
    if (file === undefined) continue;
    if (env[name] !== undefined) {
      problems.push(`${name} and ${name}_FILE: set only one of them`);
      continue;
    }
    try {
      out[name] = readFileSync(file, "utf8").trim();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      problems.push(`${name}_FILE (${JSON.stringify(file)}): cannot be read (${code})`);
    }
  }
  return { env: out, problems };
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
