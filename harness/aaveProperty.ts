import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import pg from "pg";
import { type Address, createWalletClient, type Hex, http, parseEther } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import {
  aavePoolAbi,
  aTokenAbi,
  stableDebtTokenAbi,
  testERC20Abi,
  testERC20Bytecode,
} from "../contracts/generated/index.js";
import { deployAaveMarket, listAaveReserve } from "../deploy/aave.js";
import { deployedContract } from "../deploy/receipts.js";
import { writeDeployment } from "../lib/deployments.js";
import { type AaveAction, applyAaveAction } from "./aaveActions.js";
import { explainAccountMismatch } from "./aaveDiagnosis.js";
import { type AaveFixture, fund, startAaveFixture, supply, type Wallet } from "./aaveFixture.js";
import { stuckTransaction } from "./aaveStuck.js";
import { type PonderProcess, startPonder, waitPonderIndexed } from "./ponderProcess.js";
import { settledBlock } from "./settledBlock.js";

/**
 * The indexer against the real Aave v3 Pool, for the property test (test/indexer/aave.properties.test.ts)
 * and its longer run (bench/aave-properties.ts): random action sequences (harness/aaveActions.ts) run on one
 * anvil while one `ponder start` follows it live. At checkpoints the rig waits until Ponder has indexed the
 * chain's latest block, then for every account touched since the last checkpoint compares, at that block:
 * - each indexed position with the tokens' scaledBalanceOf / principalBalanceOf;
 * - /lending/accounts (computed from indexed rows only) with Pool.getUserAccountData, every field to the wei,
 *   and a health factor only when every price it uses is fresh (null otherwise, never the maximum).
 * Each sequence uses fresh users, so runs do not lean on each other's state (the market itself carries on).
 */

export type AavePropertyOptions = {
  /** Checkpoint after every `checkEvery` steps and at the end of each sequence. */
  checkEvery: number;
  /** INDEXER_PRICE_CHECK_SECONDS for the indexer (the fixture chain counts as 1 s blocks). */
  priceCheckSeconds: number;
  /**
   * PostgreSQL (DATABASE_URL, default the local server), one database per rig: Ponder commits every live
   * block, and on this 2-core machine PGlite took ~120 ms per block, which made checkpoints wait seconds
   * for the hundreds of automined blocks a run produces. `pglite: true` runs on PGlite instead.
   */
  pglite?: boolean;
  /** Prints each checkpoint's wait for Ponder. */
  trace?: boolean;
  /**
   * Watch the market as an existing one: deploy it with another deployer (other addresses), run these
   * action sequences before the indexer starts (history before the start block), then configure the
   * indexer with only the PoolAddressesProvider and a start block one past that history
   * (`watchedAaveMarkets`). `historyUsers` then lists every account the history touched.
   * `besideEarlierMarket` deploys a small second market (one DAI reserve) before the history and lists it
   * as a deployed market on the same chain: the indexer's Aave sources then start at its start block, so
   * the watched market's history events are delivered and must be skipped (counted once, in the state
   * read at the start block). A reserve (MID) is listed on the watched market after that start and
   * supplied, so its tokens reach the indexer through the factory while the others are named directly.
   */
  watch?: { history: AaveAction[][]; deployerIndex: number; besideEarlierMarket?: boolean };
};

export type AavePropertyStats = {
  sequences: number;
  applied: number;
  skipped: number;
  kinds: Record<string, number>;
  checkpoints: number;
  accounts: number;
  actionMs: number;
  checkpointMs: number;
  /** Time spent waiting for Ponder to reach the checkpoint's block, and the longest single wait. */
  waitMs: number;
  maxWaitMs: number;
  /** Each checkpoint's wait for Ponder, ms. */
  waitSamplesMs: number[];
};

/** An indexed figure that differs from the chain's at the same block. */
export class IndexedMismatchError extends Error {
  override name = "IndexedMismatchError";
}

type AccountFigures = Record<
  | "totalCollateralBase"
  | "totalDebtBase"
  | "availableBorrowsBase"
  | "currentLiquidationThreshold"
  | "ltv"
  | "healthFactor",
  string
>;
type ApiAccounts = {
  accounts: { protocol: string; status: string; healthFactor: string | null; data: AccountFigures | null }[];
};
type PositionItem = {
  user: string;
  asset: string;
  scaledATokenBalance: string;
  scaledVariableDebt: string;
  stableDebtPrincipal: string;
};

const MAX_UINT = (2n ** 256n - 1n).toString();

function serverUrl(database?: string): string {
  const url = new URL(process.env.DATABASE_URL ?? "postgresql://127.0.0.1:5432/test");
  if (!url.username) url.username = process.env.PGUSER || process.env.USER || userInfo().username;
  if (database) url.pathname = `/${database}`;
  return url.toString();
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl() });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function same(label: string, received: unknown, expected: unknown, why?: string): void {
  if (isDeepStrictEqual(received, expected)) return;
  const show = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? x.toString() : x));
  throw new IndexedMismatchError(
    `${label}: indexed ${show(received)}\n  chain ${show(expected)}${why ? `\n${why}` : ""}`,
  );
}

export type AavePropertyRig = Awaited<ReturnType<typeof startAavePropertyRig>>;

export async function startAavePropertyRig(options: AavePropertyOptions) {
  const database = `aaveprop_${process.pid}_${Date.now().toString(36)}`;
  if (!options.pglite) await admin(`CREATE DATABASE "${database}"`);
  const f: AaveFixture = await startAaveFixture(
    options.watch ? { deployerIndex: options.watch.deployerIndex } : {},
  );
  const dir = mkdtempSync(join(tmpdir(), "aave-indexer-"));
  const deploymentFile = join(dir, "deployment.json");
  const historyUsers = new Set<Address>();
  const historyWallets: Wallet[][] = [];
  const historyKinds: Record<string, number> = {};
  let startBlock: bigint | undefined;
  if (options.watch) {
    const earlier = options.watch.besideEarlierMarket
      ? await deployAaveMarket(
          { walletClient: f.lender, publicClient: f.publicClient },
          {
            protocol: "aave-earlier",
            name: "Earlier",
            marketId: "Earlier market",
            reserves: [
              {
                symbol: "DAI",
                decimals: 18,
                asset: f.tokens.DAI!,
                initialPrice: 1_00000000n,
                ltv: 7500,
                liquidationThreshold: 8000,
                liquidationBonus: 10500,
              },
            ],
          },
        )
      : undefined;
    if (earlier) {
      // A reserve listed after the earlier market's start: its ReserveInitialized and token events reach
      // the indexer through the tokens' factory, before and after the watched market's start block.
      const hash = await f.deployer.deployContract({
        abi: testERC20Abi,
        bytecode: testERC20Bytecode,
        args: ["Mid Listing", "MID", 8],
      });
      const mid = (await deployedContract(f.publicClient, hash, "MID")).address;
      f.tokens.MID = mid;
      await listAaveReserve(f.clients, f.market, {
        symbol: "MID",
        decimals: 8,
        asset: mid,
        initialPrice: 300_00000000n,
        ltv: 7000,
        liquidationThreshold: 7500,
        liquidationBonus: 10600,
      });
      await fund(f, f.lender, mid, 10_000n * 10n ** 8n);
      await supply(f, f.lender, mid, 10_000n * 10n ** 8n);
    }
    // History the indexer never sees as events: it must read its result at the start block.
    const history = { ...f };
    for (const actions of options.watch.history) {
      history.users = await newUsers(f);
      historyWallets.push(history.users);
      for (const action of actions) {
        const outcome = await applyExplained(f, history, action);
        for (const account of outcome.touched) historyUsers.add(account);
        if (outcome.status === "applied") historyKinds[action.kind] = (historyKinds[action.kind] ?? 0) + 1;
      }
    }
    for (const account of [f.lender.account.address, f.treasury, f.liquidator.account.address])
      historyUsers.add(account);
    startBlock = (await f.publicClient.getBlockNumber()) + 1n;
    const [chain] = f.deploymentsFile.chains;
    writeDeployment(deploymentFile, {
      ...f.deploymentsFile,
      chains: [
        {
          ...chain!,
          aaveMarkets: earlier ? [earlier.deployment] : [],
          watchedAaveMarkets: [
            {
              protocol: f.market.deployment.protocol,
              name: "Watched test market",
              addressesProvider: f.market.addressesProvider,
              startBlock: Number(startBlock),
            },
          ],
        },
      ],
    });
  } else writeDeployment(deploymentFile, f.deploymentsFile);
  const network = f.deploymentsFile.chains[0]!.network;
  const ponder: PonderProcess = await startPonder({
    net: {
      env: {
        DEPLOYMENT_FILE: deploymentFile,
        [`${network.toUpperCase().replace(/-/g, "_")}_RPC_URL`]: f.anvil.rpcUrl,
        // Automined blocks arrive on every transaction; polling often keeps checkpoints short, but not
        // every 100 ms: Ponder's RPC limiter starts at 20 requests/s (INITIAL_MAX_RPS), polling every
        // 100 ms spends half of it, and fetching the blocks behind then waits for the next second.
        INDEXER_POLLING_MS: process.env.AAVE_PROPERTY_POLLING_MS ?? "250",
        INDEXER_PRICE_CHECK_SECONDS: String(options.priceCheckSeconds),
      },
    },
    schema: "aave_properties",
    ...(options.pglite ? { pgliteDir: join(dir, "pglite") } : { databaseUrl: serverUrl(database) }),
  });
  await ponder.waitReady(120_000);
  // An idle automined chain mines nothing until the next transaction, and viem's
  // waitForTransactionReceipt re-checks only on a new block: when the receipt was not yet queryable at
  // its first look (seen here under load: a mined faucet mint waited 180 s for its receipt), it waits
  // forever. An empty block every second unblocks it; reads stay pinned to the checkpoint's block.
  const ticker = setInterval(() => void f.testClient.mine({ blocks: 1 }).catch(() => undefined), 1000);
  const stats: AavePropertyStats = {
    sequences: 0,
    applied: 0,
    skipped: 0,
    kinds: {},
    checkpoints: 0,
    accounts: 0,
    actionMs: 0,
    checkpointMs: 0,
    waitMs: 0,
    maxWaitMs: 0,
    waitSamplesMs: [],
  };
  const protocol = f.market.deployment.protocol;

  async function waitIndexed(blockNumber: bigint): Promise<void> {
    const { blocksBehind, waitedMs: waited } = await waitPonderIndexed(ponder, blockNumber);
    stats.waitMs += waited;
    stats.maxWaitMs = Math.max(stats.maxWaitMs, waited);
    stats.waitSamplesMs.push(waited);
    if (options.trace) console.log(`wait ${blocksBehind} blocks behind: ${waited.toFixed(0)} ms`);
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

  async function compareScaledBalances(user: Address, blockNumber: bigint, positions: PositionItem[]) {
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
      same(
        `${user} ${reserve.symbol} scaled balances at block ${blockNumber}`,
        {
          aToken: row?.scaledATokenBalance ?? "0",
          variable: row?.scaledVariableDebt ?? "0",
          stable: row?.stableDebtPrincipal ?? "0",
        },
        { aToken: aToken.toString(), variable: variable.toString(), stable: stable.toString() },
      );
    }
  }

  async function compareAccount(
    user: Address,
    block: { number: bigint; timestamp: bigint },
    positions: PositionItem[],
  ) {
    const [onChain, api] = await Promise.all([
      f.publicClient.readContract({
        address: f.market.pool,
        abi: aavePoolAbi,
        functionName: "getUserAccountData",
        args: [user],
        blockNumber: block.number,
      }),
      fetch(`${ponder.url}/lending/accounts/${user}?timestamp=${block.timestamp}`).then(
        (r) => r.json() as Promise<ApiAccounts>,
      ),
    ]);
    const expected: AccountFigures = {
      totalCollateralBase: onChain[0].toString(),
      totalDebtBase: onChain[1].toString(),
      availableBorrowsBase: onChain[2].toString(),
      currentLiquidationThreshold: onChain[3].toString(),
      ltv: onChain[4].toString(),
      healthFactor: onChain[5].toString(),
    };
    const account = api.accounts.find((a) => a.protocol === protocol);
    // An account the indexer never saw must be one the Pool also knows nothing of.
    const indexed = account?.data ?? {
      totalCollateralBase: "0",
      totalDebtBase: "0",
      availableBorrowsBase: "0",
      currentLiquidationThreshold: "0",
      ltv: "0",
      healthFactor: MAX_UINT,
    };
    // On a difference, name the differing input (index, rate, price or balance of which reserve).
    const why = isDeepStrictEqual(indexed, expected)
      ? undefined
      : await explainAccountMismatch(f, ponder.graphql, user, block.number, positions);
    same(`${user} account data at block ${block.number}`, indexed, expected, why);
    // Unknown is never healthy: a health factor is reported only when every price it uses is fresh.
    same(
      `${user} health factor (${account?.status ?? "not indexed"}) at block ${block.number}`,
      account ? account.healthFactor : null,
      account ? (account.status === "priced" ? expected.healthFactor : null) : null,
    );
  }

  /** Compares every touched account at a settled block; returns how many accounts were compared. */
  async function checkpoint(touched: Set<Address>): Promise<number> {
    const t0 = performance.now();
    const block = await settledBlock(f.publicClient, f.testClient);
    await waitIndexed(block.number);
    const users = [...touched];
    const positions = await positionsOf(users);
    await Promise.all(
      users.map(async (user) => {
        await compareScaledBalances(user, block.number, positions);
        await compareAccount(user, block, positions);
      }),
    );
    touched.clear();
    stats.checkpoints++;
    stats.accounts += users.length;
    stats.checkpointMs += performance.now() - t0;
    return users.length;
  }

  /** Five new accounts with gas money: each sequence starts from empty positions. */
  const freshUsers = () => newUsers(f);

  /**
   * Runs one sequence with fresh users (or the given ones), checkpointing as configured; throws on the
   * first mismatch.
   */
  async function runSequence(actions: AaveAction[], users?: Wallet[]): Promise<void> {
    const run = { ...f, users: users ?? (await freshUsers()) };
    const touched = new Set<Address>();
    for (const [i, action] of actions.entries()) {
      const t0 = performance.now();
      const outcome = await applyExplained(f, run, action);
      stats.actionMs += performance.now() - t0;
      if (outcome.status === "applied") {
        stats.applied++;
        stats.kinds[action.kind] = (stats.kinds[action.kind] ?? 0) + 1;
      } else stats.skipped++;
      for (const account of outcome.touched) touched.add(account);
      if ((i + 1) % options.checkEvery === 0 || i === actions.length - 1) await checkpoint(touched);
    }
    stats.sequences++;
  }

  async function stop(ponderLog?: string): Promise<void> {
    clearInterval(ticker);
    if (ponderLog) writeFileSync(ponderLog, ponder.output());
    await ponder.kill();
    await f.stop();
    rmSync(dir, { recursive: true, force: true });
    if (!options.pglite) await admin(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  }

  return {
    f,
    ponder,
    stats,
    historyUsers,
    historyWallets,
    historyKinds,
    startBlock,
    freshUsers,
    waitIndexed,
    checkpoint,
    runSequence,
    stop,
  };
}

/** Applies an action; a failure names the transaction that got stuck or reverted. */
function applyExplained(f: AaveFixture, run: AaveFixture, action: AaveAction) {
  return applyAaveAction(run, action).catch(async (error: Error) => {
    throw new Error(`${action.kind} failed: ${await stuckTransaction(f, error)}`, { cause: error });
  });
}

/** Five new accounts with gas money. */
function newUsers(f: AaveFixture): Promise<Wallet[]> {
  return Promise.all(
    Array.from({ length: 5 }, async () => {
      const account = privateKeyToAccount(generatePrivateKey() as Hex);
      await f.testClient.setBalance({ address: account.address, value: parseEther("1000") });
      return createWalletClient({ account, chain: f.chain, transport: http(f.anvil.rpcUrl) }) as Wallet;
    }),
  );
}
