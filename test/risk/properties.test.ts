import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  bridgeFailure,
  compileRiskBook,
  computeHealth,
  isLiquidatable,
  liquidateBook,
  liquidationCurve,
  liquidationPrice,
  priceShockCascade,
  type RiskSnapshot,
  resolveAsset,
  shockedPrices,
  staticLosses,
  validateRiskSnapshot,
} from "../../lib/risk/index.js";
import { BRIDGES, snapshotArb } from "./arbitraries.js";
import { RAY } from "./fixtures.js";
import { referenceCascade } from "./referenceCascade.js";

/** a >= b up to float noise. */
const atLeast = (a: number, b: number) => a >= b - 1e-9 * Math.max(1, Math.abs(b));
const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));

const withoutPools = (s: RiskSnapshot): RiskSnapshot => ({
  ...s,
  protocols: s.protocols.map((p) => ({
    ...p,
    reserves: p.reserves.map((r) => ({ ...r, poolLiquidity: null })),
  })),
});

const shockTarget = fc.constantFrom<string | null>(null, "A0", "A1");
const RUNS = { numRuns: 150 };

describe("risk engine invariants", () => {
  it("generated snapshots are valid", () => {
    fc.assert(
      fc.property(snapshotArb, (s) => validateRiskSnapshot(s)),
      { numRuns: 50 },
    );
  });

  it("bridge failure with recovery 1 changes nothing", () => {
    fc.assert(
      fc.property(snapshotArb, fc.constantFrom(...BRIDGES), (s, bridge) => {
        const r = bridgeFailure(compileRiskBook(s), { bridge, recovery: 1 });
        expect(r.badDebtUsd).toBe(r.baseline.badDebtUsd);
        expect(r.liquidatableDebtUsd).toBe(r.baseline.liquidatableDebtUsd);
        expect(r.positionsLiquidatable).toBe(r.baseline.positionsLiquidatable);
        expect(r.lendersLossUsd).toBe(0);
        expect(r.wrappedSupplyHaircutUsd).toBe(0);
      }),
      RUNS,
    );
  });

  it("bad debt, liquidatable debt and lenders' loss never fall as recovery falls", () => {
    fc.assert(
      fc.property(
        snapshotArb,
        fc.constantFrom(...BRIDGES),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (s, bridge, x, y) => {
          const book = compileRiskBook(s);
          const [lo, hi] = x < y ? [x, y] : [y, x];
          const deep = bridgeFailure(book, { bridge, recovery: lo });
          const mild = bridgeFailure(book, { bridge, recovery: hi });
          expect(atLeast(deep.badDebtUsd, mild.badDebtUsd)).toBe(true);
          expect(atLeast(deep.liquidatableDebtUsd, mild.liquidatableDebtUsd)).toBe(true);
          expect(atLeast(deep.lendersLossUsd, mild.lendersLossUsd)).toBe(true);
        },
      ),
      RUNS,
    );
  });

  it("cascade bad debt never falls as the shock deepens (same round limit)", () => {
    fc.assert(
      fc.property(
        snapshotArb,
        shockTarget,
        fc.double({ min: 0, max: 0.95, noNaN: true }),
        fc.double({ min: 0, max: 0.95, noNaN: true }),
        fc.integer({ min: 1, max: 30 }),
        (s, asset, x, y, maxRounds) => {
          const book = compileRiskBook(s);
          const [lo, hi] = x < y ? [x, y] : [y, x];
          const mild = priceShockCascade(book, { asset, shock: lo, maxRounds });
          const deep = priceShockCascade(book, { asset, shock: hi, maxRounds });
          expect(atLeast(deep.badDebtUsd, mild.badDebtUsd)).toBe(true);
          for (let m = 0; m < book.marketCount; m++) {
            expect(deep.finalPrices[m]!).toBeLessThanOrEqual(mild.finalPrices[m]! * (1 + 1e-9));
          }
        },
      ),
      RUNS,
    );
  });

  it("cascade conserves debt and terminates within the round limit", () => {
    fc.assert(
      fc.property(
        snapshotArb,
        shockTarget,
        fc.double({ min: 0, max: 0.99, noNaN: true }),
        fc.integer({ min: 1, max: 100 }),
        (s, asset, shock, maxRounds) => {
          const r = priceShockCascade(compileRiskBook(s), { asset, shock, maxRounds });
          expect(close(r.repaidUsd + r.badDebtUsd + r.remainingDebtUsd, r.initialDebtUsd)).toBe(true);
          for (const p of r.protocols) {
            expect(close(p.repaidUsd + p.badDebtUsd + p.remainingDebtUsd, p.initialDebtUsd)).toBe(true);
          }
          expect(r.rounds).toBeLessThanOrEqual(maxRounds);
          expect(r.converged || r.rounds === maxRounds).toBe(true);
          expect(r.badDebtUsd).toBeGreaterThanOrEqual(0);
          expect(r.remainingDebtUsd).toBeGreaterThanOrEqual(0);
        },
      ),
      RUNS,
    );
  });

  it("cascade equals the cascade of whole liquidateBook rounds (same rounds and liquidations, figures up to rounding)", () => {
    fc.assert(
      fc.property(
        snapshotArb,
        shockTarget,
        fc.double({ min: 0, max: 0.99, noNaN: true }),
        fc.integer({ min: 1, max: 30 }),
        (s, asset, shock, maxRounds) => {
          const book = compileRiskBook(s);
          const fast = priceShockCascade(book, { asset, shock, maxRounds });
          const ref = referenceCascade(book, asset, shock, maxRounds);
          expect(fast.rounds).toBe(ref.rounds);
          expect(fast.converged).toBe(ref.converged);
          expect(fast.liquidatedPositions).toBe(ref.pass.liquidatedPositions);
          for (let m = 0; m < book.marketCount; m++) {
            expect(close(fast.finalPrices[m]!, ref.finalPrices[m]!)).toBe(true);
          }
          const exact = liquidateBook(book, fast.finalPrices);
          for (const key of ["repaidUsd", "seizedCollateralUsd", "badDebtUsd", "remainingDebtUsd"] as const) {
            expect(fast[key]).toBe(exact[key]);
            expect(close(fast[key], ref.pass[key])).toBe(true);
          }
        },
      ),
      RUNS,
    );
  });

  it("with infinitely deep pools the cascade equals one-shot liquidation at the shocked prices", () => {
    fc.assert(
      fc.property(
        snapshotArb,
        shockTarget,
        fc.double({ min: 0, max: 0.99, noNaN: true }),
        (s, asset, shock) => {
          const book = compileRiskBook(withoutPools(s));
          const cascade = priceShockCascade(book, { asset, shock });
          const target = asset === null ? undefined : book.assetIndex.get(asset.toLowerCase());
          const oneShot = liquidateBook(book, shockedPrices(book, shock, target));
          expect(cascade.rounds).toBeLessThanOrEqual(1);
          expect(cascade.converged).toBe(true);
          expect(cascade.badDebtUsd).toBe(oneShot.badDebtUsd);
          expect(cascade.repaidUsd).toBe(oneShot.repaidUsd);
          expect(cascade.remainingDebtUsd).toBe(oneShot.remainingDebtUsd);
          expect(Array.from(cascade.finalPrices)).toEqual(Array.from(oneShot.prices));
        },
      ),
      RUNS,
    );
  });

  it("the one-pass liquidation curve equals staticLosses of computeHealth at each step's shocked prices", () => {
    fc.assert(
      fc.property(snapshotArb, shockTarget, (s, asset) => {
        const book = compileRiskBook(s);
        const curve = liquidationCurve(book, { asset, steps: 19 });
        const target = asset == null ? undefined : resolveAsset(book, asset);
        for (const point of curve) {
          const direct = staticLosses(
            book,
            computeHealth(book, shockedPrices(book, point.shock, target)),
          ).total;
          expect(point.positionsLiquidatable).toBe(direct.positionsLiquidatable);
          expect(point.positionsSkipped).toBe(direct.positionsSkipped);
          expect(close(point.liquidatableDebtUsd, direct.liquidatableDebtUsd)).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });

  it("the liquidation curve never falls as the shock deepens", () => {
    fc.assert(
      fc.property(snapshotArb, shockTarget, (s, asset) => {
        const curve = liquidationCurve(compileRiskBook(s), { asset, steps: 19 });
        for (let k = 1; k < curve.length; k++) {
          expect(atLeast(curve[k]!.liquidatableDebtUsd, curve[k - 1]!.liquidatableDebtUsd)).toBe(true);
        }
      }),
      { numRuns: 50 },
    );
  });
});

describe("single-collateral closed forms", () => {
  /** One position: q tokens of a volatile collateral, D USD of stablecoin debt. */
  const single = (q: number, lt: number, debt: number, price: number): RiskSnapshot => ({
    asOf: { blockTimestamps: [], sources: [] },
    assets: [],
    bridges: [],
    protocols: [
      {
        id: "p",
        name: "p",
        chainId: 1,
        reserves: [
          {
            asset: "0xc",
            symbol: "C",
            underlyingAsset: null,
            bridge: null,
            priceUsd: price,
            decimals: 6,
            ltv: lt,
            liquidationThreshold: lt,
            liquidationBonus: 10_000,
            liquidityIndex: RAY,
            variableBorrowIndex: RAY,
            poolLiquidity: null,
          },
          {
            asset: "0xd",
            symbol: "D",
            underlyingAsset: null,
            bridge: null,
            priceUsd: 1,
            decimals: 6,
            ltv: 0,
            liquidationThreshold: 0,
            liquidationBonus: 10_000,
            liquidityIndex: RAY,
            variableBorrowIndex: RAY,
            poolLiquidity: null,
          },
        ],
        positions: [
          {
            user: "u",
            reserves: [
              {
                asset: "0xc",
                scaledCollateral: BigInt(q) * 1_000_000n,
                scaledDebt: 0n,
                usedAsCollateral: true,
              },
              {
                asset: "0xd",
                scaledCollateral: 0n,
                scaledDebt: BigInt(debt) * 1_000_000n,
                usedAsCollateral: false,
              },
            ],
          },
        ],
      },
    ],
  });

  it("P_liq = D / (q LT); at P_liq the position is on the boundary, any lower price liquidates it", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 1, max: 100_000_000 }),
        fc.double({ min: 1e-9, max: 0.99, noNaN: true }),
        (q, lt, debt, drop) => {
          const book = compileRiskBook(single(q, lt, debt, 1));
          const pLiq = liquidationPrice(book, computeHealth(book), 0)!;
          expect(close(pLiq, debt / (q * (lt / 10_000)))).toBe(true);
          const at = computeHealth(book, Float64Array.from([pLiq, 1]));
          expect(Math.abs(at.healthFactor[0]! - 1)).toBeLessThan(1e-12);
          expect(isLiquidatable(at.healthFactor[0]!)).toBe(false);
          const below = computeHealth(book, Float64Array.from([pLiq * (1 - drop), 1]));
          expect(isLiquidatable(below.healthFactor[0]!)).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });
});
