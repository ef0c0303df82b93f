import { sql } from "drizzle-orm";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { DATABASE_URL, uniqueName } from "../../harness/bridgeServices.js";
import { withDefaultUser } from "../../lib/postgres.js";
import { openRelayerStore, type RelayerStore } from "../../relayer/db.js";

/**
 * A PostgreSQL restart ends every connection with 57P01 (admin shutdown). The chaos soak saw both
 * relayers exit on it: the pool reported the error on an idle client with no listener, which Node
 * treats as unhandled. Here the same termination is done to this test's own connections only (by
 * application name), so other suites on the shared server are untouched.
 */
describe("relayer store on PostgreSQL", () => {
  const application = uniqueName("relayer_reconnect");
  const admin = new pg.Client({ connectionString: withDefaultUser(DATABASE_URL) });
  let store: RelayerStore | undefined;

  afterAll(async () => {
    await store?.close();
    await admin.end().catch(() => undefined);
  });

  it("survives its connections being terminated, and the next query reconnects", async () => {
    const url = new URL(DATABASE_URL);
    url.searchParams.set("application_name", application);
    const schema = uniqueName("relayer_reconnect");
    store = await openRelayerStore({ databaseUrl: url.toString(), dataDir: "unused", schema });
    // Leave idle clients in the pool, as between deliveries.
    await Promise.all([1, 2, 3].map(() => store!.db.execute(sql`SELECT 1`)));
    await admin.connect();
    const terminated = await admin.query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
      [application],
    );
    expect(terminated.rowCount).toBeGreaterThan(0);
    // Give the pool time to see the idle clients die (the unhandled 'error' used to end the process here).
    await new Promise((resolve) => setTimeout(resolve, 500));
    const answer = await store.db.execute(sql`SELECT 42 AS answer`);
    expect((answer as unknown as { rows: { answer: number }[] }).rows[0]?.answer).toBe(42);
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  });
});
