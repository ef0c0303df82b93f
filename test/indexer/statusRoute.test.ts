import { PGlite } from "@electric-sql/pglite";
import { pgTable } from "drizzle-orm/pg-core";
import { drizzle } from "drizzle-orm/pglite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ponderCheckpoint } from "../../lib/risk/api/provider/indexerSnapshot.js";

/**
 * Ponder 0.16.10's GET /status selects every column of its `_ponder_checkpoint` table, declared
 * without explicit column names, through the same drizzle instance (one casing cache, keyed by schema
 * and table name) that serves our API's `db`. The risk snapshot reads the same table; if its
 * declaration entered the cache first with fewer columns, /status asked for column "undefined".
 * This replays that order on PGlite with Ponder's declaration (ponder/src/database/index.ts).
 */
const pondersCheckpointTable = pgTable("_ponder_checkpoint", (t) => ({
  chainName: t.text().primaryKey(),
  chainId: t.bigint({ mode: "number" }).notNull(),
  safeCheckpoint: t.varchar({ length: 75 }).notNull(),
  latestCheckpoint: t.varchar({ length: 75 }).notNull(),
  finalizedCheckpoint: t.varchar({ length: 75 }).notNull(),
}));

describe("GET /status after the risk snapshot read the checkpoints", () => {
  const client = new PGlite();
  const db = drizzle(client, { casing: "snake_case" });
  const checkpoint = `${"1700000000"}${"31337".padStart(16, "0")}${"42".padStart(16, "0")}${"0".repeat(33)}`;

  beforeAll(async () => {
    await client.exec(`CREATE TABLE _ponder_checkpoint (chain_name text primary key, chain_id bigint not null,
      safe_checkpoint varchar(75) not null, latest_checkpoint varchar(75) not null,
      finalized_checkpoint varchar(75) not null);
      INSERT INTO _ponder_checkpoint VALUES ('devnet-a', 31337, '${checkpoint}', '${checkpoint}', '${checkpoint}')`);
  });
  afterAll(() => client.close());

  it("answers every chain's progress whichever declaration drizzle cached first", async () => {
    const risk = await db
      .select({ chainId: ponderCheckpoint.chainId, latestCheckpoint: ponderCheckpoint.latestCheckpoint })
      .from(ponderCheckpoint);
    expect(risk).toEqual([{ chainId: 31337, latestCheckpoint: checkpoint }]);
    const status = await db.select().from(pondersCheckpointTable);
    expect(status).toEqual([
      {
        chainName: "devnet-a",
        chainId: 31337,
        safeCheckpoint: checkpoint,
        latestCheckpoint: checkpoint,
        finalizedCheckpoint: checkpoint,
      },
    ]);
  });
});
