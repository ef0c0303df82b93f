import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { drizzle } from "drizzle-orm/node-postgres";
import fc from "fast-check";
import pg from "pg";
import { type Address, createPublicClient, createWalletClient, erc20Abi, http, maxUint256 } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { morphoAbi, quoterV2Abi, swapRouterAbi, uniswapV3PoolAbi } from "../../contracts/generated/index.js";
import { transact } from "../../deploy/transact.js";
import { freePort } from "../../devnet/anvil.js";
import { revertName } from "../../harness/aaveTx.js";
import { type PonderProcess, startPonder } from "../../harness/ponderProcess.js";
import { type ChainDeployment, type Deployment, readDeployment } from "../../lib/deployments.js";
import { devnetKeys } from "../../lib/devnet/accounts.js";
import * as aaveTables from "../../lib/indexerSchema/aave.js";
import * as externalBridgeTables from "../../lib/indexerSchema/externalBridges.js";
import * as morphoTables from "../../lib/indexerSchema/morpho.js";
import * as priceTables from "../../lib/indexerSchema/prices.js";
import * as transferTables from "../../lib/indexerSchema/transfers.js";
import * as uniswapTables from "../../lib/indexerSchema/uniswap.js";
import { type IndexerDb, readIndexerRows } from "../../lib/risk/api/provider/indexerRows.js";
import { snapshotFromIndexerRows } from "../../lib/risk/api/provider/snapshotFromRows.js";
import { createRiskYoga } from "../../lib/risk/api/server.js";
import { compileDexPool, tokenPrice } from "../../lib/risk/dexSale.js";
import type { RiskSnapshot } from "../../lib/risk/index.js";
import { quoteExactInput, type UniswapPoolState } from "../../lib/uniswap/swap.js";

/**
 * The devnet's Morpho Blue markets and Uniswap v3 pools (deploy/system.ts, seeded by devnet/seed.ts) as
 * `npm start` indexes them: the devnet is started without services, then one `ponder start` on its
 * deployments file. Every market and every seeded position must be indexed with Morpho's own figures,
 * and each market's oracle feeds must be the Chainlink proxies the chain's Aave market reads. Every pool
 * must be indexed with the pool's own slot0, liquidity and ticks, and the cascade's swap math over the
 * indexed state must quote what QuoterV2 quotes at the same block.
 */

function databaseUrl(database?: string): string {
  const url = new URL(process.env.DATABASE_URL ?? "postgresql://127.0.0.1:5432/test");
  if (!url.username) url.username = process.env.PGUSER || process.env.USER || userInfo().username;
  if (database) url.pathname = `/${database}`;
  return url.toString();
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl() });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

const database = `morphodev_${process.pid}_${Date.now().toString(36)}`;
const deploymentFile = join(mkdtempSync(join(tmpdir(), "morpho-devnet-")), "devnet.json");
const rpcUrls: string[] = [];
let devnet: ChildProcess;
let ponder: PonderProcess | undefined;
let deployment: Deployment;
let output = "";

beforeAll(async () => {
  await admin(`CREATE DATABASE "${database}"`);
  for (let i = 0; i < 3; i++) rpcUrls.push(`http://127.0.0.1:${await freePort()}`);
  const env = {
    DEVNET_A_RPC_URL: rpcUrls[0]!,
    DEVNET_B_RPC_URL: rpcUrls[1]!,
    DEVNET_C_RPC_URL: rpcUrls[2]!,
    DEPLOYMENT_FILE: deploymentFile,
  };
  devnet = spawn(process.execPath, ["--enable-source-maps", "dist/devnet/main.js"], {
    cwd: join(import.meta.dirname, "../.."),
    env: { ...process.env, ...env, DEVNET_SERVICES: "none" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  devnet.stdout?.on("data", (chunk) => {
    output += chunk.toString();
  });
  devnet.stderr?.on("data", (chunk) => {
    output += chunk.toString();
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (output.includes("Ctrl-C stops everything")) {
        clearInterval(timer);
        resolve();
      } else if (devnet.exitCode !== null) {
        clearInterval(timer);
        reject(new Error(`devnet exited early:\n${output}`));
      }
    }, 100);
  });
  deployment = readDeployment(deploymentFile);
  ponder = await startPonder({ net: { env }, schema: "morpho_devnet", databaseUrl: databaseUrl(database) });
  await ponder.waitReady(180_000);
}, 300_000);

afterAll(async () => {
  await ponder?.kill();
  if (devnet && devnet.exitCode === null) {
    devnet.kill("SIGINT");
    await new Promise((resolve) => devnet.once("exit", resolve));
  }
  await admin(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
});

type MarketItem = {
  id: string;
  protocol: string;
  collateralSymbol: string | null;
  loanSymbol: string | null;
  totalSupplyAssets: string;
  totalBorrowAssets: string;
  totalBorrowShares: string;
  collateralFeed: string | null;
  loanFeed: string | null;
};
type PositionItem = {
  market: string;
  user: string;
  supplyShares: string;
  borrowShares: string;
  collateral: string;
};

/** Waits until Ponder has indexed every chain in `blocks` up to its block. */
async function waitIndexed(blocks: Map<number, bigint>): Promise<void> {
  for (let waited = 0; ; waited++) {
    const status = (await (await fetch(`${ponder!.url}/status`)).json()) as Record<
      string,
      { id: number; block: { number: number } }
    >;
    const behind = [...blocks].filter(
      ([chainId, block]) =>
        (Object.values(status).find((s) => s.id === chainId)?.block.number ?? -1) < Number(block),
    );
    if (behind.length === 0) return;
    if (waited > 1200) throw new Error(`chains ${behind.map(([id]) => id)} not indexed within 120 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const clientOf = (chain: ChainDeployment) =>
  createPublicClient({ transport: http(rpcUrls[deployment.chains.indexOf(chain)]) });

describe("npm start indexes the devnet's Morpho Blue markets", () => {
  it("every market and seeded position, with Morpho's figures, priced over the Aave market's proxies", async () => {
    // Wait until every remote chain is indexed past a settled block, then compare at that block.
    const settled = new Map<number, bigint>();
    for (const chain of deployment.chains.filter((c) => c.morpho)) {
      settled.set(chain.chainId, (await clientOf(chain).getBlockNumber({ cacheTime: 0 })) - 1n);
    }
    await waitIndexed(settled);
    const body = await ponder!.graphql<{
      morphoMarkets: { items: MarketItem[] };
      morphoPositions: { items: PositionItem[] };
    }>(`{ morphoMarkets(limit: 100) { items { id protocol collateralSymbol loanSymbol totalSupplyAssets
          totalBorrowAssets totalBorrowShares collateralFeed loanFeed } }
          morphoPositions(limit: 1000) { items { market user supplyShares borrowShares collateral } } }`);
    expect(body.errors).toBeUndefined();
    const { morphoMarkets, morphoPositions } = body.data!;
    expect(
      morphoMarkets.items.map((m) => `${m.protocol} ${m.collateralSymbol}/${m.loanSymbol}`).sort(),
    ).toEqual([
      "morpho-b pWETH/DAI",
      "morpho-b sUSDC/DAI",
      "morpho-b wUSDC/DAI",
      "morpho-b wWETH/DAI",
      "morpho-c pWETH/DAI",
      "morpho-c sUSDC/DAI",
      "morpho-c wUSDC/DAI",
      "morpho-c wWETH/DAI",
    ]);
    let borrowers = 0;
    for (const chain of deployment.chains.filter((c) => c.morpho)) {
      const client = clientOf(chain);
      const blockNumber = settled.get(chain.chainId)!;
      const proxies = new Map(
        chain.aaveMarkets[0]!.priceSources.map((s) => [s.symbol, s.proxy.toLowerCase()]),
      );
      for (const m of chain.morpho!.markets) {
        const row = morphoMarkets.items.find((r) => r.id === `${chain.morpho!.protocol}:${m.id}`)!;
        // pWETH and sUSDC (minted by the other two bridges) are priced by wWETH's and wUSDC's proxies.
        const sameAs: Record<string, string> = { pWETH: "wWETH", sUSDC: "wUSDC" };
        expect([row.collateralFeed, row.loanFeed]).toEqual([
          proxies.get(sameAs[row.collateralSymbol!] ?? row.collateralSymbol!),
          proxies.get("DAI"),
        ]);
        // Indexed rows may be ahead of the settled block only by blocks without Morpho events: the
        // devnet runs no traffic here, so they equal the storage at the settled block.
        const totals = await client.readContract({
          address: chain.morpho!.address,
          abi: morphoAbi,
          functionName: "market",
          args: [m.id],
          blockNumber,
        });
        expect([row.totalSupplyAssets, row.totalBorrowAssets, row.totalBorrowShares]).toEqual([
          totals[0].toString(),
          totals[2].toString(),
          totals[3].toString(),
        ]);
        const positions = morphoPositions.items.filter((p) => p.market === row.id);
        expect(positions.length).toBeGreaterThan(1);
        for (const p of positions) {
          const [supplyShares, borrowShares, collateral] = await client.readContract({
            address: chain.morpho!.address,
            abi: morphoAbi,
            functionName: "position",
            args: [m.id, p.user as Address],
            blockNumber,
          });
          expect({
            user: p.user,
            supplyShares: p.supplyShares,
            borrowShares: p.borrowShares,
            collateral: p.collateral,
          }).toEqual({
            user: p.user,
            supplyShares: supplyShares.toString(),
            borrowShares: borrowShares.toString(),
            collateral: collateral.toString(),
          });
          if (borrowShares > 0n) borrowers++;
        }
      }
    }
    // Six wWETH borrowers, two wUSDC borrowers, one pWETH and one sUSDC borrower on each of the two chains.
    expect(borrowers).toBe(20);
  }, 120_000);
});

type PoolItem = {
  id: string;
  chainId: number;
  address: string;
  fee: number;
  tickSpacing: number;
  sqrtPriceX96: string | null;
  tick: number | null;
  liquidity: string;
};
type TickItem = { pool: string; tick: number; liquidityGross: string; liquidityNet: string };

/**
 * Sells through a pool with the deployer's leftover seed tokens (SwapRouter, as a user would), so the
 * indexed state has been moved by swaps that cross initialized ticks in both directions.
 */
async function swap(
  chain: ChainDeployment,
  tokenIn: Address,
  tokenOut: Address,
  fee: number,
  amountIn: bigint,
) {
  const account = privateKeyToAccount(devnetKeys.deployer);
  const transport = http(rpcUrls[deployment.chains.indexOf(chain)]);
  const clients = {
    publicClient: createPublicClient({ transport }),
    walletClient: createWalletClient({ account, transport }),
  };
  const router = chain.uniswap!.router;
  await transact(
    clients as never,
    { address: tokenIn, abi: erc20Abi, functionName: "approve", args: [router, maxUint256] },
    "approve router",
  );
  const block = await clients.publicClient.getBlock();
  await transact(
    clients as never,
    {
      address: router,
      abi: swapRouterAbi,
      functionName: "exactInputSingle",
      args: [
        {
          tokenIn,
          tokenOut,
          fee,
          recipient: account.address,
          deadline: block.timestamp + 3600n,
          amountIn,
          amountOutMinimum: 0n,
          sqrtPriceLimitX96: 0n,
        },
      ],
    },
    "exactInputSingle",
  );
}

describe("npm start indexes the devnet's Uniswap v3 pools", () => {
  it("slot0, liquidity and ticks equal the pools', and quotes over the indexed state equal QuoterV2's", async () => {
    const chains = deployment.chains.filter((c) => c.uniswap);
    expect(chains.map((c) => c.uniswap!.pools.length)).toEqual([2, 2]);
    // Swaps both ways through every pool, each larger than the narrowest range holds.
    for (const chain of chains) {
      const token = (symbol: string) => chain.tokens.find((t) => t.symbol === symbol)!.address;
      const dai = token("DAI");
      for (const pool of chain.uniswap!.pools) {
        const asset = pool.token0 === dai ? pool.token1 : pool.token0;
        const [sell, buyBack] =
          asset === token("wWETH")
            ? [40n * 10n ** 18n, 150_000n * 10n ** 18n]
            : [400_000n * 10n ** 6n, 200_000n * 10n ** 18n];
        await swap(chain, asset, dai, pool.fee, sell);
        await swap(chain, dai, asset, pool.fee, buyBack);
      }
    }
    const settled = new Map<number, bigint>();
    for (const chain of chains)
      settled.set(chain.chainId, (await clientOf(chain).getBlockNumber({ cacheTime: 0 })) - 1n);
    await waitIndexed(settled);
    const body = await ponder!.graphql<{
      uniswapPools: { items: PoolItem[] };
      uniswapTicks: { items: TickItem[] };
    }>(
      `{ uniswapPools(limit: 100) { items { id chainId address fee tickSpacing sqrtPriceX96 tick liquidity } }
         uniswapTicks(limit: 1000) { items { pool tick liquidityGross liquidityNet } } }`,
    );
    expect(body.errors).toBeUndefined();
    const { uniswapPools, uniswapTicks } = body.data!;
    expect(uniswapPools.items).toHaveLength(4);

    const states: { chain: ChainDeployment; pool: PoolItem; state: UniswapPoolState; blockNumber: bigint }[] =
      [];
    let crossed = 0;
    for (const chain of chains) {
      const client = clientOf(chain);
      const blockNumber = settled.get(chain.chainId)!;
      for (const listed of chain.uniswap!.pools) {
        const row = uniswapPools.items.find((p) => p.address === listed.address.toLowerCase())!;
        const read = (functionName: string, args: readonly unknown[] = []) =>
          client.readContract({
            address: listed.address,
            abi: uniswapV3PoolAbi,
            functionName,
            args,
            blockNumber,
          } as never);
        const slot0 = (await read("slot0")) as readonly [bigint, number, ...unknown[]];
        expect({ sqrtPriceX96: row.sqrtPriceX96, tick: row.tick, liquidity: row.liquidity }).toEqual({
          sqrtPriceX96: slot0[0].toString(),
          tick: Number(slot0[1]),
          liquidity: ((await read("liquidity")) as bigint).toString(),
        });
        const ticks = uniswapTicks.items.filter((t) => t.pool === row.id);
        expect(ticks.length).toBeGreaterThanOrEqual(4);
        for (const t of ticks) {
          const info = (await read("ticks", [t.tick])) as readonly [bigint, bigint, ...unknown[]];
          expect({ tick: t.tick, gross: t.liquidityGross, net: t.liquidityNet }).toEqual({
            tick: t.tick,
            gross: info[0].toString(),
            net: info[1].toString(),
          });
        }
        states.push({
          chain,
          pool: row,
          blockNumber,
          state: {
            sqrtPriceX96: BigInt(row.sqrtPriceX96!),
            tick: row.tick!,
            liquidity: BigInt(row.liquidity),
            fee: row.fee,
            tickSpacing: row.tickSpacing,
            ticks: ticks
              .filter((t) => BigInt(t.liquidityGross) > 0n)
              .map((t) => ({ tick: t.tick, liquidityNet: BigInt(t.liquidityNet) })),
          },
        });
      }
    }

    // Random sells on the indexed state against QuoterV2 at the same block: from dust to far beyond
    // every range (the pool runs out: the quote then says how much it could take).
    const counts = { quotes: 0, exhausted: 0, refused: 0, ticksCrossed: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: states.length - 1 }),
        fc.boolean(),
        fc.integer({ min: 0, max: 25 }),
        fc.integer({ min: 1, max: 9 }),
        async (p, zeroForOne, exponent, mantissa) => {
          const { chain, pool, state, blockNumber } = states[p]!;
          const listed = chain.uniswap!.pools.find((l) => l.address.toLowerCase() === pool.address)!;
          const amountIn = BigInt(mantissa) * 10n ** BigInt(exponent);
          const [tokenIn, tokenOut] = zeroForOne
            ? [listed.token0, listed.token1]
            : [listed.token1, listed.token0];
          const quote = clientOf(chain).simulateContract({
            address: chain.uniswap!.quoter,
            abi: quoterV2Abi,
            functionName: "quoteExactInputSingle",
            args: [{ tokenIn, tokenOut, amountIn, fee: pool.fee, sqrtPriceLimitX96: 0n }],
            blockNumber,
          });
          const ours = quoteExactInput(state, zeroForOne, amountIn);
          if (ours.amountIn === 0n) {
            expect(await revertName(quote)).toBeDefined();
            counts.refused++;
            return;
          }
          const { result } = await quote;
          expect({ amountOut: result[0], sqrtPriceX96After: result[1] }).toEqual({
            amountOut: ours.amountOut,
            sqrtPriceX96After: ours.sqrtPriceX96After,
          });
          counts.quotes++;
          counts.ticksCrossed += ours.initializedTicksCrossed;
          if (ours.exhausted) counts.exhausted++;
        },
      ),
      { numRuns: 120 },
    );
    crossed = counts.ticksCrossed;
    console.log(`devnet uniswap quotes: ${JSON.stringify(counts)}`);
    expect(crossed).toBeGreaterThan(0);
    expect(counts.exhausted).toBeGreaterThan(0);
  }, 300_000);
});

type DexSaleItem = {
  chainId: number;
  token: string;
  symbol: string;
  source: string;
  pool: string | null;
  seizedTokens: number;
  amountOffered: string | null;
  amountIn: string | null;
  amountOut: string | null;
  poolPriceBefore: number | null;
  poolPriceReached: number | null;
  ticksCrossed: number;
  exhausted: boolean;
};

/** The risk provider's own read of the indexer's tables (Ponder's schema on the search path). */
async function readSnapshot() {
  const pool = new pg.Pool({
    connectionString: databaseUrl(database),
    options: "-c search_path=morpho_devnet",
  });
  try {
    const db = drizzle(pool, { casing: "snake_case" }) as unknown as IndexerDb;
    const tables = {
      ...aaveTables,
      ...externalBridgeTables,
      ...morphoTables,
      ...priceTables,
      ...transferTables,
      ...uniswapTables,
    };
    return snapshotFromIndexerRows(deployment, await readIndexerRows(db, tables));
  } finally {
    await pool.end();
  }
}

async function riskQuery<T>(
  snapshot: RiskSnapshot,
  query: string,
): Promise<{ data?: T; errors?: unknown[] }> {
  const yoga = createRiskYoga({ getSnapshot: async () => snapshot });
  const res = await yoga.fetch(
    new Request("http://risk.test/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({ query }),
    }),
  );
  return (await res.json()) as { data?: T; errors?: unknown[] };
}

describe("npm start shows three bridges: this one, its second instance and an external lock/mint bridge", () => {
  it("indexes each described bridge's custody and minted supply as the chains hold them", async () => {
    expect(deployment.externalBridges.map((b) => b.id)).toEqual(["portal", "canonical-2"]);
    const settled = new Map<number, bigint>();
    for (const chain of deployment.chains)
      settled.set(chain.chainId, await clientOf(chain).getBlockNumber({ cacheTime: 0 }));
    await waitIndexed(settled);
    const snapshot = await readSnapshot();
    for (const bridge of deployment.externalBridges) {
      const backing = snapshot.bridges.find((b) => b.id === bridge.id)!;
      const asset = bridge.assets[0]!;
      const home = deployment.chains.find((c) => c.chainId === bridge.homeChainId)!;
      // No traffic runs here: the chains' state now is the state at the indexed blocks.
      const locked = await clientOf(home).readContract({
        address: asset.homeToken,
        abi: erc20Abi,
        functionName: "balanceOf",
        args: [bridge.lockContract],
      });
      expect(locked).toBeGreaterThan(0n);
      const supplies = await Promise.all(
        asset.minted.map(async (m) => ({
          chainId: m.chainId,
          wrappedToken: m.token.toLowerCase(),
          supply: await clientOf(deployment.chains.find((c) => c.chainId === m.chainId)!).readContract({
            address: m.token,
            abi: erc20Abi,
            functionName: "totalSupply",
          }),
        })),
      );
      expect(backing.assets).toEqual([
        { asset: asset.homeToken.toLowerCase(), lockedOnHome: locked, remoteSupply: supplies, inFlight: 0n },
      ]);
    }
  }, 120_000);

  it("the exposure matrix has every bridge, and a failure of each answers per protocol", async () => {
    const snapshot = await readSnapshot();
    type Exposure = {
      protocol: { id: string };
      bridges: { bridge: { id: string }; collateralUsd: number }[];
    };
    const matrix = await riskQuery<{ exposureMatrix: Exposure[] }>(
      snapshot,
      "{ exposureMatrix { protocol { id } bridges { bridge { id } collateralUsd } } }",
    );
    expect(matrix.errors).toBeUndefined();
    const bridgesOf = (protocol: string) =>
      matrix
        .data!.exposureMatrix.find((p) => p.protocol.id === protocol)!
        .bridges.filter((b) => b.collateralUsd > 0)
        .map((b) => b.bridge.id)
        .sort();
    // Morpho holds pWETH (Portal), sUSDC (second instance) and wWETH/wUSDC (this bridge); Aave lists only
    // this bridge's tokens.
    for (const protocol of ["morpho-b", "morpho-c"])
      expect(bridgesOf(protocol)).toEqual(["canonical", "canonical-2", "portal"]);
    for (const protocol of ["aave-b", "aave-c"]) expect(bridgesOf(protocol)).toEqual(["canonical"]);

    type Failure = { protocols: { protocol: { id: string }; liquidatableDebtUsd: number }[] };
    for (const bridge of ["portal", "canonical-2"]) {
      const failure = await riskQuery<{ stressTest: Failure }>(
        snapshot,
        `{ stressTest(scenario: { bridgeFailure: { bridge: "${bridge}", recovery: 0 } }) {
            ... on BridgeFailureResult { protocols { protocol { id } liquidatableDebtUsd } } } }`,
      );
      expect(failure.errors).toBeUndefined();
      const losses = new Map(
        failure.data!.stressTest.protocols.map((p) => [p.protocol.id, p.liquidatableDebtUsd] as const),
      );
      // Its token worth nothing leaves its borrower's whole debt liquidatable; Aave holds none of it.
      expect(losses.get("morpho-b"), bridge).toBeGreaterThan(0);
      expect(losses.get("morpho-c"), bridge).toBeGreaterThan(0);
      expect(losses.get("aave-b") ?? 0, bridge).toBe(0);
    }
  }, 60_000);
});

describe("the risk API's cascade sells through the indexed Uniswap v3 pools", () => {
  it("stressTest's per-market DEX figures equal QuoterV2's for the same sale at the snapshot's block", async () => {
    const snapshot = await readSnapshot();
    expect(snapshot.dexPools?.length).toBe(4);
    const yoga = createRiskYoga({ getSnapshot: async () => snapshot });
    const res = await yoga.fetch(
      new Request("http://risk.test/graphql", {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify({
          query: `{ stressTest(scenario: { priceShock: { shock: 0.6 } }) { ... on PriceShockResult {
            liquidatedPositions dexSales { chainId token symbol source pool seizedTokens amountOffered amountIn amountOut
              poolPriceBefore poolPriceReached ticksCrossed exhausted } } } }`,
        }),
      }),
    );
    const body = (await res.json()) as {
      data?: { stressTest: { liquidatedPositions: number; dexSales: DexSaleItem[] } };
      errors?: unknown[];
    };
    expect(body.errors).toBeUndefined();
    const sales = body.data!.stressTest.dexSales.filter(
      (s) => s.source === "UNISWAP_V3" && s.amountOffered !== "0",
    );
    expect(body.data!.stressTest.liquidatedPositions).toBeGreaterThan(0);
    expect(sales.length).toBeGreaterThan(0);
    for (const sale of sales) {
      const chain = deployment.chains.find((c) => c.chainId === sale.chainId)!;
      const dexPool = snapshot.dexPools!.find((p) => p.chainId === sale.chainId && p.address === sale.pool)!;
      const dex = compileDexPool(dexPool);
      const blockNumber = snapshot.asOf.blockTimestamps.find((b) => b.chainId === sale.chainId)!.blockNumber!;
      const { result } = await clientOf(chain).simulateContract({
        address: chain.uniswap!.quoter,
        abi: quoterV2Abi,
        functionName: "quoteExactInputSingle",
        args: [
          {
            tokenIn: dexPool.token as Address,
            tokenOut: (dex.zeroForOne ? dexPool.token1 : dexPool.token0) as Address,
            amountIn: BigInt(sale.amountOffered!),
            fee: dexPool.fee,
            // An exhausted sale stops at the edge of the liquidity; short of it no limit applies.
            sqrtPriceLimitX96: sale.exhausted ? dex.edgeSqrtPriceX96! : 0n,
          },
        ],
        blockNumber,
      });
      // Ticks crossed are not compared: QuoterV2 counts initialized ticks between the two prices
      // (PoolTicksCounter), which differs from the swap's crossings at a range's end; both are printed.
      expect({ amountOut: sale.amountOut, poolPriceReached: sale.poolPriceReached }).toEqual({
        amountOut: result[0].toString(),
        poolPriceReached: tokenPrice(dexPool, dex.zeroForOne, result[1]),
      });
      console.log(
        `cascade sale ${sale.symbol}@${sale.chainId}: ${sale.seizedTokens} seized, out ${sale.amountOut}, price ${sale.poolPriceBefore} -> ${sale.poolPriceReached}, ${sale.ticksCrossed} ticks crossed (QuoterV2 counts ${result[2]}), exhausted ${sale.exhausted}`,
      );
    }
  }, 120_000);
});
