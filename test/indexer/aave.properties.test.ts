import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import fc from "fast-check";
import pg from "pg";
import { type Address, createWalletClient, type Hex, http, parseEther } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aavePoolAbi, aTokenAbi, stableDebtTokenAbi } from "../../contracts/generated/index.js";
import { replaceAggregator } from "../../deploy/aave.js";
import { type AaveFixture, startAaveFixture, type Wallet } from "../../harness/aaveFixture.js";
import { writeDeployment } from "../../lib/deployments.js";
import { type AaveAction, aaveActionSequenceArbitrary, applyAaveAction } from "../helpers/aaveActions.js";
import { explainAccountMismatch } from "../helpers/aaveDiagnosis.js";
import { type PonderProcess, startPonder } from "../helpers/ponderProcess.js";
import { settledBlock } from "../helpers/settledBlock.js";

/**
 * The indexer against the real Aave v3 Pool: random sequences of supply, borrow, repay, withdraw, aToken
 * transfer, eMode, collateral toggle, configurator changes, price moves, time jumps and liquidations
 * (test/helpers/aaveActions.ts) run on one anvil while one `ponder start` follows it live. At checkpoints
 * the test waits until Ponder has indexed the chain's latest block, then for every account touched since
 * the last checkpoint compares, at that block:
 * - /lending/accounts (computed from indexed rows only) with Pool.getUserAccountData, every field to the wei;
 * - each indexed position with the tokens' scaledBalanceOf / principalBalanceOf.
 * Each run uses fresh users, so runs do not lean on each other's state (the market itself carries on).
 */

const RUNS = Number(process.env.AAVE_PROPERTY_RUNS ?? 100);
const STEPS = Number(process.env.AAVE_PROPERTY_STEPS ?? 25);
const SEED = process.env.AAVE_PROPERTY_SEED ? Number(process.env.AAVE_PROPERTY_SEED) : undefined;
/** Checkpoint after every CHECK_EVERY steps and at the end of each run. */
const CHECK_EVERY = Number(process.env.AAVE_PROPERTY_CHECK_EVERY ?? 13);
/**
 * Seconds of blocks between aggregator re-checks in this test (the fixture chain counts as 1 s blocks, so
 * 10 blocks): the switch test mines exactly this many blocks and expects the new price by then.
 */
const PRICE_CHECK_SECONDS = Number(process.env.AAVE_PROPERTY_PRICE_CHECK_SECONDS ?? 10);

type AccountFigures = {
  totalCollateralBase: string;
  totalDebtBase: string;
  availableBorrowsBase: string;
  currentLiquidationThreshold: string;
  ltv: string;
  healthFactor: string;
};
type ApiAccounts = {
  accounts: {
    protocol: string;
    status: string;
    reasons: string[];
    healthFactor: string | null;
    data: AccountFigures | null;
  }[];
};
type PositionItem = {
  user: string;
  asset: string;
  scaledATokenBalance: string;
  scaledVariableDebt: string;
  stableDebtPrincipal: string;
};

/**
 * PostgreSQL (DATABASE_URL, default the local server), one database per run: Ponder commits every live
 * block, and on this 2-core machine PGlite took ~120 ms per block against ~N ms for PostgreSQL, which
 * made checkpoints wait seconds for the hundreds of automined blocks a run produces. AAVE_PROPERTY_DB=pglite
 * runs it on PGlite instead.
 */
const USE_PGLITE = process.env.AAVE_PROPERTY_DB === "pglite";
const serverUrl = (database?: string) => {
  const url = new URL(process.env.DATABASE_URL ?? "postgresql://127.0.0.1:5432/test");
  if (!url.username) url.username = process.env.PGUSER || process.env.USER || userInfo().username;
  if (database) url.pathname = `/${database}`;
  return url.toString();
};
const runDatabase = `aaveprop_${process.pid}_${Date.now().toString(36)}`;
async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl() });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

let f: AaveFixture;
let ponder: PonderProcess;
let dir: string;
let ticker: ReturnType<typeof setInterval> | undefined;
const protocol = () => f.market.deployment.protocol;

async function indexedBlock(): Promise<number> {
  const status = (await (await fetch(`${ponder.url}/status`)).json()) as Record<
    string,
    { block: { number: number } }
  >;
  return Object.values(status)[0]?.block.number ?? -1;
}

/** Waits until Ponder has processed `blockNumber` (it polls every 100 ms here, its minimum). */
let waitMs = 0;
async function waitIndexed(blockNumber: bigint): Promise<void> {
  const t0 = performance.now();
  const before = await indexedBlock();
  // A tight poll: 200 checkpoints at eventually()'s 250 ms granularity would add ~25 s of idle waiting.
  for (let n = before; n < Number(blockNumber); n = await indexedBlock()) {
    if (performance.now() - t0 > 30_000) throw new Error(`block ${blockNumber} not indexed within 30 s`);
    await new Promise((r) => setTimeout(r, 30));
  }
  waitMs += performance.now() - t0;
  if (process.env.AAVE_PROPERTY_TRACE)
    console.log(
      `wait ${Number(blockNumber) - before} blocks behind: ${(performance.now() - t0).toFixed(0)} ms`,
    );
}

async function positionsOf(users: Address[]): Promise<PositionItem[]> {
  const body = await ponder.graphql<{ positions: { items: PositionItem[] } }>(
    `query ($users: [String!]) { positions(where: { user_in: $users }, limit: 1000) {
       items { user asset scaledATokenBalance scaledVariableDebt stableDebtPrincipal } } }`,
    { users: users.map((u) => u.toLowerCase()) },
  );
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data!.positions.items;
}

/** Compares every touched account at the chain's latest block; returns how many accounts were compared. */
async function checkpoint(touched: Set<Address>): Promise<number> {
  const block = await settledBlock(f.publicClient, f.testClient);
  await waitIndexed(block.number);
  const users = [...touched];
  const blockNumber = block.number;
  const positions = await positionsOf(users);
  await Promise.all(
    users.map(async (user) => {
      const [onChain, api] = await Promise.all([
        f.publicClient.readContract({
          address: f.market.pool,
          abi: aavePoolAbi,
          functionName: "getUserAccountData",
          args: [user],
          blockNumber,
        }),
        fetch(`${ponder.url}/lending/accounts/${user}?timestamp=${block.timestamp}`).then(
          (r) => r.json() as Promise<ApiAccounts>,
        ),
      ]);
      const expected = {
        totalCollateralBase: onChain[0].toString(),
        totalDebtBase: onChain[1].toString(),
        availableBorrowsBase: onChain[2].toString(),
        currentLiquidationThreshold: onChain[3].toString(),
        ltv: onChain[4].toString(),
        healthFactor: onChain[5].toString(),
      };
      for (const reserve of f.market.reserves) {
        const read = (address: Address, abi: typeof aTokenAbi | typeof stableDebtTokenAbi, fn: string) =>
          f.publicClient.readContract({
            address,
            abi,
            functionName: fn as "scaledBalanceOf",
            args: [user],
            blockNumber,
          }) as Promise<bigint>;
        const [aToken, variable, stable] = await Promise.all([
          read(reserve.aToken, aTokenAbi, "scaledBalanceOf"),
          read(reserve.variableDebtToken, aTokenAbi, "scaledBalanceOf"),
          read(reserve.stableDebtToken, stableDebtTokenAbi, "principalBalanceOf"),
        ]);
        const row = positions.find(
          (p) => p.user === user.toLowerCase() && p.asset === reserve.asset.toLowerCase(),
        );
        expect({
          user,
          reserve: reserve.symbol,
          aToken: row?.scaledATokenBalance ?? "0",
          variable: row?.scaledVariableDebt ?? "0",
          stable: row?.stableDebtPrincipal ?? "0",
        }).toEqual({
          user,
          reserve: reserve.symbol,
          aToken: aToken.toString(),
          variable: variable.toString(),
          stable: stable.toString(),
        });
      }
      const account = api.accounts.find((a) => a.protocol === protocol());
      // An account the indexer never saw must be one the Pool also knows nothing of.
      const indexed = account?.data ?? {
        totalCollateralBase: "0",
        totalDebtBase: "0",
        availableBorrowsBase: "0",
        currentLiquidationThreshold: "0",
        ltv: "0",
        healthFactor: (2n ** 256n - 1n).toString(),
      };
      // On a difference, name the differing input (index, rate, price or balance of which reserve).
      const why = isDeepStrictEqual(indexed, expected)
        ? undefined
        : await explainAccountMismatch(f, ponder.graphql, user, blockNumber, positions);
      expect({ user, block: blockNumber, ...indexed }, why).toEqual({
        user,
        block: blockNumber,
        ...expected,
      });
      // Unknown is never healthy: a health factor is reported only when every price it uses is fresh.
      if (account?.status === "priced") expect(account.healthFactor).toBe(expected.healthFactor);
      else if (account) expect(account.healthFactor).toBeNull();
    }),
  );
  touched.clear();
  return users.length;
}

/**
 * What a transaction the action driver waited for in vain looks like on the chain: its sender's mined and
 * pending nonces, its fee cap against the base fee, and what the pool still holds. Only for diagnosis.
 */
async function stuckTransaction(error: Error): Promise<string> {
  const hash = /hash "(0x[0-9a-f]{64})"/.exec(String(error.message))?.[1] as Hex | undefined;
  if (!hash) return error.message.split("\n")[0]!;
  const rpc = async (method: string, params: unknown[]) =>
    (
      (await (
        await fetch(f.anvil.rpcUrl, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
        })
      ).json()) as { result: unknown }
    ).result;
  const tx = (await rpc("eth_getTransactionByHash", [hash])) as Record<string, string> | null;
  const block = (await rpc("eth_getBlockByNumber", ["latest", false])) as Record<string, string>;
  const from = tx?.from ?? "?";
  return JSON.stringify({
    hash,
    tx: tx && {
      from,
      to: tx.to,
      nonce: tx.nonce,
      gas: tx.gas,
      maxFeePerGas: tx.maxFeePerGas,
      blockNumber: tx.blockNumber,
    },
    latestNonce: tx ? await rpc("eth_getTransactionCount", [from, "latest"]) : null,
    pendingNonce: tx ? await rpc("eth_getTransactionCount", [from, "pending"]) : null,
    baseFee: block.baseFeePerGas,
    gasLimit: block.gasLimit,
    head: block.number,
    pool: await rpc("txpool_status", []),
  });
}

/** Five new accounts with gas money: each run starts from empty positions. */
async function freshUsers(): Promise<Wallet[]> {
  return Promise.all(
    Array.from({ length: 5 }, async () => {
      const account = privateKeyToAccount(generatePrivateKey() as Hex);
      await f.testClient.setBalance({ address: account.address, value: parseEther("1000") });
      return createWalletClient({ account, chain: f.chain, transport: http(f.anvil.rpcUrl) }) as Wallet;
    }),
  );
}

beforeAll(async () => {
  if (!USE_PGLITE) await admin(`CREATE DATABASE "${runDatabase}"`);
  f = await startAaveFixture();
  dir = mkdtempSync(join(tmpdir(), "aave-indexer-"));
  const deploymentFile = join(dir, "deployment.json");
  writeDeployment(deploymentFile, f.deploymentsFile);
  const network = f.deploymentsFile.chains[0]!.network;
  ponder = await startPonder({
    net: {
      env: {
        DEPLOYMENT_FILE: deploymentFile,
        [`${network.toUpperCase().replace(/-/g, "_")}_RPC_URL`]: f.anvil.rpcUrl,
        // Automined blocks arrive on every transaction; polling often keeps checkpoints short.
        INDEXER_POLLING_MS: "100",
        INDEXER_PRICE_CHECK_SECONDS: String(PRICE_CHECK_SECONDS),
      },
    },
    schema: "aave_properties",
    ...(USE_PGLITE ? { pgliteDir: join(dir, "pglite") } : { databaseUrl: serverUrl(runDatabase) }),
  });
  await ponder.waitReady(120_000);
  // An idle automined chain mines nothing until the next transaction, and viem's
  // waitForTransactionReceipt re-checks only on a new block: when the receipt was not yet queryable at
  // its first look (seen here under load: a mined faucet mint waited 180 s for its receipt), it waits
  // forever. An empty block every second unblocks it; reads stay pinned to the checkpoint's block.
  ticker = setInterval(() => void f.testClient.mine({ blocks: 1 }).catch(() => undefined), 1000);
}, 240_000);

afterAll(async () => {
  clearInterval(ticker);
  if (process.env.AAVE_PROPERTY_PONDER_LOG && ponder)
    (await import("node:fs")).writeFileSync(process.env.AAVE_PROPERTY_PONDER_LOG, ponder.output());
  await ponder?.kill();
  await f?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (!USE_PGLITE) await admin(`DROP DATABASE IF EXISTS "${runDatabase}" WITH (FORCE)`);
});

describe("indexed Aave v3 positions equal the Pool's", () => {
  it(`${RUNS} random runs of ${STEPS} steps: account data and scaled balances to the wei`, async () => {
    const stats = {
      actionMs: 0,
      checkpointMs: 0,
      runs: 0,
      applied: 0,
      skipped: 0,
      checkpoints: 0,
      accounts: 0,
      kinds: {} as Record<string, number>,
    };
    const started = Date.now();
    const firstBlock = await f.publicClient.getBlockNumber();
    await fc.assert(
      fc.asyncProperty(aaveActionSequenceArbitrary(STEPS), async (actions: AaveAction[]) => {
        const run = { ...f, users: await freshUsers() };
        const touched = new Set<Address>();
        for (const [i, action] of actions.entries()) {
          const t0 = performance.now();
          const outcome = await applyAaveAction(run, action).catch(async (error: Error) => {
            throw new Error(`${action.kind} failed: ${await stuckTransaction(error)}`, { cause: error });
          });
          stats.actionMs += performance.now() - t0;
          if (outcome.status === "applied") {
            stats.applied++;
            stats.kinds[action.kind] = (stats.kinds[action.kind] ?? 0) + 1;
          } else stats.skipped++;
          for (const account of outcome.touched) touched.add(account);
          if ((i + 1) % CHECK_EVERY === 0 || i === actions.length - 1) {
            const t1 = performance.now();
            stats.accounts += await checkpoint(touched);
            stats.checkpointMs += performance.now() - t1;
            stats.checkpoints++;
          }
        }
        stats.runs++;
      }),
      // A failing run is reported as found: shrinking would replay hundreds of on-chain sequences.
      // AAVE_PROPERTY_SEED replays a reported failure's sequence of runs (the market carries on across runs).
      { numRuns: RUNS, endOnFailure: true, ...(SEED === undefined ? {} : { seed: SEED }) },
    );
    console.log(
      `aave properties: ${stats.runs} runs x ${STEPS} steps in ${((Date.now() - started) / 1000).toFixed(1)} s; ` +
        `${stats.applied} actions applied, ${stats.skipped} skipped; ${stats.checkpoints} checkpoints, ` +
        `${stats.accounts} account comparisons; ${(await f.publicClient.getBlockNumber()) - firstBlock} blocks; time in actions ${(stats.actionMs / 1000).toFixed(1)} s, ` +
        `in checkpoints ${(stats.checkpointMs / 1000).toFixed(1)} s (waiting for Ponder ${(waitMs / 1000).toFixed(1)} s); applied by kind ${JSON.stringify(stats.kinds)}`,
    );
    expect(stats.runs).toBe(RUNS);
    // The sequences must really exercise the market, not be skipped wholesale.
    expect(stats.applied).toBeGreaterThan(RUNS * STEPS * 0.4);
    expect(stats.kinds.liquidate ?? 0).toBeGreaterThan(0);
  }, 900_000);

  it("a proxy switched to a new aggregator (no event on the proxy) is priced by it within the interval", async () => {
    const weth = f.market.reserve("WETH");
    const proxy = weth.priceSource!.proxy;
    const oldAnswer = await f.publicClient.readContract({
      address: f.market.aaveOracle,
      abi: [
        {
          type: "function",
          name: "getAssetPrice",
          stateMutability: "view",
          inputs: [{ name: "asset", type: "address" }],
          outputs: [{ type: "uint256" }],
        },
      ] as const,
      functionName: "getAssetPrice",
      args: [weth.asset],
    });
    const newAnswer = oldAnswer * 2n + 12_345n;
    const { aggregator } = await replaceAggregator(f.clients, proxy, newAnswer);
    const switchedAt = await f.publicClient.getBlockNumber();
    const source = async () => {
      const body = await ponder.graphql<{
        priceSource: { aggregator: string; answer: string; answerFrom: string; switches: number } | null;
      }>(
        `{ priceSource(id: "${f.chain.id}:${proxy.toLowerCase()}") { aggregator answer answerFrom switches } }`,
      );
      return body.data?.priceSource ?? null;
    };
    // Nothing on the proxy: until a re-check block, the indexer still holds the old aggregator's answer.
    await waitIndexed(switchedAt);
    // The documented bound: the check runs every INDEXER_PRICE_CHECK_SECONDS of blocks (3 here).
    await f.testClient.mine({ blocks: PRICE_CHECK_SECONDS });
    await waitIndexed(switchedAt + BigInt(PRICE_CHECK_SECONDS));
    const row = await source();
    expect(row).toMatchObject({
      aggregator: aggregator.toLowerCase(),
      answer: newAnswer.toString(),
      answerFrom: "aggregator-switch",
    });
    expect(row!.switches).toBeGreaterThanOrEqual(1);
    // Health factors use it: a WETH supplier's collateral is valued at the new answer, as on chain.
    const [user] = await freshUsers();
    const touched = new Set<Address>([user!.account.address]);
    await applyAaveAction({ ...f, users: [user!] }, { kind: "supply", user: 0, reserve: 2, usd: 5_000 });
    expect(await checkpoint(touched)).toBe(1);
  }, 120_000);
});
