import { describe, expect, it } from "vitest";
import {
  analyzeRisk,
  bridgedCollateral,
  bridgeFailure,
  compileRiskBook,
  computeBacking,
  evaluateAlerts,
  InvalidRiskParameterError,
  InvalidRiskSnapshotError,
  isLiquidatable,
  liquidateBook,
  liquidatePosition,
  liquidationCurve,
  liquidationPrice,
  parseRiskSnapshot,
  priceShockCascade,
  runStandardScenarios,
  serializeRiskSnapshot,
  shockedPrices,
  UnknownRiskEntityError,
  validateRiskSnapshot,
} from "../../lib/risk/index.js";
import { fixtureSnapshot, NOW, RAY, weth } from "./fixtures.js";

const analysis = () => analyzeRisk(fixtureSnapshot());
const ALICE = 0;
const BOB = 1;
const CAROL = 2;
const DAVE = 3;
const ERIN = 4;

describe("backing", () => {
  it("computes BR = L / S and the shortfall in tokens and USD", () => {
    const [wethMain, usdcMain, wethFast] = computeBacking(fixtureSnapshot());
    expect(wethMain!.supply).toBe(weth(105));
    expect(wethMain!.backingRatio).toBeCloseTo(100 / 105, 15);
    expect(wethMain!.shortfall).toBe(weth(5));
    expect(wethMain!.shortfallUsd).toBe(10_000);
    // in flight counts in S: 600k + 300k remote + 100k in flight = 1M locked
    expect(usdcMain!.backingRatio).toBe(1);
    expect(usdcMain!.shortfall).toBe(0n);
    expect(wethFast!.backingRatio).toBeNull();
    expect(wethFast!.shortfallUsd).toBe(0);
  });
});

describe("health factor", () => {
  it("matches Aave v3 sum(C_i LT_i) / D with scaled balances times indexes", () => {
    const { health } = analysis();
    expect(health.healthFactor[ALICE]).toBeCloseTo((20_000 * 0.825) / 15_000, 12); // 1.1
    expect(health.healthFactor[BOB]).toBeCloseTo((10_000 * 0.825 + 5_000 * 0.9) / 9_000, 12);
    expect(health.healthFactor[CAROL]).toBeCloseTo((2_000 * 0.825) / 1_700, 12);
    expect(health.healthFactor[DAVE]).toBe(Number.POSITIVE_INFINITY);
    // 1 scaled cWETH x index 1.1 = 1.1 WETH; 1000 scaled USDC debt x index 1.05 = 1050
    expect(health.collateralUsd[ERIN]).toBeCloseTo(2_200, 9);
    expect(health.debtUsd[ERIN]).toBeCloseTo(1_050, 9);
    expect(health.healthFactor[ERIN]).toBeCloseTo((2_200 * 0.8) / 1_050, 12);
  });

  it("ignores supplies not enabled as collateral", () => {
    const { health } = analysis();
    expect(health.collateralUsd[DAVE]).toBe(0);
  });

  it("gives the single-collateral liquidation price D / (q LT)", () => {
    const { book, health } = analysis();
    expect(liquidationPrice(book, health, ALICE)).toBeCloseTo(15_000 / (10 * 0.825), 9);
    expect(liquidationPrice(book, health, BOB)).toBeNull(); // two collaterals
    expect(liquidationPrice(book, health, DAVE)).toBeNull(); // no debt
  });

  it("treats HF exactly 1 as not liquidatable", () => {
    expect(isLiquidatable(1)).toBe(false);
    expect(isLiquidatable(0.999999)).toBe(true);
  });

  it("reports the bridged share of a position's collateral and the bridge", () => {
    const { book, health } = analysis();
    expect(bridgedCollateral(book, health, BOB)).toEqual([
      { bridge: 0, collateralUsd: 10_000, share: 10_000 / 15_000 },
    ]);
    expect(bridgedCollateral(book, health, CAROL)).toEqual([{ bridge: 1, collateralUsd: 2_000, share: 1 }]);
  });
});

describe("exposure", () => {
  it("computes X[p,b], E[p,b], LT-weighted shares and HHI", () => {
    const { exposure } = analysis();
    const lendB = exposure.protocols[0]!;
    expect(lendB.totalCollateralUsd).toBe(37_000);
    expect(lendB.bridges.map((b) => [b.bridge, b.collateralUsd])).toEqual([
      [0, 30_000],
      [1, 2_000],
    ]);
    const e0 = 30_000 / 37_000;
    const e1 = 2_000 / 37_000;
    expect(lendB.bridges[0]!.share).toBeCloseTo(e0, 15);
    expect(lendB.bridges[0]!.borrowingPowerShare).toBeCloseTo(
      (30_000 * 0.825) / (32_000 * 0.825 + 5_000 * 0.9),
      15,
    );
    expect(lendB.hhi).toBeCloseTo(e0 * e0 + e1 * e1, 15);
    expect(exposure.protocols[1]!.hhi).toBeCloseTo(1, 12);
    expect(exposure.bridges[0]!.protocols.map((p) => p.protocol)).toEqual([0, 1]);
    expect(exposure.bridges[1]!.protocols.map((p) => p.protocol)).toEqual([0]);
  });
});

describe("bridge failure", () => {
  it("reprices wrapped collateral to rho P and reports bad debt, liquidatable debt and lenders' loss", () => {
    const { book, health } = analysis();
    const r = bridgeFailure(book, { bridge: "main", recovery: 0.5 }, health);
    // alice: C' = 10,000 < D = 15,000 -> 5,000 bad debt. bob, carol, erin: liquidatable, solvent.
    expect(r.badDebtUsd).toBeCloseTo(5_000, 9);
    expect(r.liquidatableDebtUsd).toBeCloseTo(15_000 + 9_000 + 1_700 + 1_050, 9);
    expect(r.positionsLiquidatable).toBe(4);
    expect(r.baseline).toEqual({
      badDebtUsd: 0,
      liquidatableDebtUsd: 1_700,
      positionsLiquidatable: 1,
      positionsSkipped: 0,
    });
    // dave (no debt) loses half of 2 WETH; the rest of the haircut is borrowers' equity or bad debt
    expect(r.lendersLossUsd).toBeCloseTo(5_000 + 2_000, 9);
    expect(r.wrappedSupplyHaircutUsd).toBeCloseTo(17_000 + 1_100, 9);
  });

  it("rejects recovery outside [0, 1] and unknown bridges", () => {
    const { book } = analysis();
    expect(() => bridgeFailure(book, { bridge: "main", recovery: 1.5 })).toThrow(InvalidRiskParameterError);
    expect(() => bridgeFailure(book, { bridge: "main", recovery: Number.NaN })).toThrow(/recovery/);
    expect(() => bridgeFailure(book, { bridge: "nope", recovery: 0.5 })).toThrow(UnknownRiskEntityError);
  });
});

describe("liquidation", () => {
  it("liquidates with close factor 50% at HF >= 0.95 and bonus LB", () => {
    // carol: C = 2000 (LT 0.825, LB 1.05), D = 1700, HF 0.9706 -> repay 850, seize 892.5
    const out = liquidatePosition(2_000, 1_650, 2_000 / 1.05, 1_700);
    expect(out.repaidUsd).toBeCloseTo(850, 9);
    expect(out.collateralUsd).toBeCloseTo(2_000 - 892.5, 9);
    expect(out.debtUsd).toBeCloseTo(850, 9);
    expect(out.steps).toBe(1);
  });

  it("closes 100% below HF 0.95, and leaves bad debt when collateral runs out", () => {
    const full = liquidatePosition(1_000, 800, 1_000 / 1.05, 900);
    expect(full.debtUsd).toBe(0);
    expect(full.collateralUsd).toBeCloseTo(1_000 - 945, 9);
    const insolvent = liquidatePosition(1_000, 800, 1_000 / 1.05, 1_000);
    expect(insolvent.collateralUsd).toBe(0);
    expect(insolvent.debtUsd).toBeCloseTo(1_000 - 1_000 / 1.05, 9);
  });

  it("runs the price-shock cascade through the constant-product pool (hand-traced)", () => {
    const { book } = analysis();
    // Only carol is liquidatable at shock 0; fWETH's pool holds 10 WETH.
    // r1 at 2000: repay 850, sell 0.44625 -> 1832.8; r2: HF 0.889 -> full close, sell 0.97392 -> 1660.9;
    // r3: collateral short, all 1 WETH sold -> 2000 (10/11)^2 = 1652.89; r4 same -> converged.
    const r = priceShockCascade(book, { shock: 0 });
    const p = 2_000 * (10 / 11) ** 2;
    expect(r.rounds).toBe(4);
    expect(r.converged).toBe(true);
    expect(r.finalPrices[1]).toBeCloseTo(p, 9);
    expect(r.repaidUsd).toBeCloseTo(p / 1.05, 9);
    expect(r.badDebtUsd).toBeCloseTo(1_700 - p / 1.05, 9);
    expect(r.repaidUsd + r.badDebtUsd + r.remainingDebtUsd).toBeCloseTo(r.initialDebtUsd, 9);
  });

  it("keeps bad debt monotone where a path cascade would not (README example)", () => {
    // A (100 X, HF 0.97) and B (1000 X, HF 0.9) share collateral X in a 5000-X pool. Liquidating along
    // the path, -0% gives A a partial liquidation, then B's dump leaves A insolvent (bad debt 3.44),
    // while -3% closes A at once (bad debt 0). The clearing model reports 267.5 <= 288.6.
    const lt = { ltv: 8000, liquidationThreshold: 8000, liquidationBonus: 10500 };
    const reserve = (asset: string, extra: object) => ({
      asset,
      symbol: asset,
      underlyingAsset: null,
      bridge: null,
      priceUsd: 1,
      decimals: 6,
      liquidityIndex: RAY,
      variableBorrowIndex: RAY,
      poolLiquidity: null,
      ...lt,
      ...extra,
    });
    const position = (user: string, q: number, debt: number) => ({
      user,
      reserves: [
        { asset: "X", scaledCollateral: BigInt(q * 1e6), scaledDebt: 0n, usedAsCollateral: true },
        {
          asset: "S",
          scaledCollateral: 0n,
          scaledDebt: BigInt(Math.round(debt * 1e6)),
          usedAsCollateral: false,
        },
      ],
    });
    const book = compileRiskBook({
      asOf: { blockTimestamps: [], sources: [] },
      assets: [],
      bridges: [],
      protocols: [
        {
          id: "p",
          name: "p",
          chainId: 1,
          reserves: [
            reserve("X", { poolLiquidity: 5_000_000_000n }),
            reserve("S", { ltv: 0, liquidationThreshold: 0, liquidationBonus: 10000 }),
          ],
          positions: [position("A", 100, 80 / 0.97), position("B", 1000, 800 / 0.9)],
        },
      ],
    });
    const mild = priceShockCascade(book, { shock: 0 });
    const deep = priceShockCascade(book, { shock: 0.03 });
    expect(mild.badDebtUsd).toBeCloseTo(267.507, 2);
    expect(deep.badDebtUsd).toBeCloseTo(288.623, 2);
  });

  it("stops at the round limit and says so", () => {
    const { book } = analysis();
    const r = priceShockCascade(book, { shock: 0, maxRounds: 2 });
    expect(r.rounds).toBe(2);
    expect(r.converged).toBe(false);
  });

  it("rejects shocks outside [0, 1), bad round limits and unknown assets", () => {
    const { book } = analysis();
    expect(() => priceShockCascade(book, { shock: 3 })).toThrow(/shock must be a fraction in \[0, 1\)/);
    expect(() => priceShockCascade(book, { shock: -0.1 })).toThrow(InvalidRiskParameterError);
    expect(() => priceShockCascade(book, { shock: 0.1, maxRounds: 0 })).toThrow(/maxRounds/);
    expect(() => priceShockCascade(book, { shock: 0.1, asset: "DOGE" })).toThrow(UnknownRiskEntityError);
  });

  it("shocks every market of one home asset", () => {
    const { book } = analysis();
    const prices = shockedPrices(book, 0.1, book.assetIndex.get("weth"));
    expect(Array.from(prices)).toEqual([1_800, 1_800, 1, 1_800, 1]);
  });

  it("computes the liquidation curve at -5% steps", () => {
    const { book } = analysis();
    const curve = liquidationCurve(book, { asset: "WETH" });
    expect(curve.map((c) => c.shock)).toEqual([0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5]);
    // carol already; alice (HF 1.1) below -9.09%; erin (HF 1.676) below -40.3%;
    // bob (8250 (1-s) + 4500) / 9000 < 1 below -45.45%
    expect(curve.map((c) => c.liquidatableDebtUsd)).toEqual([
      1_700, 16_700, 16_700, 16_700, 16_700, 16_700, 16_700, 16_700, 17_750, 26_750,
    ]);
    expect(() => liquidationCurve(book, { steps: 25 })).toThrow(/steps/);
  });

  it("one-shot liquidation of the book conserves debt", () => {
    const { book } = analysis();
    const pass = liquidateBook(book, shockedPrices(book, 0.4));
    expect(pass.repaidUsd + pass.badDebtUsd + pass.remainingDebtUsd).toBeCloseTo(pass.initialDebtUsd, 9);
  });
});

describe("alerts", () => {
  it("raises each condition with its numbers", () => {
    const a = analysis();
    const alerts = evaluateAlerts(a, {
      now: NOW,
      config: {
        liquidationRiskDebtUsd: 10_000,
        exposureShareWarning: 0.8,
        stressBadDebtUsd: 1_000,
        staleAfterSeconds: 20,
      },
      scenarios: runStandardScenarios(a.book, a.health),
    });
    const kinds = (k: string) => alerts.filter((x) => x.kind === k);
    expect(kinds("bridge_undercollateralized")).toMatchObject([
      { severity: "critical", bridge: "main", asset: "WETH", value: 100 / 105, threshold: 1 },
    ]);
    expect(kinds("positions_liquidatable")).toMatchObject([
      { protocol: "lend-b", value: 1_700, severity: "warning" },
    ]);
    // HF < 1.1 strictly: carol only (alice is exactly 1.1) -> 1,700 < 10,000: no alert
    expect(kinds("liquidation_risk_high")).toEqual([]);
    expect(kinds("exposure_concentration").map((x) => [x.protocol, x.bridge])).toEqual([
      ["lend-b", "main"],
      ["lend-c", "main"],
    ]);
    expect(kinds("stress_bad_debt").length).toBeGreaterThan(0);
    // price feeds are 30 s old, threshold 20 s
    expect(kinds("stale_data").map((x) => x.source)).toEqual(["price:WETH", "price:USDC"]);
    expect(alerts[0]!.severity).toBe("critical");
  });

  it("is quiet on fresh data with default thresholds except the real problems", () => {
    const a = analysis();
    const kinds = new Set(evaluateAlerts(a, { now: NOW }).map((x) => x.kind));
    expect(kinds).toEqual(
      new Set(["bridge_undercollateralized", "positions_liquidatable", "exposure_concentration"]),
    );
  });
});

describe("snapshot", () => {
  it("round-trips through JSON with bigints as strings", () => {
    const s = fixtureSnapshot();
    expect(parseRiskSnapshot(JSON.parse(serializeRiskSnapshot(s)))).toEqual(s);
  });

  it("records a bad reserve configuration on the reserve instead of rejecting the snapshot", () => {
    const s = fixtureSnapshot();
    s.protocols[0]!.reserves[2]!.liquidationBonus = 9_000;
    validateRiskSnapshot(s);
    const book = compileRiskBook(s);
    expect(book.reserveProblems[2]).toEqual([
      "liquidation bonus 9000 not above 100% with a non-zero threshold",
    ]);
  });

  it("lists every referential problem", () => {
    const s = fixtureSnapshot();
    s.protocols[0]!.reserves[0]!.bridge = "0xdead";
    s.protocols[0]!.reserves[2]!.liquidationBonus = 9_000;
    s.bridges[1]!.name = "main";
    try {
      validateRiskSnapshot(s);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidRiskSnapshotError);
      expect((error as InvalidRiskSnapshotError).problems).toEqual([
        'duplicate bridge name "main"',
        "lend-b/mWETH: unknown bridge 0xdead",
      ]);
    }
  });

  it("rejects malformed JSON amounts", () => {
    const json = JSON.parse(serializeRiskSnapshot(fixtureSnapshot()));
    json.bridges[0].assets[0].lockedOnHome = "-5";
    expect(() => parseRiskSnapshot(json)).toThrow(/lockedOnHome/);
  });
});
