import { userInfo } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { type Address, type Hex, parseUnits } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aavePoolAbi, aTokenAbi, testERC20Abi, wrappedTokenAbi } from "../../contracts/generated/index.js";
import { type BridgeMessage, messageId } from "../../lib/bridge/message.js";
import {
  aaveOf,
  eventually,
  type IndexerNet,
  type PonderProcess,
  startIndexerNet,
  startPonder,
} from "../helpers/indexerFixture.js";

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
const usdc = (n: number) => parseUnits(String(n), 6);
const weth = (n: number) => parseUnits(String(n), 18);
const run = `ix${process.pid}${Date.now().toString(36)}`;

let net: IndexerNet;
let ponder: PonderProcess;
const started: PonderProcess[] = [];
async function launch(parameters: Parameters<typeof startPonder>[0]): Promise<PonderProcess> {
  const process = await startPonder(parameters);
  started.push(process);
  try {
    await process.waitReady(120_000);
  } catch (error) {
    throw new Error(`${(error as Error).message}`);
  }
  return process;
}
let USDC: Address;
let WETH: Address;
let pending: BridgeMessage;

type Rows<T> = { items: T[] };

async function query<T>(p: PonderProcess, q: string): Promise<T> {
  const body = await p.graphql<T>(q);
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data as T;
}

const big = (value: unknown) => BigInt(value as string);

async function deliveredCount(p: PonderProcess): Promise<number> {
  const data = await query<{ transfers: { totalCount: number } }>(
    p,
    `{ transfers(where: { status: delivered }, limit: 1) { totalCount } }`,
  );
  return data.transfers.totalCount;
}

beforeAll(async () => {
  const admin = pgClient();
  await admin.connect();
  await admin.query(`CREATE DATABASE "${runDatabase}"`);
  await admin.end();
  net = await startIndexerNet();
  USDC = net.homeToken("USDC");
  WETH = net.homeToken("WETH");
  // Bridge traffic: out to both remotes, back from one, and one message left in flight.
  await net.deliver(await net.lock(0, "USDC", usdc(1000), B));
  await net.deliver(await net.lock(0, "USDC", usdc(500), C));
  await net.deliver(await net.lock(1, "WETH", weth(2), B));
  await net.deliver(await net.burn(0, B, USDC, usdc(300)));
  await net.deliver(await net.lock(2, "USDC", usdc(400), B)); // the liquidator's repayment funds
  pending = await net.lock(0, "USDC", usdc(70), C);

  // The real Aave v3 market on B (wrapped tokens listed): a lender, a WETH-backed borrower pushed under
  // water and liquidated twice (once receiving aTokens), a borrower on B's own stablecoin.
  const lend = aaveOf(net, B);
  const wUsdcB = net.wrappedToken(B, USDC);
  const wWethB = net.wrappedToken(B, WETH);
  const [lender, borrower, daiUser] = lend.chain.users as [never, never, never];
  await lend.supply(lender, wUsdcB, usdc(600));
  await lend.supply(borrower, wWethB, weth(2));
  await lend.borrow(borrower, wUsdcB, usdc(300));
  await lend.faucet(daiUser, lend.native.address, weth(5000));
  await lend.supply(daiUser, lend.native.address, weth(5000));
  await lend.borrow(daiUser, wWethB, weth(1) / 2n);
  await lend.repay(daiUser, wWethB, weth(1) / 10n);
  await lend.withdraw(lender, wUsdcB, usdc(50));
  await lend.setPrice(wWethB, 150_00000000n); // 2 WETH at 150 against 300 USDC of debt: HF < 0.95
  await lend.liquidate(
    lend.chain.users[2]!,
    wWethB,
    wUsdcB,
    lend.chain.users[1]!.account.address,
    usdc(100),
    false,
  );
  await lend.liquidate(
    lend.chain.users[2]!,
    wWethB,
    wUsdcB,
    lend.chain.users[1]!.account.address,
    usdc(20),
    true,
  );

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

async function chainTotals() {
  const home = net.chains[0]!;
  const vault = net.deployment.chains[0]!.bridge.address;
  const balance = (chain: (typeof net.chains)[number], token: Address, owner: Address) =>
    chain.publicClient.readContract({
      address: token,
      abi: testERC20Abi,
      functionName: "balanceOf",
      args: [owner],
    });
  const supply = (chainId: number, token: Address) =>
    net.chains
      .find((c) => c.chainId === chainId)!
      .publicClient.readContract({
        address: net.wrappedToken(chainId, token),
        abi: wrappedTokenAbi,
        functionName: "totalSupply",
      });
  return {
    custody: { USDC: await balance(home, USDC, vault), WETH: await balance(home, WETH, vault) },
    wrapped: {
      [`${B}:USDC`]: await supply(B, USDC),
      [`${C}:USDC`]: await supply(C, USDC),
      [`${B}:WETH`]: await supply(B, WETH),
      [`${C}:WETH`]: await supply(C, WETH),
    },
  };
}

type SupplyRow = {
  id: string;
  custody: string;
  remoteOutstanding: string;
  inFlight: string;
  awaitingSource: string;
  healthy: boolean;
  violations: number;
  excess: string;
};

async function indexedTotals(p: PonderProcess) {
  const data = await query<{
    assetSupplys: Rows<SupplyRow>;
    tokenSupplys: Rows<{ chainId: number; asset: string; totalSupply: string; bridgeSupply: string }>;
    routeTotalss: Rows<{ asset: string; remoteChainId: number; outstanding: string; messages: number }>;
    transfers: { totalCount: number };
  }>(
    p,
    `{ assetSupplys { items { id custody remoteOutstanding inFlight awaitingSource healthy violations excess } }
       tokenSupplys { items { chainId asset totalSupply bridgeSupply } }
       routeTotalss { items { asset remoteChainId outstanding messages } }
       transfers(limit: 1) { totalCount } }`,
  );
  const supplyOf = (asset: Address) => data.assetSupplys.items.find((r) => r.id === asset.toLowerCase());
  const tokenOf = (chainId: number, asset: Address) =>
    data.tokenSupplys.items.find((r) => r.chainId === chainId && r.asset === asset.toLowerCase());
  return { data, supplyOf, tokenOf };
}

describe("indexer on PostgreSQL", () => {
  it("indexed totals equal vault balances and wrapped totalSupply on every chain", async () => {
    const chain = await chainTotals();
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
    // Compare at one block Ponder has indexed on B (the chains keep ticking).
    const block = await chain.publicClient.getBlock();
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

  it("rolls back a reorged burn on one chain and re-indexes the new chain", async () => {
    const chainC = net.chains.find((c) => c.chainId === C)!;
    const snapshot = await chainC.testClient.snapshot();
    const burn = await net.burn(0, C, USDC, usdc(5));
    const id = messageId(burn);
    const find = () =>
      query<{ transfer: { status: string } | null }>(ponder, `{ transfer(id: "${id}") { status } }`);
    await eventually(find, (d) => d.transfer?.status === "pending");
    await chainC.testClient.revert({ id: snapshot });
    await chainC.testClient.mine({ blocks: 3 });
    await eventually(find, (d) => d.transfer === null);
    const chain = await chainTotals();
    const { tokenOf } = await eventually(
      () => indexedTotals(ponder),
      (t) => big(t.tokenOf(C, USDC)!.totalSupply) === chain.wrapped[`${C}:USDC`],
    );
    expect(big(tokenOf(C, USDC)!.bridgeSupply)).toBe(chain.wrapped[`${C}:USDC`]);
  });

  it("answers bad GraphQL with errors and keeps serving", async () => {
    const unknown = await ponder.graphql(`{ transfers { items { noSuchField } } }`);
    expect(unknown.errors?.[0]?.message).toMatch(/noSuchField/);
    const huge = await ponder.graphql(`{ transfers(limit: 100000) { items { id } } }`);
    expect(huge.errors?.[0]?.message).toMatch(/limit/i);
    const deep = `{ transfers { items { ${"supply { routes { items { supply { ".repeat(4)} id ${"} } } }".repeat(4)} } } }`;
    expect((await ponder.graphql(deep)).errors?.[0]?.message).toMatch(/depth/i);
    const aliases = `{ ${Array.from({ length: 40 }, (_, i) => `a${i}: transfers { totalCount }`).join(" ")} }`;
    expect((await ponder.graphql(aliases)).errors?.[0]?.message).toMatch(/alias/i);
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
      const chain = await chainTotals();
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
      // 5 delivered + the pending one + the destination-first one + the forged mint; the reorged burn is gone.
      expect(total).toBe(8);
      const row = await query<{ transfer: { status: string } | null }>(
        second,
        `{ transfer(id: "${pendingId}") { status } }`,
      );
      expect(row.transfer?.status).toBe("delivered");
      const chain = await chainTotals();
      expect(big(restarted.supplyOf(USDC)!.custody)).toBe(chain.custody.USDC);
      expect(big(restarted.tokenOf(C, USDC)!.totalSupply)).toBe(chain.wrapped[`${C}:USDC`]);
      expect(restarted.data.routeTotalss.items.reduce((n, r) => n + r.messages, 0)).toBe(total);
      const ids = await query<{ transfers: Rows<{ id: Hex }> }>(
        second,
        `{ transfers(limit: 1000) { items { id } } }`,
      );
      expect(new Set(ids.transfers.items.map((t) => t.id)).size).toBe(total);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- ponder output ---\n${second.output().slice(-3000)}`);
    } finally {
      await second.kill("SIGKILL");
    }
  }, 240_000);
});
