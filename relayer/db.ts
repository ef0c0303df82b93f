import { PGlite } from "@electric-sql/pglite";
import { desc, eq, sql } from "drizzle-orm";
import { drizzle as drizzleNodePg } from "drizzle-orm/node-postgres";
import {
  bigint,
  integer,
  jsonb,
  type PgDatabase,
  type PgQueryResultHKT,
  pgSchema,
  serial,
  text,
  timestamp,
} from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import pg from "pg";
import type { SerializedMessage } from "../lib/attestationApi.js";
import { BridgeError } from "../lib/errors.js";
import { withDefaultUser } from "../lib/postgres.js";

/** Where a message is in its life. `stuck` and `failed` always come with a reason in words. */
export const messageStatuses = [
  "discovered",
  "awaiting_signatures",
  "submitting",
  "delivered",
  "stuck",
  "failed",
] as const;
export type MessageStatus = (typeof messageStatuses)[number];

/**
 * The relayer's tables, in a schema of their own (one per deployment, or per test), so several
 * relayers and the indexer can share one PostgreSQL database.
 */
export function relayerTables(schemaName: string) {
  const schema = pgSchema(schemaName);
  const messages = schema.table("messages", {
    id: text("id").primaryKey(),
    originChainId: integer("origin_chain_id").notNull(),
    destinationChainId: integer("destination_chain_id").notNull(),
    nonce: text("nonce").notNull(),
    message: jsonb("message").$type<SerializedMessage>().notNull(),
    status: text("status").$type<MessageStatus>().notNull(),
    stuckReason: text("stuck_reason"),
    signatures: integer("signatures").notNull().default(0),
    threshold: integer("threshold"),
    sourceTxHash: text("source_tx_hash").notNull(),
    sourceBlock: bigint("source_block", { mode: "number" }).notNull(),
    destinationTxHash: text("destination_tx_hash"),
    destinationBlock: bigint("destination_block", { mode: "number" }),
    /** "self" when our transaction delivered it, "other" when someone else (another relayer, a user) did. */
    deliveredBy: text("delivered_by"),
    discoveredAt: timestamp("discovered_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    deliveredAt: timestamp("delivered_at", { withTimezone: true }),
  });
  const statusHistory = schema.table("status_history", {
    id: serial("id").primaryKey(),
    messageId: text("message_id").notNull(),
    status: text("status").$type<MessageStatus>().notNull(),
    reason: text("reason"),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
  });
  const attempts = schema.table("attempts", {
    id: serial("id").primaryKey(),
    messageId: text("message_id").notNull(),
    relayer: text("relayer").notNull(),
    txHash: text("tx_hash").notNull(),
    nonce: integer("nonce").notNull(),
    maxFeePerGas: text("max_fee_per_gas").notNull(),
    maxPriorityFeePerGas: text("max_priority_fee_per_gas").notNull(),
    /** sent, mined, reverted, replaced. */
    outcome: text("outcome").notNull(),
    error: text("error"),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
  });
  const cursors = schema.table("cursors", {
    chainId: integer("chain_id").primaryKey(),
    block: bigint("block", { mode: "number" }).notNull(),
  });
  return { schemaName, messages, statusHistory, attempts, cursors };
}

export type RelayerTables = ReturnType<typeof relayerTables>;
// Both drivers share drizzle's PgDatabase surface; the query-result type is the only difference.
export type RelayerDatabase = PgDatabase<PgQueryResultHKT>;

export type RelayerStore = {
  db: RelayerDatabase;
  tables: RelayerTables;
  close(): Promise<void>;
};

export class DatabaseError extends BridgeError {}

/**
 * Opens the relayer's database: PostgreSQL when `databaseUrl` is given, otherwise an embedded PGlite
 * in `dataDir` (single process only). Creates the schema and tables if they are missing.
 */
export async function openRelayerStore(parameters: {
  databaseUrl?: string;
  dataDir: string;
  schema: string;
}): Promise<RelayerStore> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(parameters.schema)) {
    throw new DatabaseError(`Schema name "${parameters.schema}" must be lower-case letters, digits and _.`);
  }
  let db: RelayerDatabase;
  let close: () => Promise<void>;
  if (parameters.databaseUrl) {
    const pool = new pg.Pool({ connectionString: withDefaultUser(parameters.databaseUrl), max: 5 });
    db = drizzleNodePg(pool) as unknown as RelayerDatabase;
    close = () => pool.end();
  } else {
    const client = new PGlite(parameters.dataDir);
    db = drizzlePglite(client) as unknown as RelayerDatabase;
    close = () => client.close();
  }
  const s = `"${parameters.schema}"`;
  for (const statement of [
    `CREATE SCHEMA IF NOT EXISTS ${s}`,
    `CREATE TABLE IF NOT EXISTS ${s}.messages (
      id text PRIMARY KEY, origin_chain_id integer NOT NULL, destination_chain_id integer NOT NULL,
      nonce text NOT NULL, message jsonb NOT NULL, status text NOT NULL, stuck_reason text,
      signatures integer NOT NULL DEFAULT 0, threshold integer, source_tx_hash text NOT NULL,
      source_block bigint NOT NULL, destination_tx_hash text, destination_block bigint, delivered_by text,
      discovered_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now(),
      delivered_at timestamptz)`,
    `CREATE INDEX IF NOT EXISTS messages_status ON ${s}.messages (status)`,
    `CREATE TABLE IF NOT EXISTS ${s}.status_history (
      id serial PRIMARY KEY, message_id text NOT NULL, status text NOT NULL, reason text,
      at timestamptz NOT NULL DEFAULT now())`,
    `CREATE INDEX IF NOT EXISTS status_history_message ON ${s}.status_history (message_id)`,
    `CREATE TABLE IF NOT EXISTS ${s}.attempts (
      id serial PRIMARY KEY, message_id text NOT NULL, relayer text NOT NULL, tx_hash text NOT NULL,
      nonce integer NOT NULL, max_fee_per_gas text NOT NULL, max_priority_fee_per_gas text NOT NULL,
      outcome text NOT NULL, error text, at timestamptz NOT NULL DEFAULT now())`,
    `CREATE INDEX IF NOT EXISTS attempts_message ON ${s}.attempts (message_id)`,
    `CREATE TABLE IF NOT EXISTS ${s}.cursors (chain_id integer PRIMARY KEY, block bigint NOT NULL)`,
  ]) {
    await db.execute(sql.raw(statement));
  }
  return { db, tables: relayerTables(parameters.schema), close };
}

/** Records a status change (and its reason) once: repeated identical updates do not grow the history. */
export async function setStatus(
  store: RelayerStore,
  id: string,
  status: MessageStatus,
  fields: { reason?: string | null; signatures?: number; threshold?: number } = {},
): Promise<void> {
  const { db, tables } = store;
  const [current] = await db
    .select({ status: tables.messages.status, reason: tables.messages.stuckReason })
    .from(tables.messages)
    .where(eq(tables.messages.id, id));
  if (current?.status === "delivered") return;
  const reason = fields.reason ?? null;
  await db
    .update(tables.messages)
    .set({
      status,
      stuckReason: reason,
      updatedAt: new Date(),
      ...(fields.signatures !== undefined ? { signatures: fields.signatures } : {}),
      ...(fields.threshold !== undefined ? { threshold: fields.threshold } : {}),
    })
    .where(eq(tables.messages.id, id));
  if (current?.status !== status || current?.reason !== reason) {
    await db.insert(tables.statusHistory).values({ messageId: id, status, reason });
  }
}

/** A message with its status history and submission attempts, newest attempt first. */
export async function messageRecord(store: RelayerStore, id: string) {
  const { db, tables } = store;
  const [message] = await db.select().from(tables.messages).where(eq(tables.messages.id, id));
  if (!message) return undefined;
  const history = await db
    .select()
    .from(tables.statusHistory)
    .where(eq(tables.statusHistory.messageId, id))
    .orderBy(tables.statusHistory.id);
  const attempts = await db
    .select()
    .from(tables.attempts)
    .where(eq(tables.attempts.messageId, id))
    .orderBy(desc(tables.attempts.id));
  return { message, history, attempts };
}
