import pino, { type Logger } from "pino";

/**
 * The root structured logger. Every process makes a child per service (`logger.child({ service })`)
 * so lines can be filtered by who wrote them. LOG_LEVEL picks the level (default "info").
 */
export const logger: Logger = pino({
  level: process.env.LOG_LEVEL ?? "info",
  base: undefined,
  timestamp: pino.stdTimeFunctions.isoTime,
});

export type { Logger };
