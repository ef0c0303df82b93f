import { userInfo } from "node:os";
import { join } from "node:path";
import pg from "pg";
import type { Address, Hex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aavePoolAbi, aTokenAbi } from "../../contracts/generated/index.js";
import { type PonderProcess, startPonder } from "../../harness/ponderProcess.js";
import { settledBlock } from "../../harness/settledBlock.js";
import { type BridgeMessage, messageId } from "../../lib/bridge/message.js";
import { eventually } from "../helpers/eventually.js";
import { aaveOf } from "../helpers/indexerAave.js";
import { chainTotals } from "../helpers/indexerChainTotals.js";
import { type IndexerNet, startIndexerNet } from "../helpers/indexerFixture.js";
import { big, deliveredCount, indexedTotals, query, type Rows } from "../helpers/indexerQueries.js";
import { seedTraffic, usdc } from "../helpers/indexerTraffic.js";

/**
 * One three-chain system with real traffic, indexed by real `ponder start` processes: PostgreSQL first
 * (most assertions share that run), then PGlite (storage mode, kill -9 and restart). Assertions compare
 * indexed rows with what the contracts themselves report.
 */

const DATABASE_URL = process.env.DATABASE_URL ?? "postgresql://127.0.0.1:5432/test";
// node-postgres takes the role from USER when the URL names none; some CI shells leave USER unset.
const pgUser = process.env.PGUSER || process.env.USER || userInfo().username;
/** The server's URL with a role, pointing at `database` (the configured one by default). */
function databaseUrl(database?: string): string {
  const url = new URL(DATABASE_URL);
  if (!url.username) url.username = pgUser;
  if (database) url.pathname = `/${database}`;
  return url.toString();
}
// Ponder keeps its RPC/block cache in a shared `ponder_sync` schema keyed by chain id; anvil chains
// restart from genesis with the same ids, so each run gets its own database.
const runDatabase = `ixtest_${process.pid}_${Date.now().toString(36)}`;
const RUN_DATABASE_URL = databaseUrl(runDatabase);
const pgClient = (database?: string) => new pg.Client({ connectionString: databaseUrl(database) });
const HOME = 31337;
const B = 31338;
const C = 31339;
const run = `ix${process.pid}${Date.now().toString(36)}`;

let net: IndexerNet;
let ponder: PonderProcess;
const started: PonderProcess[] = [];
async function launch(parameters: Parameters<typeof startPonder>[0]): Promise<PonderProcess> {
  const process = await startPonder(parameters);
  started.push(process);
  try {
    // A guard against a hang, not a speed check: a PGlite start under the suite's load (three files at
    // once, each with its own chains and services) was seen taking over 120 s to backfill this history.
    await process.waitReady(240_000);
  } catch (error) {
    throw new Error(`${(error as Error).message}`);
  }
  return process;
}
let USDC: Address;
let WETH: Address;
let pending: BridgeMessage;

beforeAll(async () => {
  const admin = pgClient();
  await admin.connect();
  await admin.query(`CREATE DATABASE "${runDatabase}"`);
  await admin.end();
  net = await startIndexerNet();
  USDC = net.homeToken("USDC");
  WETH = net.homeToken("WETH");
  pending = await seedTraffic(net, { USDC, WETH, B, C });

  await net.finalize();
  net.tick();
  ponder = await launch({ net, schema: run, databaseUrl: RUN_DATABASE_URL, viewsSchema: `${run}_v` });
  await eventually(
    () => deliveredCount(ponder),
    (n) => n === 5,
    60_000,
  );
}, 300_000);

afterAll(async () => {
  await Promise.all(started.map((p) => p.kill("SIGKILL")));
  await net?.stop();
  const client = pgClient();
  await client.connect();
  await client.query(`DROP DATABASE IF EXISTS "${runDatabase}" WITH (FORCE)`);
  await client.end();
}, 60_000);

describe("indexer on PostgreSQL", () => {
  it("indexed totals equal vault balances and wrapped totalSupply on every chain", async () => {
    const chain = await chainTotals(net, { USDC, WETH, B, C });
    const { data, supplyOf, tokenOf } = await indexedTotals(ponder);
    expect(big(supplyOf(USDC)!.custody)).toBe(chain.custody.USDC);
    expect(big(supplyOf(WETH)!.custody)).toBe(chain.custody.WETH);
    for (const [chainId, asset, symbol] of [
      [B, USDC, "USDC"],
      [C, USDC, "USDC"],
      [B, WETH, "WETH"],
    ] as const) {
      const row = tokenOf(chainId, asset)!;
      expect(big(row.totalSupply)).toBe(chain.wrapped[`${chainId}:${symbol}`]);
      expect(big(row.bridgeSupply)).toBe(chain.wrapped[`${chainId}:${symbol}`]);
      const route = data.routeTotalss.items.find(
        (r) => r.remoteChainId === chainId && r.asset === asset.toLowerCase(),
      )!;
      expect(big(route.outstanding)).toBe(chain.wrapped[`${chainId}:${symbol}`]);
    }
    const usdcSupply = supplyOf(USDC)!;
    expect(big(usdcSupply.remoteOutstanding)).toBe(chain.wrapped[`${B}:USDC`] + chain.wrapped[`${C}:USDC`]);
    expect(big(usdcSupply.inFlight)).toBe(pending.amount);
    expect(usdcSupply.healthy).toBe(true);
    expect(usdcSupply.violations).toBe(0);
    // One row per message, the pending one included; no double counting of messages.
    expect(data.transfers.totalCount).toBe(6);
    expect(data.routeTotalss.items.reduce((n, r) => n + r.messages, 0)).toBe(6);
  });

  it("indexed collateral, debt and health factor equal getUserAccountData for every position", async () => {
    const chain = net.chains.find((c) => c.chainId === B)!;
    const lend = aaveOf(net, B);
    await eventually(
      () =>
        query<{ liquidations: { totalCount: number } }>(ponder, `{ liquidations(limit: 1) { totalCount } }`),
      (d) => d.liquidations.totalCount === 2,
    );
    // Compare at one block Ponder has indexed on B (the chains keep ticking), read as a settled block.
    const block = await settledBlock(chain.publicClient, chain.testClient);
    await eventually(
      async () =>
        (
          (await (await fetch(`${ponder.url}/status`)).json()) as Record<
            string,
            { block: { number: number } }
          >
        )[chain.name]?.block.number ?? 0,
      (n) => n >= Number(block.number),
    );
    const data = await query<{
      positions: Rows<{
        user: string;
        asset: string;
        scaledATokenBalance: string;
        scaledVariableDebt: string;
      }>;
      reserves: Rows<{ asset: string; aToken: string; variableDebtToken: string; problems: string[] }>;
    }>(
      ponder,
      `{ positions(where: { chainId: ${B} }, limit: 1000) { items { user asset scaledATokenBalance scaledVariableDebt } }
         reserves(where: { chainId: ${B} }) { items { asset aToken variableDebtToken problems } } }`,
    );
    expect(data.reserves.items.length).toBe(lend.market.priceSources.length);
    for (const r of data.reserves.items) expect(r.problems).toEqual([]);
    const users = [...new Set(data.positions.items.map((p) => p.user))];
    expect(users.length).toBeGreaterThanOrEqual(4); // lender, borrower, stablecoin user, liquidator (aTokens)
    for (const p of data.positions.items) {
      const reserve = data.reserves.items.find((r) => r.asset === p.asset)!;
      const read = (token: string) =>
        chain.publicClient.readContract({
          address: token as Address,
          abi: aTokenAbi,
          functionName: "scaledBalanceOf",
          args: [p.user as Address],
          blockNumber: block.number,
        });
      expect({ ...p, a: big(p.scaledATokenBalance), v: big(p.scaledVariableDebt) }).toEqual({
        ...p,
        a: await read(reserve.aToken),
        v: await read(reserve.variableDebtToken),
      });
    }
    for (const user of users) {
      const [collateral, debt, available, threshold, ltv, healthFactor] =
        await chain.publicClient.readContract({
          address: lend.pool,
          abi: aavePoolAbi,
          functionName: "getUserAccountData",
          args: [user as Address],
          blockNumber: block.number,
        });
      const api = (await (
        await fetch(`${ponder.url}/lending/accounts/${user}?timestamp=${block.timestamp}`)
      ).json()) as { accounts: { protocol: string; data: Record<string, string> | null }[] };
      const account = api.accounts.find((a) => a.protocol === lend.market.protocol);
      expect({ user, ...account?.data }).toEqual({
        user,
        totalCollateralBase: collateral.toString(),
        totalDebtBase: debt.toString(),
        availableBorrowsBase: available.toString(),
        currentLiquidationThreshold: threshold.toString(),
        ltv: ltv.toString(),
        healthFactor: healthFactor.toString(),
      });
    }
  });

  it("joins a transfer whose destination leg is indexed before its source leg", async () => {
    const home = net.chains[0]!;
    const now = (await home.publicClient.getBlock()).timestamp;
    // The lock's block is 20 s in A's future; the mint on B lands at B's present, so ordering by
    // timestamp puts the destination leg first.
    await home.testClient.setNextBlockTimestamp({ timestamp: now + 20n });
    const message = await net.lock(1, "USDC", usdc(11), B);
    const mintTx = await net.deliver(message);
    for (const c of net.chains.slice(1)) {
      await c.testClient.setNextBlockTimestamp({ timestamp: now + 21n });
      await c.testClient.mine({ blocks: 1 });
    }
    const id = messageId(message);
    const row = await eventually(
      () =>
        query<{ transfer: Record<string, unknown> | null }>(
          ponder,
          `{ transfer(id: "${id}") { status amount sourceTimestamp destinationTimestamp destinationTx latencySeconds sender } }`,
        ),
      (d) => d.transfer?.status === "delivered",
    );
    const t = row.transfer!;
    expect(big(t.amount)).toBe(usdc(11));
    expect(t.destinationTx).toBe(mintTx);
    expect(t.latencySeconds).toBe(Number(big(t.destinationTimestamp) - big(t.sourceTimestamp)));
    expect(t.sender).toBe(net.chains[0]!.users[1]!.account.address.toLowerCase());
    const { supplyOf } = await indexedTotals(ponder);
    expect(supplyOf(USDC)!.awaitingSource).toBe("0");
    expect(supplyOf(USDC)!.violations).toBe(0);
  });

  it("shows the root a batch of transfers was delivered under, joined to both legs", async () => {
    const messages = [await net.lock(0, "USDC", usdc(2), B), await net.lock(0, "USDC", usdc(3), B)];
    const { root, tx } = await net.deliverUnderRoot(messages);
    const ids = messages.map((m) => messageId(m));
    const rows = await eventually(
      () =>
        query<{ transfers: { items: Record<string, unknown>[] } }>(
          ponder,
          `{ transfers(where: { id_in: ${JSON.stringify(ids)} }) { items { id status destinationTx deliveredRoot } } }`,
        ),
      // Both legs joined: the test before this one put chain A's clock 20 s ahead, so with omnichain
      // ordering a mint can be indexed (awaiting_source) before its lock.
      (d) =>
        d.transfers.items.filter((t) => t.deliveredRoot !== null && t.status === "delivered").length === 2,
    );
    for (const t of rows.transfers.items)
      expect(t).toMatchObject({ status: "delivered", destinationTx: tx, deliveredRoot: root });
  });

  it("rolls back a reorged burn on one chain and re-indexes the new chain", async () => {
    const chainC = net.chains.find((c) => c.chainId === C)!;
    const snapshot = await chainC.testClient.snapshot();
    const burn = await net.burn(0, C, USDC, usdc(5));
    const id = messageId(burn);
    // While Ponder rolls the reorged block back on PostgreSQL, its API's reads can time out on the
    // rollback's row locks ("canceling statement due to lock timeout", as a GraphQL error or, seen under
    // load, as a plain-text answer): a transient answer a client retries. It is read as "not yet" (a
    // status no predicate accepts); any other error still fails the test.
    const find = () =>
      query<{ transfer: { status: string } | null }>(ponder, `{ transfer(id: "${id}") { status } }`).catch(
        (error: unknown) => {
          if (
            error instanceof Error &&
            /canceling statement due to (lock|statement) timeout/.test(error.message)
          ) {
            return { transfer: { status: "unreadable during the rollback" } };
          }
          throw error;
        },
      );
    await eventually(find, (d) => d.transfer?.status === "pending");
    // The replacing chain must outgrow the one it replaces, as a real reorg's does: the blocks mined while
    // waiting for "pending" (one a second, many under load) are gone after the revert, and a shorter new
    // chain would not be followed until it caught up.
    // cacheTime 0: viem may answer getBlockNumber from its cache, a block or more behind the node.
    const headBefore = await chainC.publicClient.getBlockNumber({ cacheTime: 0 });
    await chainC.testClient.revert({ id: snapshot });
    const headAfterRevert = await chainC.publicClient.getBlockNumber({ cacheTime: 0 });
    await chainC.testClient.mine({ blocks: Number(headBefore - headAfterRevert) + 3 });
    // Ponder notices the fork at its next poll and rolls back on PostgreSQL; once (fresh-clone run at load
    // 6-7 beside the Aave property test) that took over 30 s, so the wait is 120 s: what is asserted is
    // that the reorged burn disappears, not how fast.
    await eventually(find, (d) => d.transfer === null, 120_000);
    const chain = await chainTotals(net, { USDC, WETH, B, C });
    const { tokenOf } = await eventually(
      () => indexedTotals(ponder),
      (t) => big(t.tokenOf(C, USDC)!.totalSupply) === chain.wrapped[`${C}:USDC`],
    );
    expect(big(tokenOf(C, USDC)!.bridgeSupply)).toBe(chain.wrapped[`${C}:USDC`]);
  }, 300_000);

  it("answers bad GraphQL with errors and keeps serving", async () => {
    const unknown = await ponder.graphql(`{ transfers { items { noSuchField } } }`);
    expect(unknown.errors?.[0]?.message).toMatch(/noSuchField/);
    const huge = await ponder.graphql(`{ transfers(limit: 100000) { items { id } } }`);
    expect(huge.errors?.[0]?.message).toMatch(/limit/i);
    const deep = `{ transfers { items { ${"supply { routes { items { supply { ".repeat(4)} id ${"} } } }".repeat(4)} } } }`;
    expect((await ponder.graphql(deep)).errors?.[0]?.message).toMatch(/depth/i);
    const aliases = `{ ${Array.from({ length: 40 }, (_, i) => `a${i}: transfers { totalCount }`).join(" ")} }`;
    expect((await ponder.graphql(aliases)).errors?.[0]?.message).toMatch(/alias/i);
    const wide = `{ transfers { items { ${"id ".repeat(600)} } } }`;
    expect((await ponder.graphql(wide)).errors?.[0]?.message).toMatch(/token/i);
    const badFilter = await ponder.graphql(
      `{ transfers(where: { amount_gt: "not a number" }) { items { id } } }`,
    );
    expect(badFilter.errors?.length).toBeGreaterThan(0);
    const garbage = await fetch(`${ponder.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{not json",
    });
    expect(garbage.status).toBeLessThan(500);
    expect((await fetch(`${ponder.url}/health`)).status).toBe(200);
    expect(await deliveredCount(ponder)).toBeGreaterThanOrEqual(6);
  });

  it("records a forged mint as a supply violation once its grace window passes, in GraphQL and metrics", async () => {
    // A separate indexer process with a short grace window and frequent interval checks, on its own schema.
    const strict = await launch({
      net,
      schema: `${run}_r`,
      databaseUrl: RUN_DATABASE_URL,
      extraEnv: { INDEXER_SUPPLY_GRACE_SECONDS: "30", INDEXER_SUPPLY_CHECK_INTERVAL_BLOCKS: "5" },
    });
    try {
      // Compromised validators sign a message no vault ever locked (the Ronin / Wormhole case).
      const forged: BridgeMessage = {
        ...pending,
        destinationChainId: BigInt(B),
        destinationBridge: net.deployment.chains[1]!.bridge.address,
        nonce: 9_999n,
        amount: usdc(5000),
      };
      await net.deliver(forged);
      const later = (await net.chains[0]!.publicClient.getBlock()).timestamp + 120n;
      for (const c of net.chains) {
        await c.testClient.setNextBlockTimestamp({ timestamp: later });
        await c.testClient.mine({ blocks: 6 });
      }
      const { supplyOf } = await eventually(
        () => indexedTotals(strict),
        (t) => t.supplyOf(USDC)!.violations > 0,
        60_000,
      );
      const row = supplyOf(USDC)!;
      const chain = await chainTotals(net, { USDC, WETH, B, C });
      const remote = chain.wrapped[`${B}:USDC`] + chain.wrapped[`${C}:USDC`];
      expect(row.healthy).toBe(false);
      expect(big(row.remoteOutstanding)).toBe(remote);
      expect(big(row.custody)).toBe(chain.custody.USDC);
      expect(big(row.excess)).toBe(remote - chain.custody.USDC);
      const violations = await query<{
        supplyViolations: Rows<{ chainId: number; blockNumber: string; excess: string; trigger: string }>;
      }>(
        strict,
        `{ supplyViolations(orderBy: "blockNumber") { items { chainId blockNumber excess trigger } } }`,
      );
      expect(violations.supplyViolations.items).toHaveLength(1);
      expect(violations.supplyViolations.items[0]!.chainId).toBe(HOME);
      expect(big(violations.supplyViolations.items[0]!.excess)).toBe(remote - chain.custody.USDC);
      const metrics = await (await fetch(`${strict.url}/metrics/bridge`)).text();
      expect(metrics).toContain('indexer_supply_violations_total{bridge="canonical",asset="USDC"} 1');
      expect(metrics).toContain('indexer_supply_check_healthy{bridge="canonical",asset="USDC"} 0');
    } finally {
      await strict.kill("SIGKILL");
    }
  });

  it("exposes the tables through the views schema for other processes", async () => {
    const client = pgClient(runDatabase);
    await client.connect();
    try {
      const { rows } = await client.query(`SELECT count(*)::int AS n FROM "${run}_v".transfer`);
      expect(rows[0].n).toBeGreaterThanOrEqual(6);
    } finally {
      await client.end();
    }
  });
});

describe("indexer on PGlite", () => {
  it("indexes the same rows, and a kill -9 and restart leaves no duplicates and no gaps", async () => {
    const pgliteDir = join(net.dir, "pglite");
    const first = await launch({ net, schema: "public", pgliteDir });
    await first.kill("SIGKILL");
    // Traffic while the indexer is down must show up after the restart.
    await net.deliver(pending);
    const second = await launch({ net, schema: "public", pgliteDir });
    try {
      const pendingId = messageId(pending);
      const restarted = await eventually(
        () => indexedTotals(second),
        (t) => t.supplyOf(USDC)?.inFlight === "0",
        90_000,
      );
      const total = restarted.data.transfers.totalCount;
      // 5 delivered + the pending one + the destination-first one + the two delivered under a root +
      // the forged mint; the reorged burn is gone.
      expect(total).toBe(10);
      const row = await query<{ transfer: { status: string } | null }>(
        second,
        `{ transfer(id: "${pendingId}") { status } }`,
      );
      expect(row.transfer?.status).toBe("delivered");
      const chain = await chainTotals(net, { USDC, WETH, B, C });
      expect(big(restarted.supplyOf(USDC)!.custody)).toBe(chain.custody.USDC);
      expect(big(restarted.tokenOf(C, USDC)!.totalSupply)).toBe(chain.wrapped[`${C}:USDC`]);
      expect(restarted.data.routeTotalss.items.reduce((n, r) => n + r.messages, 0)).toBe(total);
      const ids = await query<{ transfers: Rows<{ id: Hex }> }>(
        second,
        `{ transfers(limit: 1000) { items { id } } }`,
      );
      expect(new Set(ids.transfers.items.map((t) => t.id)).size).toBe(total);
      // The restart resumed (same build ID: ponder.schema.ts re-exports lib/indexerSchema/) rather than
      // being refused as "a different Ponder app" or starting over.
      expect(second.output()).toContain("Detected crash recovery");
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- ponder output ---\n${second.output().slice(-3000)}`);
    } finally {
      await second.kill("SIGKILL");
    }
  }, 600_000);
});
