import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { DATABASE_URL, uniqueName } from "../../harness/bridgeServices.js";
import { withDefaultUser } from "../../lib/postgres.js";
import { openRelayerStore } from "../../relayer/db.js";

/** The relayer's tables as release 0.1 created them (raw statements at start, no migrations record). */
const release01 = (schema: string) => [
  `CREATE SCHEMA IF NOT EXISTS "${schema}"`,
  `CREATE TABLE IF NOT EXISTS "${schema}".messages (
    id text PRIMARY KEY, origin_chain_id integer NOT NULL, destination_chain_id integer NOT NULL,
    nonce text NOT NULL, message jsonb NOT NULL, status text NOT NULL, stuck_reason text,
    signatures integer NOT NULL DEFAULT 0, threshold integer, source_tx_hash text NOT NULL,
    source_block bigint NOT NULL, destination_tx_hash text, destination_block bigint, delivered_by text,
    discovered_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now(),
    delivered_at timestamptz)`,
  `CREATE INDEX IF NOT EXISTS messages_status ON "${schema}".messages (status)`,
  `CREATE TABLE IF NOT EXISTS "${schema}".status_history (
    id serial PRIMARY KEY, message_id text NOT NULL, status text NOT NULL, reason text,
    at timestamptz NOT NULL DEFAULT now())`,
  `CREATE INDEX IF NOT EXISTS status_history_message ON "${schema}".status_history (message_id)`,
  `CREATE TABLE IF NOT EXISTS "${schema}".attempts (
    id serial PRIMARY KEY, message_id text NOT NULL, relayer text NOT NULL, tx_hash text NOT NULL,
    nonce integer NOT NULL, max_fee_per_gas text NOT NULL, max_priority_fee_per_gas text NOT NULL,
    outcome text NOT NULL, error text, at timestamptz NOT NULL DEFAULT now())`,
  `CREATE INDEX IF NOT EXISTS attempts_message ON "${schema}".attempts (message_id)`,
  `CREATE TABLE IF NOT EXISTS "${schema}".cursors (chain_id integer PRIMARY KEY, block bigint NOT NULL)`,
];

const ID = `0x${"ab".repeat(32)}`;
/** Rows a 0.1 relayer wrote: a delivered message with its history, one attempt and a cursor. */
const release01Rows = (schema: string) => [
  `INSERT INTO "${schema}".messages (id, origin_chain_id, destination_chain_id, nonce, message, status,
     signatures, threshold, source_tx_hash, source_block, destination_tx_hash, destination_block, delivered_by)
   VALUES ('${ID}', 31337, 31338, '7', '{"nonce":"7"}', 'delivered', 4, 4, '0x01', 120, '0x02', 130, 'self')`,
  `INSERT INTO "${schema}".status_history (message_id, status) VALUES ('${ID}', 'discovered'), ('${ID}', 'delivered')`,
  `INSERT INTO "${schema}".attempts (message_id, relayer, tx_hash, nonce, max_fee_per_gas, max_priority_fee_per_gas, outcome)
   VALUES ('${ID}', '0xrelayer', '0x02', 41, '100', '1', 'mined')`,
  `INSERT INTO "${schema}".cursors (chain_id, block) VALUES (31337, 140)`,
];

/** Tables, columns with their types and defaults, and indexes: the shape a migration must produce. */
const shapeQuery = (schema: string) => `
  SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' ||
         coalesce(regexp_replace(column_default, '"?${schema}"?\\.', ''), '') AS line
  FROM information_schema.columns WHERE table_schema = '${schema}'
  UNION ALL
  SELECT 'index ' || indexname || ' ' || regexp_replace(indexdef, '"?${schema}"?\\.', '') FROM pg_indexes
  WHERE schemaname = '${schema}'
  ORDER BY 1`;

type Sql = { query(text: string): Promise<{ rows: Record<string, unknown>[] }>; close(): Promise<void> };

const backends: [
  string,
  () => Promise<{ sql: Sql; open: (schema: string) => ReturnType<typeof openRelayerStore> }>,
][] = [
  [
    "PostgreSQL",
    async () => {
      let client: pg.Client | undefined;
      const handle = async () => {
        if (!client) {
          client = new pg.Client({ connectionString: withDefaultUser(DATABASE_URL) });
          await client.connect();
        }
        return client;
      };
      return {
        sql: {
          query: async (text) => (await handle()).query(text),
          close: async () => {
            await client?.end();
            client = undefined;
          },
        },
        open: (schema) => openRelayerStore({ databaseUrl: DATABASE_URL, dataDir: "unused", schema }),
      };
    },
  ],
  [
    "PGlite",
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "relayer-pglite-"));
      tempDirs.push(dir);
      let client: PGlite | undefined;
      // PGlite belongs to one process and one handle: the relayer's store opens it after we close ours.
      const handle = async () => {
        client ??= new PGlite(dir);
        return client;
      };
      return {
        sql: {
          query: async (text) => (await handle()).query(text) as Promise<{ rows: Record<string, unknown>[] }>,
          close: async () => {
            await client?.close();
            client = undefined;
          },
        },
        open: async (schema) => {
          await client?.close();
          client = undefined;
          return openRelayerStore({ dataDir: dir, schema });
        },
      };
    },
  ],
];

const tempDirs: string[] = [];
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

describe.each(backends)("relayer database on %s", (_name, connect) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  });

  it("migrates a database created by release 0.1 without losing rows, to the shape a fresh one gets", async () => {
    const { sql, open } = await connect();
    const [old, fresh] = [uniqueName("rel01"), uniqueName("fresh")];
    for (const statement of [...release01(old), ...release01Rows(old)]) await sql.query(statement);
    await sql.close();

    const store = await open(old);
    const { db, tables } = store;
    const messages = await db.select().from(tables.messages);
    expect(messages).toHaveLength(1);
    // Migration 0002 added delivered_root: rows delivered before roots existed have none.
    expect(messages[0]).toMatchObject({
      id: ID,
      status: "delivered",
      sourceBlock: 120,
      deliveredBy: "self",
      deliveredRoot: null,
    });
    expect(await db.select().from(tables.statusHistory)).toHaveLength(2);
    expect(await db.select().from(tables.cursors)).toEqual([{ chainId: 31337, block: 140 }]);
    const [attempt] = await db.select().from(tables.attempts);
    expect(attempt).toMatchObject({ messageId: ID, nonce: 41, outcome: "mined" });
    // Migration 0001 widened attempts.nonce to 64 bits.
    await db.insert(tables.attempts).values({
      messageId: ID,
      relayer: "0xrelayer",
      txHash: "0x03",
      nonce: 2 ** 40,
      maxFeePerGas: "1",
      maxPriorityFeePerGas: "1",
      outcome: "sent",
    });
    // Serial ids continue after the old rows.
    expect((await db.select().from(tables.attempts)).map((a) => a.id)).toEqual([1, 2]);
    await store.close();

    // Opening again applies nothing twice; a fresh schema gets the same tables, columns and indexes.
    await (await open(old)).close();
    await (await open(fresh)).close();
    cleanups.push(() => sql.close());
    const shape = async (schema: string) =>
      (await sql.query(shapeQuery(schema))).rows.map((r) => String(r.line ?? Object.values(r)[0]));
    const migrated = await shape(old);
    expect(migrated).toContain("attempts.nonce bigint NO ");
    expect(migrated).toContain("messages.delivered_root text YES ");
    expect(migrated).toEqual(await shape(fresh));
    const applied = await sql.query(`SELECT hash FROM "${old}".__drizzle_migrations`);
    expect(applied.rows).toHaveLength(3);
  });
});
