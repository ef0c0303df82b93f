import pino, { type Logger } from "pino";

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const isLogLevel = (value: string | undefined): value is LogLevel =>
  (LOG_LEVELS as readonly (string | undefined)[]).includes(value);

/**
 * The root structured logger. Every process makes a child per service (`logger.child({ service })`)
 * so lines can be filtered by who wrote them. It starts at LOG_LEVEL only when that is a level name,
 * else at "info": a wrong value must not crash at import, before the environment is validated
 * (lib/env.ts `logLevel` lists it with the other problems). Services apply the validated level with
 * `setLogLevel`.
 */
export const logger: Logger = pino({
  level: isLogLevel(process.env.LOG_LEVEL) ? process.env.LOG_LEVEL : "info",
  base: undefined,
  timestamp: pino.stdTimeFunctions.isoTime,
});

/**
 * Applies a validated level to the root logger. Children copy their parent's level when created, so
 * call it before making them (first thing after parsing the environment).
 *
 * @example
 * const env = parseEnv(schema);
 * setLogLevel(env.LOG_LEVEL);
 * const log = logger.child({ service: "relayer" });
 */
export function setLogLevel(level: LogLevel): void {
  logger.level = level;
}

export type { Logger };
