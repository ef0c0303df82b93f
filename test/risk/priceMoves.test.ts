import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  assetGroups,
  compileRiskBook,
  computeHealth,
  DEFAULT_ASSET_GROUPS,
  debtShock,
  depeg,
  groupShock,
  InvalidRiskParameterError,
  liquidateBook,
  PRICED,
  type PriceMoveResult,
  priceMoveStress,
  priceShockCascade,
  type RiskBook,
  type RiskSnapshot,
  resolvePriceTarget,
  staticLosses,
  UnknownRiskEntityError,
} from "../../lib/risk/index.js";
import { ASSETS, snapshotArb } from "./arbitraries.js";
import { fixtureSnapshot } from "./fixtures.js";
import { referenceCascade } from "./referenceCascade.js";

/** a >= b up to float noise. */
const atLeast = (a: number, b: number) => a >= b - 1e-9 * Math.max(1, Math.abs(b));
const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));

const STATIC = ["badDebtUsd", "liquidatableDebtUsd", "positionsLiquidatable", "positionsSkipped"] as const;
const CASCADE = [
  "rounds",
  "converged",
  "initialDebtUsd",
  "repaidUsd",
  "seizedCollateralUsd",
  "badDebtUsd",
  "remainingDebtUsd",
  "liquidatedPositions",
  "positionsSkipped",
] as const;

const marketOf = (book: RiskBook, symbol: string) => book.marketSymbol.indexOf(symbol);

describe("price moves on the fixture (both sides valued at the moved price)", () => {
  const book = compileRiskBook(fixtureSnapshot());

  it("resolves home assets with their wrapped copies, and chain-native tokens by symbol or address", () => {
    const weth = resolvePriceTarget(book, "weth");
    expect(weth.name).toBe("WETH");
    expect(weth.markets.map((m) => book.marketSymbol[m])).toEqual(["mWETH", "fWETH", "cWETH"]);
    expect(resolvePriceTarget(book, "0xb0d0")).toEqual({ name: "bUSD", asset: null, markets: [2] });
    expect(resolvePriceTarget(book, "BUSD").markets.map((m) => book.marketSymbol[m])).toEqual(["bUSD"]);
    // A wrapped copy moves with its home asset, not alone.
    expect(() => resolvePriceTarget(book, "mWETH")).toThrow(UnknownRiskEntityError);
    expect(() => resolvePriceTarget(book, "DOGE")).toThrow(
      /Unknown asset "DOGE"[\s\S]*USDC[\s\S]*bUSD \(chain-native\)/,
    );
  });

  it("a borrowed chain-native stablecoin rising 20%: hand-computed static losses", () => {
    const r = debtShock(book, { asset: "bUSD", rise: 0.2 });
    expect(r.moves).toHaveLength(1);
    expect(r.moves[0]!.factor).toBe(1.2);
    expect(r.movedPrices[marketOf(book, "bUSD")]).toBeCloseTo(1.2, 12);
    // alice 16,500 / 18,000 and carol 1,650 / 2,040 are liquidatable; bob (8,250 + 5,400) / 10,800 is not.
    expect(r.liquidatableDebtUsd).toBeCloseTo(18_000 + 2_040, 6);
    expect(r.positionsLiquidatable).toBe(2);
    // carol: 2,040 owed against 2,000 of fWETH.
    expect(r.badDebtUsd).toBeCloseTo(40, 6);
    expect(r.baseline).toMatchObject({ badDebtUsd: 0, liquidatableDebtUsd: 1_700, positionsLiquidatable: 1 });
    expect(r.protocols[0]!.liquidatableDebtUsd).toBeCloseTo(20_040, 6);
    expect(r.protocols[1]!.liquidatableDebtUsd).toBe(0);
    // The cascade values debt at the moved price, and conserves it.
    const c = r.cascade;
    expect(c.initialDebtUsd).toBeCloseTo(18_000 + 10_800 + 2_040 + 1_050, 6);
    expect(close(c.repaidUsd + c.badDebtUsd + c.remainingDebtUsd, c.initialDebtUsd)).toBe(true);
    expect(c.liquidatedPositions).toBe(2);
    expect(c.oraclePrices).toBe(book.marketPriceUsd);
  });

  it("a home stablecoin rising 70% makes erin liquidatable on lend-c", () => {
    const r = debtShock(book, { asset: "USDC", rise: 0.7 });
    expect(r.protocols[1]!.liquidatableDebtUsd).toBeCloseTo(1_050 * 1.7, 9);
    expect(r.protocols[1]!.cascade.liquidatedPositions).toBe(1);
    expect(r.liquidatableDebtUsd).toBeCloseTo(1_700 + 1_785, 9);
    expect(debtShock(book, { asset: "USDC", rise: 0.6 }).protocols[1]!.liquidatableDebtUsd).toBe(0);
  });

  it("a depeg moves to a price level, down or up, from the asset's reference price", () => {
    const down = depeg(book, { asset: "USDC", priceUsd: 0.87 });
    expect(down.moves[0]!.factor).toBeCloseTo(0.87, 15);
    expect(down.movedPrices[marketOf(book, "cUSDC")]).toBeCloseTo(0.87, 15);
    // erin owes less: a depeg down lowers debt in that token.
    expect(down.cascade.initialDebtUsd).toBeLessThan(priceShockCascade(book, { shock: 0 }).initialDebtUsd);
    const up = depeg(book, { asset: "bUSD", priceUsd: 1.2 });
    expect(up.liquidatableDebtUsd).toBeCloseTo(
      debtShock(book, { asset: "bUSD", rise: 0.2 }).liquidatableDebtUsd,
      9,
    );
  });

  it("lists the default groups with their members here", () => {
    expect(assetGroups(book).map((g) => [g.name, g.members.map((m) => m.name)])).toEqual([
      ["eth", ["WETH"]],
      ["btc", []],
      ["stablecoins", ["USDC", "bUSD"]],
    ]);
    const symbols = [
      "WETH",
      "wstETH",
      "cbETH",
      "weETH",
      "WBTC",
      "cbBTC",
      "USDC",
      "USDT",
      "USDe",
      "DAI",
      "GHO",
    ];
    const member = (s: string) => DEFAULT_ASSET_GROUPS.filter((g) => g.matches(s)).map((g) => g.name);
    expect(symbols.map(member)).toEqual([
      ["eth"],
      ["eth"],
      ["eth"],
      ["eth"],
      ["btc"],
      ["btc"],
      ["stablecoins"],
      ["stablecoins"],
      ["stablecoins"],
      ["stablecoins"],
      ["stablecoins"],
    ]);
    expect(member("ETHFI")).toEqual([]);
  });

  it("an eth group shock on unborrowed collateral equals the collateral price shock", () => {
    const g = groupShock(book, { group: "eth", factor: 0.5 });
    const ps = priceShockCascade(book, { asset: "WETH", shock: 0.5 });
    for (const key of CASCADE) expect(g.cascade[key]).toBe(ps[key]);
    expect(g.cascade.finalPrices).toEqual(ps.finalPrices);
    expect(g.group.name).toBe("eth");
  });

  it("a stablecoin group shock equals one move per member", () => {
    const g = groupShock(book, { group: "stablecoins", factor: 1.2 });
    const seq = priceMoveStress(book, {
      moves: [
        { asset: "USDC", factor: 1.2 },
        { asset: "bUSD", factor: 1.2 },
      ],
    });
    const { group, ...rest } = g;
    expect(rest).toEqual(seq);
    expect(group.members.map((m) => m.name)).toEqual(["USDC", "bUSD"]);
    // An explicit list overrides the default members, and a member listed twice moves once.
    const custom = groupShock(book, {
      group: "stablecoins",
      assets: ["bUSD", "busd", "0xb0d0"],
      factor: 1.2,
    });
    expect(custom.moves).toHaveLength(1);
    expect(custom.movedPrices[marketOf(book, "bUSD")]).toBe(1.2);
    expect(groupShock(book, { assets: ["WETH"], factor: 0.9 }).group.name).toBe("custom");
  });

  it("rejects out-of-range multipliers, unknown names and empty groups with the valid range", () => {
    const bad = (fn: () => unknown, message: RegExp, type: unknown = InvalidRiskParameterError) => {
      expect(fn).toThrow(type as never);
      expect(fn).toThrow(message);
    };
    bad(() => debtShock(book, { asset: "bUSD", rise: 0 }), /rise must be a fraction in \(0, 10\].*got 0/);
    bad(() => debtShock(book, { asset: "bUSD", rise: 10.5 }), /rise must be a fraction in \(0, 10\]/);
    bad(
      () => priceMoveStress(book, { moves: [{ asset: "WETH", factor: 0 }] }),
      /factor must be a price multiplier in \(0, 11\].*got 0 for WETH/,
    );
    bad(() => priceMoveStress(book, { moves: [{ asset: "WETH", factor: 12 }] }), /\(0, 11\]/);
    bad(() => priceMoveStress(book, { moves: [] }), /moves must list 1 to 50 price moves, got 0/);
    bad(() => priceMoveStress(book, { moves: [{ asset: "WETH", factor: 1 }], maxRounds: 0 }), /maxRounds/);
    bad(() => depeg(book, { asset: "USDC", priceUsd: 12 }), /priceUsd must be in \(0, 11\] for USDC/);
    bad(() => depeg(book, { asset: "USDC", priceUsd: 0 }), /priceUsd/);
    bad(
      () => groupShock(book, { group: "doge", factor: 0.5 }),
      /Unknown group "doge"[\s\S]*eth \(WETH\)/,
      UnknownRiskEntityError,
    );
    bad(() => groupShock(book, { group: "btc", factor: 0.5 }), /group "btc" has no asset in this snapshot/);
    bad(
      () => groupShock(book, { factor: 0.5 }),
      /needs group \(one of eth, btc, stablecoins\) or an assets list/,
    );
    bad(() => groupShock(book, { assets: [], factor: 0.5 }), /assets must list 1 to 50 assets, got 0/);
    bad(
      () => groupShock(book, { group: "eth", factor: -1 }),
      /factor must be a price multiplier in \(0, 11\]/,
    );
    bad(() => debtShock(book, { asset: "DOGE", rise: 0.1 }), /Unknown asset "DOGE"/, UnknownRiskEntityError);
  });
});

/** The snapshot with every entry of `asset`'s reserves changed by `edit`. */
function editReservesOf(
  s: RiskSnapshot,
  asset: string,
  edit: (r: RiskSnapshot["protocols"][number]["positions"][number]["reserves"][number]) => object,
): RiskSnapshot {
  return {
    ...s,
    protocols: s.protocols.map((p) => {
      const of = new Set(p.reserves.filter((r) => r.underlyingAsset === asset).map((r) => r.asset));
      return {
        ...p,
        positions: p.positions.map((pos) => ({
          ...pos,
          reserves: pos.reserves.map((r) => (of.has(r.asset) ? { ...r, ...edit(r) } : r)),
        })),
      };
    }),
  };
}

const target = fc.constantFrom("A0", "A1");
const assetIdOf = (symbol: string) => ASSETS[Number(symbol.slice(1))]!;
const factorArb = fc.double({ min: 0.01, max: 11, noNaN: true });
const RUNS = { numRuns: 120 };

const staticOf = (r: PriceMoveResult) => Object.fromEntries(STATIC.map((k) => [k, r[k]]));

describe("price-move invariants", () => {
  it("a move by 1.0 changes nothing: baseline losses, and the cascade of a zero shock", () => {
    fc.assert(
      fc.property(snapshotArb, target, (s, asset) => {
        const book = compileRiskBook(s);
        const r = priceMoveStress(book, { moves: [{ asset, factor: 1 }] });
        expect(staticOf(r)).toEqual(r.baseline);
        expect(r.movedPrices).toEqual(book.marketPriceUsd);
        const ps = priceShockCascade(book, { shock: 0 });
        for (const key of CASCADE) expect(r.cascade[key]).toBe(ps[key]);
      }),
      RUNS,
    );
  });

  it("moving an asset nobody borrows by 1 - s is the collateral price shock s, bit for bit", () => {
    fc.assert(
      fc.property(snapshotArb, target, fc.double({ min: 0, max: 0.99, noNaN: true }), (s, asset, shock) => {
        const book = compileRiskBook(editReservesOf(s, assetIdOf(asset), () => ({ scaledDebt: 0n })));
        const r = priceMoveStress(book, { moves: [{ asset, factor: 1 - shock }] });
        const ps = priceShockCascade(book, { asset, shock });
        for (const key of CASCADE) expect(r.cascade[key]).toBe(ps[key]);
        expect(r.cascade.finalPrices).toEqual(ps.finalPrices);
      }),
      RUNS,
    );
  });

  it("raising an asset held only as debt never lowers liquidatable debt, bad debt or the count", () => {
    fc.assert(
      fc.property(snapshotArb, target, factorArb, factorArb, (s, asset, f1, f2) => {
        const book = compileRiskBook(editReservesOf(s, assetIdOf(asset), () => ({ scaledCollateral: 0n })));
        const [lo, hi] = f1 <= f2 ? [f1, f2] : [f2, f1];
        const a = priceMoveStress(book, { moves: [{ asset, factor: lo }] });
        const b = priceMoveStress(book, { moves: [{ asset, factor: hi }] });
        expect(atLeast(b.liquidatableDebtUsd, a.liquidatableDebtUsd)).toBe(true);
        expect(atLeast(b.badDebtUsd, a.badDebtUsd)).toBe(true);
        expect(b.positionsLiquidatable).toBeGreaterThanOrEqual(a.positionsLiquidatable);
      }),
      RUNS,
    );
  });

  it("a group shock equals the sequential moves of its members, in any order", () => {
    fc.assert(
      fc.property(snapshotArb, factorArb, factorArb, (s, f, g) => {
        const book = compileRiskBook(s);
        const group = groupShock(book, { group: "pair", assets: ["A0", "A1"], factor: f });
        const seq = priceMoveStress(book, {
          moves: [
            { asset: "A0", factor: f },
            { asset: "A1", factor: f },
          ],
        });
        const { group: _, ...rest } = group;
        expect(rest).toEqual(seq);
        for (let m = 0; m < book.marketCount; m++) {
          const moved = book.marketAsset[m]! >= 0 ? book.marketPriceUsd[m]! * f : book.marketPriceUsd[m]!;
          expect(group.movedPrices[m]).toBe(moved);
        }
        // Members move disjoint markets, so the order of the moves does not matter.
        const ab = priceMoveStress(book, {
          moves: [
            { asset: "A0", factor: f },
            { asset: "A1", factor: g },
          ],
        });
        const ba = priceMoveStress(book, {
          moves: [
            { asset: "A1", factor: g },
            { asset: "A0", factor: f },
          ],
        });
        expect(ba.movedPrices).toEqual(ab.movedPrices);
        for (const key of CASCADE) expect(ba.cascade[key]).toBe(ab.cascade[key]);
      }),
      { numRuns: 60 },
    );
  });

  it("static losses are those of the book repriced on both sides, and the cascade is the reference one", () => {
    fc.assert(
      fc.property(
        snapshotArb,
        target,
        factorArb,
        fc.integer({ min: 1, max: 30 }),
        (s, asset, factor, maxRounds) => {
          const book = compileRiskBook(s);
          const r = priceMoveStress(book, { moves: [{ asset, factor }], maxRounds });
          const repriced: RiskBook = { ...book, marketPriceUsd: r.movedPrices };
          const health = computeHealth(repriced);
          expect(staticOf(r)).toEqual(staticLosses(book, health).total);
          const ref = referenceCascade(repriced, null, 0, maxRounds);
          const c = r.cascade;
          expect(c.rounds).toBe(ref.rounds);
          expect(c.converged).toBe(ref.converged);
          expect(c.liquidatedPositions).toBe(ref.pass.liquidatedPositions);
          for (let m = 0; m < book.marketCount; m++) {
            expect(close(c.finalPrices[m]!, ref.finalPrices[m]!)).toBe(true);
          }
          const exact = liquidateBook(repriced, c.finalPrices);
          for (const key of [
            "initialDebtUsd",
            "repaidUsd",
            "seizedCollateralUsd",
            "badDebtUsd",
            "remainingDebtUsd",
          ] as const) {
            expect(close(c[key], exact[key])).toBe(true);
          }
          // Debt is conserved at the moved prices.
          expect(close(c.repaidUsd + c.badDebtUsd + c.remainingDebtUsd, c.initialDebtUsd)).toBe(true);
          let debt = 0;
          for (let i = 0; i < book.positionCount; i++)
            if (book.positionStatus[i] === PRICED) debt += health.debtUsd[i]!;
          expect(close(c.initialDebtUsd, debt)).toBe(true);
        },
      ),
      RUNS,
    );
  });
});
