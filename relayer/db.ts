import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { desc, eq, sql } from "drizzle-orm";
import { readMigrationFiles } from "drizzle-orm/migrator";
import { drizzle as drizzleNodePg } from "drizzle-orm/node-postgres";
import { migrate as migrateNodePg } from "drizzle-orm/node-postgres/migrator";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import pg from "pg";
import { BridgeError } from "../lib/errors.js";
import { logger } from "../lib/logger.js";
import { withDefaultUser } from "../lib/postgres.js";
import type { MessageStatus } from "./schema.js";
import * as tables from "./schema.js";

export { type MessageStatus, messageStatuses } from "./schema.js";

export type RelayerTables = typeof tables;
// Both drivers share drizzle's PgDatabase surface; the query-result type is the only difference.
export type RelayerDatabase = PgDatabase<PgQueryResultHKT>;

export type RelayerStore = {
  db: RelayerDatabase;
  tables: RelayerTables;
  close(): Promise<void>;
};

export class DatabaseError extends BridgeError {}

/** The checked-in migrations drizzle-kit generated from relayer/schema.ts. */
export const MIGRATIONS_FOLDER = fileURLToPath(new URL("./migrations", import.meta.url));
/** drizzle's record of applied migrations, kept beside the tables in the relayer's schema. */
const MIGRATIONS_TABLE = "__drizzle_migrations";

/**
 * Opens the relayer's database: PostgreSQL when `databaseUrl` is given, otherwise an embedded PGlite
 * in `dataDir` (single process only). The tables live in `schema` (selected through search_path),
 * brought up to date by the migrations in relayer/migrations before anything else reads them.
 *
 * @example
 * const store = await openRelayerStore({ databaseUrl: process.env.DATABASE_URL, dataDir: ".data/relayer", schema: "relayer" });
 */
export async function openRelayerStore(parameters: {
  databaseUrl?: string;
  dataDir: string;
  schema: string;
}): Promise<RelayerStore> {
  const schema = parameters.schema;
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new DatabaseError(`Schema name "${schema}" must be lower-case letters, digits and _.`);
  }
  const migrationConfig = {
    migrationsFolder: MIGRATIONS_FOLDER,
    migrationsSchema: schema,
    migrationsTable: MIGRATIONS_TABLE,
  };
  if (parameters.databaseUrl) {
    const connection = {
      connectionString: withDefaultUser(parameters.databaseUrl),
      options: `-c search_path="${schema}"`,
    };
    // One client for the migration, holding a lock so relayers starting together migrate once.
    const client = new pg.Client(connection);
    await client.connect();
    try {
      await client.query("SELECT pg_advisory_lock(hashtext($1))", [`relayer-migrations:${schema}`]);
      const db = drizzleNodePg(client) as unknown as RelayerDatabase;
      await prepareSchema(db, schema);
      await migrateNodePg(drizzleNodePg(client), migrationConfig);
    } finally {
      await client.end();
    }
    const pool = new pg.Pool({ ...connection, max: 5 });
    // An idle client whose server goes away (a PostgreSQL restart: 57P01) is reported on the pool; with no
    // listener Node treats it as unhandled and the relayer exits. The pool drops that client and the next
    // query connects again; queries in flight fail and their jobs retry. Only the message is logged: the
    // error object carries the client's connection settings.
    pool.on("error", (error: Error & { code?: string }) =>
      logger.warn(
        { code: error.code, err: error.message },
        "postgres connection lost; reconnecting on next query",
      ),
    );
    return { db: drizzleNodePg(pool) as unknown as RelayerDatabase, tables, close: () => pool.end() };
  }
  const client = new PGlite(parameters.dataDir);
  await client.exec(`CREATE SCHEMA IF NOT EXISTS "${schema}"; SET search_path TO "${schema}"`);
  const db = drizzlePglite(client);
  await prepareSchema(db as unknown as RelayerDatabase, schema);
  await migratePglite(db, migrationConfig);
  return { db: db as unknown as RelayerDatabase, tables, close: () => client.close() };
}

/**
 * Creates the schema, and adopts a database made by release 0.1, which created its tables with raw
 * CREATE TABLE statements and kept no record of migrations: its tables are exactly migration 0000, so
 * that one is recorded as applied and the later ones run on the existing rows.
 */
async function prepareSchema(db: RelayerDatabase, schema: string): Promise<void> {
  await db.execute(sql.raw(`CREATE SCHEMA IF NOT EXISTS "${schema}"`));
  const found = await db.execute<{ tables: string[] }>(sql`
    SELECT coalesce(array_agg(table_name::text), '{}') AS tables FROM information_schema.tables
    WHERE table_schema = ${schema} AND table_name IN ('messages', ${MIGRATIONS_TABLE})`);
  const existing = (found as unknown as { rows: { tables: string[] }[] }).rows[0]?.tables ?? [];
  if (!existing.includes("messages") || existing.includes(MIGRATIONS_TABLE)) return;
  const [baseline] = readMigrationFiles({ migrationsFolder: MIGRATIONS_FOLDER });
  if (!baseline) throw new DatabaseError(`No migrations in ${MIGRATIONS_FOLDER}.`);
  const table = sql.raw(`"${schema}"."${MIGRATIONS_TABLE}"`);
  await db.execute(sql`CREATE TABLE ${table} (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint)`);
  await db.execute(
    sql`INSERT INTO ${table} (hash, created_at) VALUES (${baseline.hash}, ${baseline.folderMillis})`,
  );
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
