import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import pg from "pg";
import type { Address, Block } from "viem";
import { adaptiveCurveIrmAbi, chainlinkMorphoOracleAbi, morphoAbi } from "../contracts/generated/index.js";
import { deployBridgeHome } from "../deploy/bridge.js";
import { createMorphoMarket, deployMorphoOracle, type MorphoMarketParams } from "../deploy/morpho.js";
import { chainlinkMorphoOraclePrice } from "../indexer/morphoOracle.js";
import { writeDeployment } from "../lib/deployments.js";
import { accrueMorphoInterest, type MorphoMarketState, morphoPositionHealth } from "../lib/morpho/market.js";
import { revertReason, send } from "./aaveTx.js";
import {
  applyMorphoAction,
  type MorphoAction,
  type MorphoActionContext,
  type RigMarket,
  setPrice,
} from "./morphoActions.js";
import { type MorphoFixture, startMorphoFixture } from "./morphoFixture.js";
import { type PonderProcess, startPonder, waitPonderIndexed } from "./ponderProcess.js";
import { settledBlock } from "./settledBlock.js";

/**
 * The indexer against the real Morpho Blue, for the property test (test/indexer/morpho.properties.test.ts):
 * random action sequences (harness/morphoActions.ts) on three markets of one anvil while one `ponder start`
 * follows it live. At checkpoints the rig waits until Ponder has indexed the chain's latest block, then at
 * that block compares, for every market and every address that ever held a position:
 * - the indexed market with Morpho's `market(id)`, the IRM's `rateAtTarget(id)`, and the price computed
 *   from indexed feed answers with the oracle's `price()`;
 * - each indexed position with `position(id, user)`;
 * - for each borrower, the borrowed assets the engine computes from indexed rows (the market accrued to the
 *   block's time with the indexed rate at target, shares rounded up) with what Morpho charges to repay every
 *   share at that block, and the engine's liquidatability with Morpho's own answer to a 1-share
 *   liquidation ("position is healthy" or not).
 * The markets carry on across sequences (positions persist); each sequence starts at the fixture's prices.
 */

export type MorphoPropertyOptions = {
  /** Checkpoint after every `checkEvery` steps and at the end of each sequence. */
  checkEvery: number;
  /** Prints each checkpoint's wait for Ponder. */
  trace?: boolean;
};

export type MorphoPropertyStats = {
  sequences: number;
  applied: number;
  skipped: number;
  kinds: Record<string, number>;
  /** Skipped actions by reason (a precondition, or Morpho's refusal). */
  skipReasons: Record<string, number>;
  badDebtLiquidations: number;
  checkpoints: number;
  positions: number;
  /** Borrowers compared, by what Morpho said of a liquidation at the checkpoint. */
  healthyBorrowers: number;
  liquidatableBorrowers: number;
  actionMs: number;
  checkpointMs: number;
  waitMs: number;
};

/** An indexed figure that differs from the chain's at the same block. */
export class IndexedMismatchError extends Error {
  override name = "IndexedMismatchError";
}

const INITIAL_COLLATERAL_ANSWER = 2000_00000000n;
const INITIAL_LOAN_ANSWER = 1_00000000n;

type MarketItem = {
  id: string;
  totalSupplyAssets: string;
  totalSupplyShares: string;
  totalBorrowAssets: string;
  totalBorrowShares: string;
  lastUpdate: string;
  fee: string;
  rateAtTarget: string | null;
  lltv: string;
  collateralFeed: string | null;
  loanFeed: string | null;
  oracleScaleFactor: string | null;
};
type PositionItem = {
  market: string;
  user: string;
  supplyShares: string;
  borrowShares: string;
  collateral: string;
};

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

function same(label: string, indexed: unknown, chain: unknown): void {
  if (isDeepStrictEqual(indexed, chain)) return;
  const show = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? x.toString() : x));
  throw new IndexedMismatchError(`${label}:\n  indexed ${show(indexed)}\n  chain   ${show(chain)}`);
}

const PROTOCOL = "morpho-test";

/** Two more markets beside the fixture's: a higher LLTV on the same oracle, and one whose oracle has no loan feed. */
async function extraMarkets(f: MorphoFixture): Promise<RigMarket[]> {
  const markets: RigMarket[] = [{ name: "WETH/USDC 86%", id: f.id, params: f.params, hasLoanFeed: true }];
  const high: MorphoMarketParams = { ...f.params, lltv: 945_000_000_000_000_000n };
  markets.push({
    name: "WETH/USDC 94.5%",
    id: await createMorphoMarket(f.clients, f.blue.morpho, high),
    params: high,
    hasLoanFeed: true,
  });
  const usdQuoted = await deployMorphoOracle(f.clients, {
    collateralFeed: f.feeds.collateral.proxy,
    collateralDecimals: 18,
    loanDecimals: 6,
  });
  const quoted: MorphoMarketParams = { ...f.params, oracle: usdQuoted, lltv: 770_000_000_000_000_000n };
  markets.push({
    name: "WETH/USDC 77% (USD-quoted oracle)",
    id: await createMorphoMarket(f.clients, f.blue.morpho, quoted),
    params: quoted,
    hasLoanFeed: false,
  });
  for (const market of markets.slice(1)) {
    await send(f, f.lender, {
      address: f.blue.morpho,
      abi: morphoAbi,
      functionName: "supply",
      args: [market.params, 1_000_000n * 10n ** 6n, 0n, f.lender.account.address, "0x"],
    });
  }
  return markets;
}

export type MorphoPropertyRig = Awaited<ReturnType<typeof startMorphoPropertyRig>>;

export async function startMorphoPropertyRig(options: MorphoPropertyOptions) {
  const database = `morphoprop_${process.pid}_${Date.now().toString(36)}`;
  await admin(`CREATE DATABASE "${database}"`);
  const f = await startMorphoFixture();
  const dir = mkdtempSync(join(tmpdir(), "morpho-indexer-"));
  let ponder: PonderProcess | undefined;
  let ticker: NodeJS.Timeout | undefined;
  const stop = async (ponderLog?: string) => {
    if (ticker) clearInterval(ticker);
    if (ponderLog && ponder) writeFileSync(ponderLog, ponder.output());
    await ponder?.kill();
    await f.stop();
    rmSync(dir, { recursive: true, force: true });
    await admin(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  };
  let markets: RigMarket[] = [];
  try {
    markets = await extraMarkets(f);
    const home = await deployBridgeHome({
      ...f.clients,
      validators: [f.wallet(9).account.address],
      threshold: 1n,
      graceSeconds: 600n,
      maxPauseSeconds: 3600n,
      tokens: [f.tokens.collateral, f.tokens.loan],
    });
    const network = "morpho-fixture";
    const deploymentFile = join(dir, "deployment.json");
    writeDeployment(deploymentFile, {
      name: `morpho-fixture-${f.chainId}`,
      createdAt: new Date().toISOString(),
      homeChainId: f.chainId,
      validators: { epoch: 1, addresses: [f.wallet(9).account.address], threshold: 1 },
      chains: [
        {
          network,
          chainId: f.chainId,
          role: "home",
          validatorSet: home.validatorSet,
          bridge: home.vault,
          // No priceFeed here: the feeds must be found through the markets' oracles (CreateMarket).
          tokens: [
            {
              symbol: "WETH",
              decimals: 18,
              address: f.tokens.collateral,
              homeToken: f.tokens.collateral,
              kind: "native",
            },
            { symbol: "USDC", decimals: 6, address: f.tokens.loan, homeToken: f.tokens.loan, kind: "native" },
          ],
          morpho: {
            protocol: PROTOCOL,
            name: "Morpho Blue (fixture)",
            address: f.blue.morpho,
            startBlock: f.blue.startBlock,
            adaptiveCurveIrm: f.blue.irm,
            markets: markets.map((m) => ({
              id: m.id,
              name: m.name,
              ...m.params,
              lltv: m.params.lltv.toString(),
            })),
          },
        },
      ],
    });
    ponder = await startPonder({
      net: {
        env: {
          DEPLOYMENT_FILE: deploymentFile,
          [`${network.toUpperCase().replace(/-/g, "_")}_RPC_URL`]: f.anvil.rpcUrl,
          // Not 100 ms: Ponder's RPC limiter starts at 20 requests/s (node_modules/ponder/src/rpc,
          // INITIAL_MAX_RPS) and polling every 100 ms spends half of it, so fetching the blocks behind
          // waited for the next second. With 250 ms a checkpoint waited 0.64 s on average, with 100 ms 1.1 s.
          INDEXER_POLLING_MS: process.env.MORPHO_PROPERTY_POLLING_MS ?? "250",
        },
      },
      schema: "morpho_properties",
      databaseUrl: serverUrl(database),
    });
    await ponder.waitReady(120_000);
    // An idle automined chain mines nothing until the next transaction, and viem's
    // waitForTransactionReceipt re-checks only on a new block (see harness/aaveProperty.ts): an empty
    // block every second unblocks it; reads stay pinned to the checkpoint's block.
    ticker = setInterval(() => void f.testClient.mine({ blocks: 1 }).catch(() => undefined), 1000);
  } catch (error) {
    await stop();
    throw error;
  }
  const context: MorphoActionContext = {
    ...f,
    markets,
    users: [f.lender, ...f.borrowers],
    feeRecipients: [f.feeRecipient, f.wallet(8).account.address],
  };
  return buildRig(f, ponder, context, options, stop);
}

function buildRig(
  f: MorphoFixture,
  ponder: PonderProcess,
  context: MorphoActionContext,
  options: MorphoPropertyOptions,
  stop: (ponderLog?: string) => Promise<void>,
) {
  const stats: MorphoPropertyStats = {
    sequences: 0,
    applied: 0,
    skipped: 0,
    kinds: {},
    skipReasons: {},
    badDebtLiquidations: 0,
    checkpoints: 0,
    positions: 0,
    healthyBorrowers: 0,
    liquidatableBorrowers: 0,
    actionMs: 0,
    checkpointMs: 0,
    waitMs: 0,
  };

  async function waitIndexed(blockNumber: bigint): Promise<void> {
    const { blocksBehind, waitedMs: waited } = await waitPonderIndexed(ponder, blockNumber);
    stats.waitMs += waited;
    if (options.trace) console.log(`wait ${blocksBehind} blocks behind: ${waited.toFixed(0)} ms`);
  }

  async function indexedRows() {
    const body = await ponder.graphql<{
      morphoMarkets: { items: MarketItem[] };
      morphoPositions: { items: PositionItem[] };
      priceSources: { items: { proxy: string; answer: string | null }[] };
    }>(
      `{ morphoMarkets(limit: 100) { items { id totalSupplyAssets totalSupplyShares totalBorrowAssets
           totalBorrowShares lastUpdate fee rateAtTarget lltv collateralFeed loanFeed oracleScaleFactor } }
         morphoPositions(limit: 1000) { items { market user supplyShares borrowShares collateral } }
         priceSources(limit: 100) { items { proxy answer } } }`,
    );
    if (body.errors) throw new Error(JSON.stringify(body.errors));
    return body.data!;
  }

  /** Morpho's answer at `blockNumber` to a 1-share liquidation of `user`: null when it would go through. */
  async function liquidationRefusal(market: RigMarket, user: Address, blockNumber: bigint) {
    try {
      await f.publicClient.simulateContract({
        account: f.liquidator.account,
        address: f.blue.morpho,
        abi: morphoAbi,
        functionName: "liquidate",
        args: [market.params, user, 0n, 1n, "0x"],
        blockNumber,
      });
      return null;
    } catch (error) {
      return revertReason(error) ?? String(error);
    }
  }

  /** What Morpho charges at `blockNumber` to repay all of `user`'s shares: its borrowed assets, rounded up. */
  async function repayAllAssets(market: RigMarket, user: Address, shares: bigint, blockNumber: bigint) {
    const { result } = await f.publicClient.simulateContract({
      account: f.liquidator.account,
      address: f.blue.morpho,
      abi: morphoAbi,
      functionName: "repay",
      args: [market.params, 0n, shares, user, "0x"],
      blockNumber,
    });
    return result[0];
  }

  async function compareMarket(
    market: RigMarket,
    block: Block<bigint, false, "latest">,
    rows: Awaited<ReturnType<typeof indexedRows>>,
  ) {
    const at = { blockNumber: block.number };
    const [onChain, rateAtTarget, price] = await Promise.all([
      f.publicClient.readContract({
        address: f.blue.morpho,
        abi: morphoAbi,
        functionName: "market",
        args: [market.id],
        ...at,
      }),
      f.publicClient.readContract({
        address: f.blue.irm,
        abi: adaptiveCurveIrmAbi,
        functionName: "rateAtTarget",
        args: [market.id],
        ...at,
      }),
      f.publicClient.readContract({
        address: market.params.oracle,
        abi: chainlinkMorphoOracleAbi,
        functionName: "price",
        ...at,
      }),
    ]);
    const label = `${market.name} at block ${block.number}`;
    const row = rows.morphoMarkets.items.find((m) => m.id === `${PROTOCOL}:${market.id.toLowerCase()}`);
    if (!row) throw new IndexedMismatchError(`${label}: market not indexed`);
    const indexed: MorphoMarketState = {
      totalSupplyAssets: BigInt(row.totalSupplyAssets),
      totalSupplyShares: BigInt(row.totalSupplyShares),
      totalBorrowAssets: BigInt(row.totalBorrowAssets),
      totalBorrowShares: BigInt(row.totalBorrowShares),
      lastUpdate: BigInt(row.lastUpdate),
      fee: BigInt(row.fee),
    };
    same(`${label}: market(id)`, indexed, {
      totalSupplyAssets: onChain[0],
      totalSupplyShares: onChain[1],
      totalBorrowAssets: onChain[2],
      totalBorrowShares: onChain[3],
      lastUpdate: onChain[4],
      fee: onChain[5],
    });
    same(`${label}: rateAtTarget`, row.rateAtTarget, BigInt(rateAtTarget).toString());
    const answer = (feed: string | null) => {
      const source = rows.priceSources.items.find((s) => s.proxy === feed);
      return source?.answer === null || source?.answer === undefined ? null : BigInt(source.answer);
    };
    const indexedPrice = chainlinkMorphoOraclePrice({
      collateralAnswer: answer(row.collateralFeed),
      loanAnswer: answer(row.loanFeed),
      hasLoanFeed: row.loanFeed !== null,
      scaleFactor: BigInt(row.oracleScaleFactor ?? 0),
    });
    same(`${label}: oracle price`, indexedPrice, price);
    const accrued = accrueMorphoInterest(indexed, BigInt(row.rateAtTarget ?? 0), block.timestamp).market;
    const holders = new Set<string>([
      ...context.users.map((u) => u.account.address.toLowerCase()),
      f.liquidator.account.address.toLowerCase(),
      ...context.feeRecipients.map((a) => a.toLowerCase()),
      ...rows.morphoPositions.items.filter((p) => p.market === row.id).map((p) => p.user),
    ]);
    await Promise.all(
      [...holders].map(async (user) => {
        const [supplyShares, borrowShares, collateral] = await f.publicClient.readContract({
          address: f.blue.morpho,
          abi: morphoAbi,
          functionName: "position",
          args: [market.id, user as Address],
          ...at,
        });
        const item = rows.morphoPositions.items.find((p) => p.market === row.id && p.user === user);
        const position = {
          supplyShares: BigInt(item?.supplyShares ?? 0),
          borrowShares: BigInt(item?.borrowShares ?? 0),
          collateral: BigInt(item?.collateral ?? 0),
        };
        same(`${label}: position(${user})`, position, { supplyShares, borrowShares, collateral });
        stats.positions++;
        if (position.borrowShares === 0n) return;
        // The engine's view, from indexed rows only: accrued to the block's time, priced by indexed answers.
        const health = morphoPositionHealth(position, accrued, indexedPrice!, market.params.lltv);
        const [charged, refusal] = await Promise.all([
          repayAllAssets(market, user as Address, position.borrowShares, block.number),
          liquidationRefusal(market, user as Address, block.number),
        ]);
        same(`${label}: borrowed assets of ${user}`, health.borrowedAssets, charged);
        same(`${label}: liquidation of ${user}`, health.healthy ? "position is healthy" : null, refusal);
        if (health.healthy) stats.healthyBorrowers++;
        else stats.liquidatableBorrowers++;
      }),
    );
  }

  /** Compares every market and holder at a settled block. */
  async function checkpoint(): Promise<void> {
    const t0 = performance.now();
    const block = await settledBlock(f.publicClient, f.testClient);
    await waitIndexed(block.number);
    const rows = await indexedRows();
    for (const market of context.markets) await compareMarket(market, block, rows);
    stats.checkpoints++;
    stats.checkpointMs += performance.now() - t0;
  }

  /** Runs one sequence from the fixture's prices, checkpointing as configured; throws on the first mismatch. */
  async function runSequence(actions: MorphoAction[]): Promise<void> {
    await setPrice(context, "collateral", INITIAL_COLLATERAL_ANSWER);
    await setPrice(context, "loan", INITIAL_LOAN_ANSWER);
    for (const [i, action] of actions.entries()) {
      const t0 = performance.now();
      const outcome = await applyMorphoAction(context, action);
      stats.actionMs += performance.now() - t0;
      if (outcome.status === "applied") {
        stats.applied++;
        stats.kinds[action.kind] = (stats.kinds[action.kind] ?? 0) + 1;
        if (outcome.badDebt) stats.badDebtLiquidations++;
      } else {
        stats.skipped++;
        const reason = `${action.kind}: ${outcome.reason}`;
        stats.skipReasons[reason] = (stats.skipReasons[reason] ?? 0) + 1;
      }
      if ((i + 1) % options.checkEvery === 0 || i === actions.length - 1) await checkpoint();
    }
    stats.sequences++;
  }

  return { f, ponder, stats, context, checkpoint, runSequence, stop };
}
