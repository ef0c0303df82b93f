// biome-ignore-all lint/suspicious/noExplicitAny: GraphQL responses are untyped JSON; the assertions check their shape.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Deployment } from "../../lib/deployments.js";
import { dexPoolsFromRows } from "../../lib/risk/api/provider/dexPools.js";
import type { IndexerRows } from "../../lib/risk/api/provider/indexerRows.js";
import { createRiskYoga } from "../../lib/risk/api/server.js";
import { cascadePass, planCascade } from "../../lib/risk/cascadePass.js";
import { compileDexPool, sellSeizedCollateral, tokenPrice } from "../../lib/risk/dexSale.js";
import {
  compileRiskBook,
  HF_EPSILON,
  liquidateBook,
  priceShockCascade,
  type RiskDexPool,
  type RiskPosition,
  type RiskSnapshot,
  shockedPrices,
} from "../../lib/risk/index.js";
import { seizeAt, seizureCurves } from "../../lib/risk/seizureCurves.js";
import { quoteExactInput } from "../../lib/uniswap/swap.js";
import { getSqrtRatioAtTick } from "../../lib/uniswap/tickMath.js";
import { NOW, RAY, units } from "./fixtures.js";
import { referenceCascade } from "./referenceCascade.js";

/** The totals a cascade reports that must equal liquidateBook's at the same prices. */
const CASCADE_FIGURES = [
  "initialDebtUsd",
  "repaidUsd",
  "seizedCollateralUsd",
  "badDebtUsd",
  "remainingDebtUsd",
  "liquidatedPositions",
] as const;

const HOME = 31337;
const CHAIN = 31338;
const X = "0x00000000000000000000000000000000000000e1";
const BRIDGE = "0x00000000000000000000000000000000000000b1";
/** The wrapped token sold (address sorts below DAI: token0) and the stablecoin. */
const WX = "0x00000000000000000000000000000000000000a1";
const DAI = "0x00000000000000000000000000000000000000d1";
/** A second wrapped market on the same chain that only has constant-product depth. */
const WY = "0x00000000000000000000000000000000000000a2";
const SPACING = 60;

type Range = { lower: number; upper: number; liquidity: bigint };

/**
 * A wX/DAI pool at 2000 DAI per wX (both 18 decimals) with liquidity in several ranges on both sides of
 * the price; `soldIsToken0 = false` swaps the roles so the sale runs oneForZero.
 */
function poolAt(soldIsToken0: boolean, scale = 1n): RiskDexPool {
  const raw = soldIsToken0 ? 2000 : 1 / 2000;
  const tick = Math.round(Math.log(raw) / Math.log(1.0001));
  const c = Math.floor(tick / SPACING) * SPACING;
  const ranges: Range[] = [
    { lower: c - 600, upper: c + 600, liquidity: 5n * 10n ** 22n * scale },
    { lower: c - 3000, upper: c - 600, liquidity: 3n * 10n ** 22n * scale },
    { lower: c - 6000, upper: c - 3000, liquidity: 10n ** 22n * scale },
    { lower: c + 600, upper: c + 3000, liquidity: 3n * 10n ** 22n * scale },
    { lower: c + 3000, upper: c + 6000, liquidity: 10n ** 22n * scale },
  ];
  const net = new Map<number, bigint>();
  for (const r of ranges) {
    net.set(r.lower, (net.get(r.lower) ?? 0n) + r.liquidity);
    net.set(r.upper, (net.get(r.upper) ?? 0n) - r.liquidity);
  }
  const token0 = soldIsToken0 ? WX : DAI;
  const token1 = soldIsToken0 ? DAI : WX;
  return {
    chainId: CHAIN,
    address: "0x00000000000000000000000000000000000000f1",
    token0,
    token1,
    token: WX,
    tokenDecimals: 18,
    quoteDecimals: 18,
    sqrtPriceX96: getSqrtRatioAtTick(tick),
    tick,
    liquidity: ranges.filter((r) => r.lower <= tick && tick < r.upper).reduce((s, r) => s + r.liquidity, 0n),
    fee: 3000,
    tickSpacing: SPACING,
    ticks: [...net].map(([t, liquidityNet]) => ({ tick: t, liquidityNet })),
  };
}

/** Borrowers of DAI against wX (and a few against wY), from (collateral, health factor) pairs. */
function snapshotWith(
  borrowers: { wx: number; hf: number }[],
  pool: RiskDexPool | null,
  wyDepth: bigint | null = units(50, 18),
): RiskSnapshot {
  const reserve = (asset: string, symbol: string, priceUsd: number, lt: number) => ({
    asset,
    symbol,
    underlyingAsset: asset === DAI ? null : X,
    bridge: asset === DAI ? null : BRIDGE,
    priceUsd,
    decimals: 18,
    ltv: lt - 500,
    liquidationThreshold: lt,
    liquidationBonus: 10500,
    liquidityIndex: RAY,
    variableBorrowIndex: RAY,
    poolLiquidity: asset === WY ? wyDepth : null,
  });
  const positions: RiskPosition[] = borrowers.map((b, i) => ({
    user: `0x${(i + 1).toString(16).padStart(40, "0")}`,
    reserves: [
      {
        asset: i % 5 === 4 ? WY : WX,
        scaledCollateral: units(b.wx.toFixed(6), 18),
        scaledDebt: 0n,
        usedAsCollateral: true,
      },
      {
        asset: DAI,
        scaledCollateral: 0n,
        scaledDebt: units(((b.wx * 2000 * 0.8) / b.hf).toFixed(6), 18),
        usedAsCollateral: false,
      },
    ],
  }));
  return {
    asOf: { blockTimestamps: [{ chainId: CHAIN, timestamp: NOW }], sources: [] },
    assets: [{ id: X, symbol: "X", decimals: 18, chainId: HOME, priceUsd: 2000, priceUpdatedAt: NOW }],
    bridges: [
      {
        id: BRIDGE,
        name: "main",
        assets: [{ asset: X, lockedOnHome: 0n, remoteSupply: [], inFlight: 0n }],
      },
    ],
    protocols: [
      {
        id: "lend",
        name: "lend",
        chainId: CHAIN,
        reserves: [
          reserve(WX, "wX", 2000, 8000),
          reserve(WY, "wY", 2000, 8000),
          { ...reserve(DAI, "DAI", 1, 0), ltv: 0 },
        ],
        positions,
      },
    ],
    dexPools: pool ? [pool] : [],
  };
}

const borrowersArb = fc.array(
  fc.record({
    wx: fc.double({ min: 0.1, max: 400, noNaN: true }),
    hf: fc.double({ min: 0.7, max: 2, noNaN: true }),
  }),
  { minLength: 1, maxLength: 40 },
);

describe("selling seized collateral through a Uniswap v3 pool", () => {
  for (const soldIsToken0 of [true, false]) {
    const dex = compileDexPool(poolAt(soldIsToken0));
    const edge = dex.edgeSqrtPriceX96!;

    it(`equals swap.ts's quote for the same sale (sold token is token${soldIsToken0 ? 0 : 1})`, () => {
      fc.assert(
        fc.property(fc.double({ min: 1e-6, max: 5e4, noNaN: true }), (tokens) => {
          const sale = sellSeizedCollateral(dex, Number.POSITIVE_INFINITY, tokens);
          const amount = BigInt(Math.floor(tokens * 1e18));
          const limited = quoteExactInput(dex.state, soldIsToken0, amount, edge);
          expect(sale.amountIn).toBe(limited.amountIn);
          expect(sale.amountOut).toBe(limited.amountOut);
          expect(sale.initializedTicksCrossed).toBe(limited.initializedTicksCrossed);
          expect(sale.exhausted).toBe(limited.exhausted);
          expect(sale.poolPriceReached).toBe(tokenPrice(dex.pool, soldIsToken0, limited.sqrtPriceX96After));
          if (!sale.exhausted) {
            // Short of the edge the limit changes nothing: QuoterV2's unlimited quote.
            const unlimited = quoteExactInput(dex.state, soldIsToken0, amount);
            expect(unlimited).toEqual(limited);
          }
          expect(sale.priceRatio).toBeCloseTo(sale.poolPriceReached! / sale.poolPriceBefore!, 12);
        }),
        { numRuns: 60 },
      );
    });

    it(`never gives a higher price for a larger sale (token${soldIsToken0 ? 0 : 1})`, () => {
      fc.assert(
        fc.property(
          fc.double({ min: 0, max: 2e4, noNaN: true }),
          fc.double({ min: 0, max: 2e4, noNaN: true }),
          (a, b) => {
            const [small, large] = a <= b ? [a, b] : [b, a];
            const s = sellSeizedCollateral(dex, Number.POSITIVE_INFINITY, small);
            const l = sellSeizedCollateral(dex, Number.POSITIVE_INFINITY, large);
            expect(l.priceRatio).toBeLessThanOrEqual(s.priceRatio);
            expect(l.priceRatio).toBeGreaterThan(0);
            expect(s.priceRatio).toBeLessThanOrEqual(1);
          },
        ),
        { numRuns: 80 },
      );
    });

    it(`flags a sale beyond the last initialized tick as exhausted (token${soldIsToken0 ? 0 : 1})`, () => {
      const sale = sellSeizedCollateral(dex, Number.POSITIVE_INFINITY, 1e9);
      expect(sale.exhausted).toBe(true);
      expect(sale.unsoldTokens).toBeGreaterThan(0);
      expect(sale.soldTokens + sale.unsoldTokens).toBeCloseTo(1e9, 3);
      // Stopped at the edge of the liquidity (every range crossed), not at the end of the tick range.
      expect(sale.poolPriceReached).toBe(tokenPrice(dex.pool, soldIsToken0, edge));
      // Three initialized ticks lie beyond the price on either side: c -/+ 600, 3000, 6000.
      expect(sale.initializedTicksCrossed).toBe(3);
      // A sale that stays inside the ranges is not.
      expect(sellSeizedCollateral(dex, Number.POSITIVE_INFINITY, 10).exhausted).toBe(false);
    });
  }

  it("sells nothing when no liquidity lies beyond the price, and says so", () => {
    const pool = poolAt(true);
    const below = { ...pool, ticks: pool.ticks.filter((t) => t.tick > pool.tick) };
    const sale = sellSeizedCollateral(compileDexPool(below), Number.POSITIVE_INFINITY, 3);
    expect(sale).toMatchObject({ exhausted: true, soldTokens: 0, unsoldTokens: 3, priceRatio: 1 });
  });

  it("keeps constant-product and no-impact markets as they were", () => {
    expect(sellSeizedCollateral(null, 100, 50)).toMatchObject({
      source: "constant-product",
      priceRatio: (100 / 150) ** 2,
    });
    expect(sellSeizedCollateral(null, Number.POSITIVE_INFINITY, 50)).toMatchObject({
      source: "none",
      priceRatio: 1,
    });
  });
});

describe("price-shock cascade over Uniswap v3 liquidity", () => {
  it("prices the pool's market by the pool's impact and names each market's liquidity source", () => {
    const borrowers = Array.from({ length: 30 }, (_, i) => ({ wx: 50 + i * 10, hf: 1.02 + (i % 7) * 0.03 }));
    const book = compileRiskBook(snapshotWith(borrowers, poolAt(true)));
    const r = priceShockCascade(book, { shock: 0.15 });
    const [wx, wy, dai] = [0, 1, 2];
    expect(r.sales[wx]!.source).toBe("uniswap-v3");
    expect(r.sales[wy]!.source).toBe("constant-product");
    expect(r.sales[dai]!.source).toBe("none");
    expect(r.rounds).toBeGreaterThan(1);
    expect(r.converged).toBe(true);
    const start = shockedPrices(book, 0.15);
    // Converged: the final prices are the shocked ones moved by the sale of what was seized at them.
    expect(r.finalPrices[wx]).toBeCloseTo(start[wx]! * r.sales[wx]!.priceRatio, 6);
    expect(r.sales[wx]!.seizedTokens).toBeGreaterThan(0);
    expect(r.sales[wx]!.initializedTicksCrossed).toBeGreaterThan(0);
    expect(r.finalPrices[wy]).toBeCloseTo(start[wy]! * (50 / (50 + r.sales[wy]!.seizedTokens)) ** 2, 6);
  });

  it("flags the market whose pool runs out of liquidity", () => {
    const borrowers = Array.from({ length: 20 }, () => ({ wx: 400, hf: 0.9 }));
    const r = priceShockCascade(compileRiskBook(snapshotWith(borrowers, poolAt(false, 1n))), {
      shock: 0.5,
    });
    const sale = r.sales[0]!;
    expect(sale.exhausted).toBe(true);
    expect(sale.unsoldTokens).toBeGreaterThan(0);
    expect(r.finalPrices[0]).toBeGreaterThan(0);
  });

  it("a deeper shock never gives less bad debt nor a higher final price (Uniswap, both orientations)", () => {
    fc.assert(
      fc.property(
        borrowersArb,
        fc.boolean(),
        fc.double({ min: 0, max: 0.9, noNaN: true }),
        fc.double({ min: 0, max: 0.9, noNaN: true }),
        (borrowers, soldIsToken0, a, b) => {
          const [s1, s2] = a <= b ? [a, b] : [b, a];
          const book = compileRiskBook(snapshotWith(borrowers, poolAt(soldIsToken0)));
          const r1 = priceShockCascade(book, { shock: s1, maxRounds: 100 });
          const r2 = priceShockCascade(book, { shock: s2, maxRounds: 100 });
          const tolerance = 1e-9 * Math.max(1, r1.initialDebtUsd);
          expect(r2.badDebtUsd).toBeGreaterThanOrEqual(r1.badDebtUsd - tolerance);
          for (let m = 0; m < book.marketCount; m++) {
            expect(r2.finalPrices[m]!).toBeLessThanOrEqual(r1.finalPrices[m]! * (1 + 1e-12));
          }
          expect(r1.repaidUsd + r1.badDebtUsd + r1.remainingDebtUsd).toBeCloseTo(r1.initialDebtUsd, 6);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("never prices a round below the plan's floor", () => {
    fc.assert(
      fc.property(
        borrowersArb,
        fc.boolean(),
        fc.double({ min: 0, max: 0.9, noNaN: true }),
        (borrowers, t0, shock) => {
          const book = compileRiskBook(snapshotWith(borrowers, poolAt(t0)));
          const floor = planCascade(book, shockedPrices(book, shock)).floor;
          for (const maxRounds of [1, 3, 10, 100]) {
            const r = priceShockCascade(book, { shock, maxRounds });
            for (let m = 0; m < book.marketCount; m++) {
              expect(r.finalPrices[m]!).toBeGreaterThanOrEqual(floor[m]!);
              // The next round's price too (the sale of what the last round seized).
              expect(shockedPrices(book, shock)[m]! * r.sales[m]!.priceRatio).toBeGreaterThanOrEqual(
                floor[m]!,
              );
            }
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it("prices fall monotonically round after round and the loop terminates", () => {
    fc.assert(
      fc.property(borrowersArb, fc.double({ min: 0, max: 0.9, noNaN: true }), (borrowers, shock) => {
        const book = compileRiskBook(snapshotWith(borrowers, poolAt(true)));
        let previous = Number.POSITIVE_INFINITY;
        for (let rounds = 1; rounds <= 12; rounds++) {
          const r = priceShockCascade(book, { shock, maxRounds: rounds });
          expect(r.finalPrices[0]!).toBeLessThanOrEqual(previous * (1 + 1e-12));
          previous = r.finalPrices[0]!;
        }
      }),
      { numRuns: 40 },
    );
  });
});

describe("a cascade round over the plan's candidates", () => {
  it("equals liquidateBook bit for bit at any prices between the floor and the shocked ones, round after round", () => {
    // (The floor itself is checked by the cascade: its rounds' prices never go below it.)
    fc.assert(
      fc.property(
        borrowersArb,
        fc.boolean(),
        fc.double({ min: 0, max: 0.9, noNaN: true }),
        fc.array(
          fc.array(fc.option(fc.double({ min: 0, max: 1, noNaN: true })), { minLength: 3, maxLength: 3 }),
          { minLength: 1, maxLength: 4 },
        ),
        fc.boolean(),
        (borrowers, soldIsToken0, shock, rounds, debtOnly) => {
          const snapshot = snapshotWith(borrowers, poolAt(soldIsToken0));
          if (debtOnly) {
            // A borrower with no collateral at all: under water from the start, never liquidated.
            const [first] = snapshot.protocols[0]!.positions;
            snapshot.protocols[0]!.positions.push({
              ...first!,
              user: "0xdead",
              reserves: [first!.reserves[1]!],
            });
          }
          const book = compileRiskBook(snapshot);
          const start = shockedPrices(book, shock);
          const plan = planCascade(book, start);
          // Rounds at any prices a round can reach (at or above the plan's floor); a null keeps the
          // market's price from the previous round, so candidates are reused.
          let prices = start;
          for (const fall of rounds) {
            prices = prices.map((p, m) => {
              const f = fall[m];
              if (f === null || f === undefined) return p;
              return start[m]! - f * (start[m]! - plan.floor[m]!);
            });
            const fast = cascadePass(book, prices, plan);
            const full = liquidateBook(book, prices);
            for (const key of CASCADE_FIGURES) {
              expect(fast[key]).toBe(full[key]);
              fast.protocols.forEach((p, i) => {
                expect(p[key]).toBe(full.protocols[i]![key]);
              });
            }
            expect(Array.from(fast.seizedTokens)).toEqual(Array.from(full.seizedTokens));
          }
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe("a cascade round priced by seizure curves", () => {
  /** Relative closeness for sums whose order differs (curves vs liquidateBook). */
  const near = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));

  it("liquidates exactly liquidateBook's positions and seizes its tokens up to rounding, at any prices a round reaches and within a few ulps of each regime boundary", () => {
    fc.assert(
      fc.property(
        borrowersArb,
        fc.boolean(),
        fc.double({ min: 0, max: 0.9, noNaN: true }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 3, maxLength: 3 }),
        fc.nat(),
        fc.integer({ min: -3, max: 3 }),
        (borrowers, soldIsToken0, shock, fall, pick, ulps) => {
          const book = compileRiskBook(snapshotWith(borrowers, poolAt(soldIsToken0)));
          const start = shockedPrices(book, shock);
          const floor = planCascade(book, start).floor;
          const between = start.map((p, m) => p - fall[m]! * (p - floor[m]!));
          // A price within a few ulps of one of a borrower's regime boundaries (liquidatable, full close
          // factor, all collateral seized): the count must still be liquidateBook's and the tokens close,
          // so the curves' thresholds must sit on the pass's own float boundaries.
          const i = pick % borrowers.length;
          const e = book.positionStart[i]!; // the borrower's collateral entry (listed first)
          const m0 = book.reserveMarket[book.entryReserve[e]!]!;
          const health = liquidateBook(book, book.marketPriceUsd).health;
          const p0 = book.marketPriceUsd[m0]!;
          const hf = health.healthFactor[i]!;
          const boundaries = [
            (p0 * (1 - HF_EPSILON)) / hf,
            (p0 * 0.95) / hf,
            (p0 * health.debtUsd[i]!) / health.bonusCollateralUsd[i]!,
          ];
          const bits = new Float64Array([boundaries[pick % 3]!]);
          new BigInt64Array(bits.buffer)[0]! += BigInt(ulps);
          const atEdge = Float64Array.from(book.marketPriceUsd);
          atEdge[m0] = bits[0]!;
          for (const prices of [start, between, atEdge]) {
            const seized = new Float64Array(book.marketCount);
            const count = seizeAt(seizureCurves(book), prices, seized);
            const full = liquidateBook(book, prices);
            expect(count).toBe(full.liquidatedPositions);
            for (let m = 0; m < book.marketCount; m++) {
              expect(near(seized[m]!, full.seizedTokens[m]!)).toBe(true);
            }
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it("gives the cascade of whole liquidateBook rounds: same rounds, same liquidations, prices and totals up to rounding, and figures equal to liquidateBook's at its final prices bit for bit", () => {
    fc.assert(
      fc.property(
        borrowersArb,
        fc.boolean(),
        fc.double({ min: 0, max: 0.95, noNaN: true }),
        fc.integer({ min: 1, max: 30 }),
        (borrowers, soldIsToken0, shock, maxRounds) => {
          const book = compileRiskBook(snapshotWith(borrowers, poolAt(soldIsToken0)));
          const fast = priceShockCascade(book, { shock, maxRounds });
          const ref = referenceCascade(book, null, shock, maxRounds);
          expect(fast.rounds).toBe(ref.rounds);
          expect(fast.converged).toBe(ref.converged);
          expect(fast.liquidatedPositions).toBe(ref.pass.liquidatedPositions);
          for (let m = 0; m < book.marketCount; m++) {
            expect(near(fast.finalPrices[m]!, ref.finalPrices[m]!)).toBe(true);
          }
          const exact = liquidateBook(book, fast.finalPrices);
          for (const key of CASCADE_FIGURES) {
            expect(fast[key]).toBe(exact[key]);
            expect(near(fast[key], ref.pass[key])).toBe(true);
          }
          fast.sales.forEach((sale, m) => {
            expect(sale.seizedTokens).toBe(exact.seizedTokens[m]);
          });
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe("stressTest over GraphQL: the DEX depth per market", () => {
  const snapshot = snapshotWith(
    Array.from({ length: 20 }, (_, i) => ({ wx: 100 + i * 20, hf: 1.01 + (i % 5) * 0.05 })),
    poolAt(true, 100n),
  );
  const yoga = createRiskYoga({ getSnapshot: async () => snapshot, now: () => NOW });
  const gql = async (query: string) => {
    const res = await yoga.fetch(
      new Request("http://risk.test/graphql", {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify({ query }),
      }),
    );
    return (await res.json()) as { data?: any; errors?: { message: string; extensions?: any }[] };
  };

  it("reports source, pool, amounts, prices, ticks crossed and exhaustion", async () => {
    const r = await gql(`{ stressTest(scenario: { priceShock: { asset: "X", shock: 0.2 } }) {
      ... on PriceShockResult { converged dexSales { chainId token symbol asset { symbol } source pool seizedTokens
        soldTokens unsoldTokens amountOffered amountIn amountOut poolPriceBefore poolPriceReached priceRatio
        ticksCrossed exhausted } } } }`);
    expect(r.errors).toBeUndefined();
    const sales = r.data.stressTest.dexSales;
    const wx = sales.find((s: any) => s.token === WX);
    expect(wx).toMatchObject({ chainId: CHAIN, symbol: "wX", source: "UNISWAP_V3", exhausted: false });
    expect(wx.pool).toBe(poolAt(true).address);
    const dex = compileDexPool(poolAt(true, 100n));
    const quote = quoteExactInput(dex.state, true, BigInt(wx.amountOffered), dex.edgeSqrtPriceX96!);
    expect(wx.amountIn).toBe(quote.amountIn.toString());
    expect(wx.amountOut).toBe(quote.amountOut.toString());
    expect(wx.ticksCrossed).toBe(quote.initializedTicksCrossed);
    expect(wx.poolPriceBefore).toBeCloseTo(2000, -1);
    expect(wx.poolPriceReached).toBeLessThan(wx.poolPriceBefore);
    expect(sales.find((s: any) => s.token === WY)?.source).toBe("CONSTANT_PRODUCT");
  });

  it("keeps clear errors for bad input", async () => {
    const r = await gql(`{ stressTest(scenario: { priceShock: { asset: "X", shock: 3 } }) { __typename } }`);
    expect(r.errors?.[0]?.message).toMatch(/shock must be a fraction in \[0, 1\)/);
    expect(r.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });
});

describe("the provider's DEX pools from the indexer's rows", () => {
  const token = (symbol: string, address: string, kind: "native" | "wrapped", decimals = 18) => ({
    symbol,
    decimals,
    address,
    homeToken: address,
    kind,
  });
  const deployment = {
    chains: [
      {
        chainId: CHAIN,
        tokens: [token("wX", WX, "wrapped"), token("wY", WY, "wrapped", 8), token("DAI", DAI, "native")],
      },
    ],
  } as unknown as Deployment;
  const poolRow = (address: string, token0: string, token1: string, sqrtPriceX96: bigint | null) => ({
    id: `${CHAIN}:${address}`,
    chainId: CHAIN,
    address: address as `0x${string}`,
    token0: token0 as `0x${string}`,
    token1: token1 as `0x${string}`,
    fee: 3000,
    tickSpacing: 60,
    sqrtPriceX96,
    tick: sqrtPriceX96 === null ? null : 0,
    liquidity: 10n ** 18n,
    swaps: 0,
    updatedAtBlock: 1n,
  });
  const tickRow = (pool: string, tick: number, gross: bigint, net: bigint) => ({
    id: `${CHAIN}:${pool}:${tick}`,
    pool: `${CHAIN}:${pool}`,
    tick,
    liquidityGross: gross,
    liquidityNet: net,
    updatedAtBlock: 1n,
  });
  const P1 = "0x00000000000000000000000000000000000000f1";
  const P2 = "0x00000000000000000000000000000000000000f2";
  const P3 = "0x00000000000000000000000000000000000000f3";
  const rows: Pick<IndexerRows, "uniswapPools" | "uniswapTicks"> = {
    uniswapPools: [
      poolRow(P1, DAI, WY, 2n ** 96n), // wY is token1, sold for DAI
      poolRow(P2, WX, WY, 2n ** 96n), // two wrapped tokens: not a liquidation venue
      poolRow(P3, WX, DAI, null), // not initialized
    ],
    uniswapTicks: [
      tickRow(P1, 60, 5n, -5n),
      tickRow(P1, -60, 5n, 5n),
      tickRow(P1, 120, 0n, 0n), // no longer initialized
    ],
  };

  it("keeps initialized pools of a wrapped token against a token that is not, with their live ticks", () => {
    expect(dexPoolsFromRows(deployment, rows)).toEqual([
      {
        chainId: CHAIN,
        address: P1,
        token0: DAI,
        token1: WY,
        token: WY,
        tokenDecimals: 8,
        quoteDecimals: 18,
        sqrtPriceX96: 2n ** 96n,
        tick: 0,
        liquidity: 10n ** 18n,
        fee: 3000,
        tickSpacing: 60,
        ticks: [
          { tick: -60, liquidityNet: 5n },
          { tick: 60, liquidityNet: -5n },
        ],
      },
    ]);
  });
});
