import { z } from "zod";
import { host, logLevel, port, urlWith } from "../lib/env.js";

const schemaName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be a plain SQL identifier (letters, digits, underscore)");

/** Environment of the standalone risk API process (risk/main.ts). */
export const riskEnvSchema = z
  .object({
    DATABASE_URL: urlWith(["postgres:", "postgresql:"]),
    /** Ponder's --views-schema; preferred, since it survives redeployments of the indexer. */
    PONDER_VIEWS_SCHEMA: schemaName.optional(),
    /** Ponder's --schema, when no views schema is published. */
    DATABASE_SCHEMA: schemaName.optional(),
    DEPLOYMENT_FILE: z.string().min(1).optional(),
    /** 127.0.0.1 (default, this machine only) or 0.0.0.0 (every interface: containers). */
    RISK_HOST: host,
    RISK_PORT: port.default(4100),
    LOG_LEVEL: logLevel,
  })
  .refine((env) => env.PONDER_VIEWS_SCHEMA ?? env.DATABASE_SCHEMA, {
    message: "set PONDER_VIEWS_SCHEMA (Ponder's --views-schema) or DATABASE_SCHEMA (its --schema)",
    path: ["PONDER_VIEWS_SCHEMA"],
  });
