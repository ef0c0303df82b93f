import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type AaveRules,
  type AccountReserve,
  aaveRevision,
  aaveRules,
  aaveRulesByName,
  accountFigures,
  aTokenBalance,
  aTokenBurnScaled,
  aTokenMintScaled,
  type CloseFactorParameters,
  compoundedInterest,
  compoundedInterestFor,
  debtInBase,
  eModePriceSourceApplies,
  getUserAccountData,
  isEModeCollateral,
  type LeftoverParameters,
  type LiquidationCallParameters,
  leavesDust,
  liquidationCall,
  liquidationDeficit,
  MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD,
  MIN_LEFTOVER_BASE,
  maxLiquidatableDebt,
  normalizedDebtFor,
  RAY,
  rayDiv,
  rayDivCeil,
  rayDivFloor,
  rayMul,
  rayMulCeil,
  rayMulFloor,
  SECONDS_PER_YEAR,
  SUPPORTED_AAVE_POOL_REVISIONS,
  variableDebtBalance,
  variableDebtBurnScaled,
  variableDebtMintScaled,
  WAD,
} from "../../lib/aave/index.js";

// Every vector below is computed by hand from the rules in lib/aave/revisions.ts (read from
// aave-v3-origin's tags); the comments show the arithmetic.

const V3_0 = aaveRules(1);
const V3_1 = aaveRules(4);
const V3_2 = aaveRules(5);
const V3_3 = aaveRules(7);
const V3_4 = aaveRules(8);
const V3_5 = aaveRules(9);
const ALL = [V3_0, V3_1, V3_2, V3_3, V3_4, V3_5];
const BEFORE_3_3 = [V3_0, V3_1, V3_2];
const FROM_3_3 = [V3_3, V3_4, V3_5];
const HALF_UP = [V3_0, V3_1, V3_2, V3_3, V3_4];

const E8 = 10n ** 8n;
const E6 = 10n ** 6n;
const E18 = 10n ** 18n;
const names = (rules: AaveRules[]) => rules.map((r) => r.name).join(", ");

describe("Pool revision -> rule set", () => {
  it("maps each revision aave-v3-origin tags (and core-v3 1.19 for 1) to its release", () => {
    const named = [1, 4, 5, 6, 7, 8, 9].map((r) => [r, aaveRules(r).name]);
    expect(named).toEqual([
      [1, "v3.0"],
      [4, "v3.1"],
      [5, "v3.2"],
      [6, "v3.2"],
      [7, "v3.3"],
      [8, "v3.4"],
      [9, "v3.5"],
    ]);
    expect(SUPPORTED_AAVE_POOL_REVISIONS).toEqual([1, 4, 5, 6, 7, 8, 9]);
  });

  it("answers unread or unknown revisions as unsupported, never as v3.0", () => {
    for (const r of [0, 2, 3, 10, 11, 99, null]) {
      const answer = aaveRevision(r);
      expect(answer.supported).toBe(false);
      if (!answer.supported)
        expect(answer.reason).toMatch(r === null ? /not been read/ : /not one this engine/);
    }
    expect(() => aaveRules(10)).toThrow(/Pool revision 10/);
    // What a caller that must still produce figures applies, and reports as unsupported.
    const closest = [null, 0, 2, 3, 10, 11].map((r) => {
      const answer = aaveRevision(r);
      return answer.supported ? null : answer.closest.name;
    });
    expect(closest).toEqual(["v3.0", "v3.0", "v3.0", "v3.0", "v3.5", "v3.5"]);
    expect(aaveRulesByName("v3.3")).toBe(aaveRules(7));
  });

  it("flags each release's number-changing rules", () => {
    const flags = ALL.map((r) => [
      r.name,
      r.eModeForm,
      r.closeFactor,
      r.deficitAndDust,
      r.interestRounding,
      r.rounding,
    ]);
    expect(flags).toEqual([
      ["v3.0", "reserve-category", "reserve-debt", false, "divide-first", "half-up"],
      ["v3.1", "reserve-category", "reserve-debt", false, "divide-first", "half-up"],
      ["v3.2", "bitmaps", "reserve-debt", false, "divide-first", "half-up"],
      ["v3.3", "bitmaps", "position-size", true, "divide-first", "half-up"],
      ["v3.4", "bitmaps", "position-size", true, "multiply-first", "half-up"],
      ["v3.5", "bitmaps", "position-size", true, "multiply-first", "directional"],
    ]);
  });
});

describe("close factor (v3.0-v3.2 per reserve; v3.3+ by position size)", () => {
  // USDC debt (6 decimals, 1.00), WETH collateral (18 decimals, 2000.00), 8-decimal base currency.
  const usdcAgainstWeth = (p: Partial<CloseFactorParameters>): CloseFactorParameters => ({
    healthFactor: (96n * WAD) / 100n,
    borrowerReserveDebt: 900n * E6,
    borrowerCollateralBalance: (6n * E18) / 10n,
    debtPrice: 1n * E8,
    collateralPrice: 2000n * E8,
    debtDecimals: 6,
    collateralDecimals: 18,
    totalDebtBase: 900n * E8,
    ...p,
  });

  it("small position at HF 0.96 (1200 USD collateral, 900 USD debt): 50% before v3.3, 100% from v3.3", () => {
    const p = usdcAgainstWeth({});
    // v3.0: percentMul(900e6, 5000) = 450e6; v3.3: 900e8 base < 2000e8 -> the whole reserve debt.
    for (const rules of BEFORE_3_3) expect(maxLiquidatableDebt(rules, p), rules.name).toBe(450n * E6);
    for (const rules of FROM_3_3) expect(maxLiquidatableDebt(rules, p), rules.name).toBe(900n * E6);
  });

  it("large position at HF 0.96: v3.3 caps at 50% of the whole position's debt", () => {
    // 5 WETH (10,000 USD) against 6,000 USDC + 4,000 USD of other debt (total 10,000e8 base).
    const concentrated = usdcAgainstWeth({
      borrowerReserveDebt: 6000n * E6,
      borrowerCollateralBalance: 5n * E18,
      totalDebtBase: 10_000n * E8,
    });
    // v3.0: 6000e6 * 50% = 3000e6. v3.3: 6000e8 > percentMul(10,000e8, 50%) = 5000e8 -> 5000e8 * 1e6 / 1e8.
    for (const rules of BEFORE_3_3) expect(maxLiquidatableDebt(rules, concentrated)).toBe(3000n * E6);
    for (const rules of FROM_3_3) expect(maxLiquidatableDebt(rules, concentrated)).toBe(5000n * E6);
    // 3,000 USDC of the 10,000: v3.0 1500e6; v3.3 3000e8 <= 5000e8 -> the whole 3000e6.
    const spread = { ...concentrated, borrowerReserveDebt: 3000n * E6 };
    for (const rules of BEFORE_3_3) expect(maxLiquidatableDebt(rules, spread)).toBe(1500n * E6);
    for (const rules of FROM_3_3) expect(maxLiquidatableDebt(rules, spread)).toBe(3000n * E6);
  });

  it("HF at or below 0.95: 100% in every revision", () => {
    const p = usdcAgainstWeth({
      healthFactor: (95n * WAD) / 100n,
      borrowerReserveDebt: 6000n * E6,
      borrowerCollateralBalance: 5n * E18,
      totalDebtBase: 10_000n * E8,
    });
    for (const rules of ALL) expect(maxLiquidatableDebt(rules, p), rules.name).toBe(6000n * E6);
  });

  it("v3.5 values the reserve debt rounding up: 2000e18 - 1 wei of an 18-decimal 1.00 token", () => {
    const p = usdcAgainstWeth({
      borrowerReserveDebt: 2000n * E18 - 1n,
      debtDecimals: 18,
      borrowerCollateralBalance: 10n * E18,
      totalDebtBase: 2000n * E8,
    });
    // v3.4: floor((2000e18 - 1) * 1e8 / 1e18) = 1999_99999999 < 2000e8 -> 100%.
    expect(maxLiquidatableDebt(V3_4, p)).toBe(2000n * E18 - 1n);
    // v3.5: ceil(...) = 2000e8 >= threshold, HF > 0.95 -> percentMul(2000e8, 50%) * 1e18 / 1e8 = 1000e18.
    expect(maxLiquidatableDebt(V3_5, p)).toBe(1000n * E18);
  });

  it("never allows more than the reserve debt, and all of it at HF <= 0.95 (property)", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ALL),
        fc.bigInt({ min: 0n, max: 10n ** 30n }),
        fc.bigInt({ min: 0n, max: 10n ** 30n }),
        fc.bigInt({ min: 1n, max: 10n ** 14n }),
        fc.bigInt({ min: 0n, max: 2n * WAD }),
        (rules, debt, collateral, price, hf) => {
          const p = usdcAgainstWeth({
            healthFactor: hf,
            borrowerReserveDebt: debt,
            borrowerCollateralBalance: collateral,
            debtPrice: price,
            debtDecimals: 18,
            totalDebtBase: debtInBase(rules, debt, price, 18),
          });
          const max = maxLiquidatableDebt(rules, p);
          expect(max >= 0n && max <= debt).toBe(true);
          if (hf <= (95n * WAD) / 100n) expect(max).toBe(debt);
        },
      ),
    );
  });
});

describe("leftover dust (v3.3+)", () => {
  // 2,500 USDC of debt, 2 WETH (4,000 USD) collateral; MIN_LEFTOVER_BASE = 1000e8.
  const liquidation = (p: Partial<LeftoverParameters>): LeftoverParameters => ({
    borrowerReserveDebt: 2500n * E6,
    debtToLiquidate: 1000n * E6,
    borrowerCollateralBalance: 2n * E18,
    collateralToLiquidate: 525n * 10n ** 15n,
    debtPrice: 1n * E8,
    collateralPrice: 2000n * E8,
    debtDecimals: 6,
    collateralDecimals: 18,
    ...p,
  });

  it("the threshold constants are LiquidationLogic's", () => {
    expect(MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD).toBe(2000n * E8);
    expect(MIN_LEFTOVER_BASE).toBe(1000n * E8);
  });

  it("a partial liquidation must leave at least 1000 base units of debt and of collateral", () => {
    // Leaves 1500e8 debt and 1.475 WETH = 2950e8: fine everywhere.
    for (const rules of ALL) expect(leavesDust(rules, liquidation({}))).toBe(false);
    // Repays 1600 of 2500: 900e8 debt left < 1000e8 -> MUST_NOT_LEAVE_DUST from v3.3 only.
    const tooMuch = liquidation({ debtToLiquidate: 1600n * E6, collateralToLiquidate: 84n * 10n ** 16n });
    expect(BEFORE_3_3.map((r) => leavesDust(r, tooMuch))).toEqual([false, false, false]);
    expect(FROM_3_3.map((r) => leavesDust(r, tooMuch))).toEqual([true, true, true]);
    // Seizes 1.6 of 2 WETH: 0.4 WETH = 800e8 collateral left -> dust.
    const collateralDust = liquidation({ collateralToLiquidate: 16n * 10n ** 17n });
    expect(names(FROM_3_3.filter((r) => leavesDust(r, collateralDust)))).toBe("v3.3, v3.4, v3.5");
  });

  it("repaying the whole reserve debt or seizing all the collateral is always allowed", () => {
    const allDebt = liquidation({ debtToLiquidate: 2500n * E6, collateralToLiquidate: 13125n * 10n ** 14n });
    const allCollateral = liquidation({ debtToLiquidate: 2400n * E6, collateralToLiquidate: 2n * E18 });
    for (const rules of ALL) {
      expect(leavesDust(rules, allDebt)).toBe(false);
      expect(leavesDust(rules, allCollateral)).toBe(false);
    }
  });

  it("v3.5 values the debt left rounding up (1000e18 - 1 wei of an 18-decimal 1.00 token)", () => {
    const p = liquidation({
      borrowerReserveDebt: 3000n * E18,
      debtToLiquidate: 2000n * E18 + 1n,
      debtDecimals: 18,
    });
    // floor((1000e18 - 1) * 1e8 / 1e18) = 999_99999999 < 1000e8; ceil = 1000e8.
    expect(leavesDust(V3_4, p)).toBe(true);
    expect(leavesDust(V3_5, p)).toBe(false);
  });
});

describe("deficit (v3.3+)", () => {
  const debts = [
    { asset: "usdc", debt: 1500n * E6 },
    { asset: "dai", debt: 200n * E18 },
  ];

  it("a liquidation that takes all the collateral books every remaining debt as deficit", () => {
    const p = {
      totalCollateralBase: 1000n * E8,
      collateralLiquidatedBase: 1000n * E8,
      debts,
      debtAsset: "usdc",
      debtToLiquidate: 950n * E6,
    };
    // usdc: 1500e6 - 950e6 = 550e6; dai: the whole 200e18.
    for (const rules of FROM_3_3)
      expect(liquidationDeficit(rules, p)).toEqual({
        hasNoCollateralLeft: true,
        deficits: [
          { asset: "usdc", deficit: 550n * E6 },
          { asset: "dai", deficit: 200n * E18 },
        ],
      });
    // Before v3.3 the debt stays on the account.
    for (const rules of BEFORE_3_3)
      expect(liquidationDeficit(rules, p)).toEqual({ hasNoCollateralLeft: true, deficits: [] });
    // One base unit of collateral left: no deficit in any revision.
    const left = { ...p, collateralLiquidatedBase: 1000n * E8 - 1n };
    for (const rules of ALL) expect(liquidationDeficit(rules, left).deficits).toEqual([]);
  });

  it("conserves debt: repaid + deficits = debt before, when no collateral is left (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.bigInt({ min: 1n, max: 10n ** 30n }), { minLength: 1, maxLength: 5 }),
        fc.nat(),
        fc.bigInt({ min: 0n, max: 10n ** 4n }),
        (amounts, pick, share) => {
          const positionDebts = amounts.map((debt, i) => ({ asset: `r${i}`, debt }));
          const repaid = positionDebts[pick % positionDebts.length]!;
          const debtToLiquidate = (repaid.debt * share) / 10n ** 4n;
          const out = liquidationDeficit(V3_3, {
            totalCollateralBase: 5n,
            collateralLiquidatedBase: 5n,
            debts: positionDebts,
            debtAsset: repaid.asset,
            debtToLiquidate,
          });
          const deficits = out.deficits.reduce((s, d) => s + d.deficit, 0n);
          expect(debtToLiquidate + deficits).toBe(amounts.reduce((s, a) => s + a, 0n));
        },
      ),
    );
  });
});

describe("eMode (v3.0-v3.1 category per reserve; v3.2+ bitmaps)", () => {
  it("v3.0/v3.1: the reserve's own category decides", () => {
    for (const rules of [V3_0, V3_1]) {
      expect(isEModeCollateral(rules, { userCategory: 1, reserveCategory: 1 })).toBe(true);
      expect(isEModeCollateral(rules, { userCategory: 1, reserveCategory: 2 })).toBe(false);
      expect(isEModeCollateral(rules, { userCategory: 0, reserveCategory: 0 })).toBe(false);
      expect(eModePriceSourceApplies(rules)).toBe(true);
    }
  });

  it("v3.2+: the category's collateral bitmap decides (0b101: reserves 0 and 2)", () => {
    for (const rules of [V3_2, V3_3, V3_4, V3_5]) {
      const inCategory = [0, 1, 2, 3].map((reserveId) =>
        isEModeCollateral(rules, {
          userCategory: 1,
          reserveCategory: 1,
          collateralBitmap: 0b101n,
          reserveId,
        }),
      );
      expect(inCategory).toEqual([true, false, true, false]);
      expect(isEModeCollateral(rules, { userCategory: 0, collateralBitmap: 0b101n, reserveId: 0 })).toBe(
        false,
      );
      expect(() => isEModeCollateral(rules, { userCategory: 1, reserveCategory: 1 })).toThrow(/bitmap/);
      expect(eModePriceSourceApplies(rules)).toBe(false);
    }
  });
});

describe("scaled-balance rounding (half up before v3.5; in the protocol's favour from v3.5)", () => {
  const index = (tenths: bigint) => (RAY * tenths) / 10n;

  it("balances: aToken floors, variable debt ceils from v3.5", () => {
    // 1 scaled at 1.5: 1.5 -> half up 2, floor 1.  1 scaled at 1.2: 1.2 -> half up 1, ceil 2.
    for (const rules of HALF_UP) {
      expect(aTokenBalance(rules, 1n, index(15n))).toBe(2n);
      expect(variableDebtBalance(rules, 1n, index(12n))).toBe(1n);
    }
    expect(aTokenBalance(V3_5, 1n, index(15n))).toBe(1n);
    expect(variableDebtBalance(V3_5, 1n, index(12n))).toBe(2n);
  });

  it("mint and burn: supply floors, withdraw ceils, borrow ceils, repay floors from v3.5", () => {
    // 1 / 1.5 = 0.667: half up 1, floor 0.  1 / 3 = 0.333: half up 0, ceil 1.  2 / 3 = 0.667: half up 1, floor 0.
    const figures = (rules: AaveRules) => [
      aTokenMintScaled(rules, 1n, index(15n)),
      aTokenBurnScaled(rules, 1n, index(30n)),
      variableDebtMintScaled(rules, 1n, index(30n)),
      variableDebtBurnScaled(rules, 2n, index(30n)),
    ];
    for (const rules of HALF_UP) expect(figures(rules)).toEqual([1n, 0n, 0n, 1n]);
    expect(figures(V3_5)).toEqual([0n, 1n, 1n, 0n]);
  });

  it("debt in base currency rounds up from v3.5: 1 wei of WETH at 2000 USD", () => {
    // 1 * 2000e8 / 1e18 = 2e-7 base units.
    for (const rules of HALF_UP) expect(debtInBase(rules, 1n, 2000n * E8, 18)).toBe(0n);
    expect(debtInBase(V3_5, 1n, 2000n * E8, 18)).toBe(1n);
  });

  it("v3.5 floor and ceil bracket v3.0's half-up within one unit (property)", () => {
    const amounts = fc.bigInt({ min: 0n, max: 10n ** 36n });
    const indexes = fc.bigInt({ min: RAY, max: 100n * RAY });
    fc.assert(
      fc.property(amounts, indexes, (a, i) => {
        const [floor, halfUp, ceil] = [rayMulFloor(a, i), rayMul(a, i), rayMulCeil(a, i)];
        expect(floor <= halfUp && halfUp <= ceil && ceil - floor <= 1n).toBe(true);
        const [dFloor, dHalfUp, dCeil] = [rayDivFloor(a, i), rayDiv(a, i), rayDivCeil(a, i)];
        expect(dFloor <= dHalfUp && dHalfUp <= dCeil && dCeil - dFloor <= 1n).toBe(true);
        expect(aTokenBalance(V3_5, a, i) <= aTokenBalance(V3_4, a, i)).toBe(true);
        expect(variableDebtBalance(V3_5, a, i) >= variableDebtBalance(V3_4, a, i)).toBe(true);
      }),
    );
  });

  it("v3.5 never credits more than supplied and never records less debt than borrowed (property)", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 36n }),
        fc.bigInt({ min: RAY, max: 100n * RAY }),
        (a, i) => {
          expect(aTokenBalance(V3_5, aTokenMintScaled(V3_5, a, i), i) <= a).toBe(true);
          expect(variableDebtBalance(V3_5, variableDebtMintScaled(V3_5, a, i), i) >= a).toBe(true);
        },
      ),
    );
  });
});

describe("health factor and available borrows (v3.5 drops the intermediate rounding)", () => {
  it("3 base units of collateral at LT 83.33% against 2 of debt", () => {
    const sums = {
      totalCollateralBase: 3n,
      weightedThresholdSum: 3n * 8333n,
      weightedLtvSum: 0n,
      totalDebtBase: 2n,
    };
    // Before v3.5: avgLT = 24999 / 3 = 8333; percentMul(3, 8333) = (24999 + 5000) / 10000 = 2; wadDiv(2, 2) = 1e18.
    for (const rules of HALF_UP) expect(accountFigures(rules, sums).healthFactor).toBe(WAD);
    // v3.5: wadDiv(24999, 2) / 10000 = 12499.5e18 / 10000 = 1.24995e18.
    expect(accountFigures(V3_5, sums).healthFactor).toBe(124995n * 10n ** 13n);
  });

  it("10 WETH at 2000 USD (LT 82.5%) against 15,000 USD: HF 1.1 in every revision", () => {
    const collateral = 20_000n * E8;
    const sums = {
      totalCollateralBase: collateral,
      weightedThresholdSum: collateral * 8250n,
      weightedLtvSum: collateral * 8000n,
      totalDebtBase: 15_000n * E8,
    };
    for (const rules of ALL) {
      const figures = accountFigures(rules, sums);
      expect(figures.healthFactor).toBe((11n * WAD) / 10n);
      // 20,000e8 * 80% - 15,000e8
      expect(figures.availableBorrowsBase).toBe(1000n * E8);
    }
  });

  it("available borrows floor from v3.5: 1 base unit at LTV 50%", () => {
    const sums = {
      totalCollateralBase: 1n,
      weightedThresholdSum: 5000n,
      weightedLtvSum: 5000n,
      totalDebtBase: 0n,
    };
    // percentMul(1, 5000) = (5000 + 5000) / 10000 = 1; percentMulFloor = 0.
    for (const rules of HALF_UP) expect(accountFigures(rules, sums).availableBorrowsBase).toBe(1n);
    expect(accountFigures(V3_5, sums).availableBorrowsBase).toBe(0n);
    for (const rules of ALL) expect(accountFigures(rules, sums).healthFactor).toBe(2n ** 256n - 1n);
  });
});

describe("getUserAccountData under each revision's rules", () => {
  // 8-decimal tokens priced 1.00 (1e8), so a token amount is its value in base currency.
  const reserve = (r: Partial<AccountReserve>): AccountReserve => ({
    symbol: "X",
    decimals: 8,
    ltv: 8000n,
    liquidationThreshold: 8250n,
    eModeCategory: 0,
    price: { status: "priced", price: 1n * E8 },
    scaledATokenBalance: 0n,
    scaledVariableDebt: 0n,
    stableDebt: null,
    usedAsCollateral: false,
    normalizedIncome: RAY,
    normalizedDebt: RAY,
    ...r,
  });
  const account = (
    rules: AaveRules,
    reserves: AccountReserve[],
    eMode: Parameters<typeof getUserAccountData>[0]["eMode"] = null,
  ) => getUserAccountData({ reserves, eMode, timestamp: 0n, rules }).data!;

  it("a 1-wei WETH debt: invisible before v3.5 (HF max), one base unit from v3.5", () => {
    const reserves = [
      reserve({
        decimals: 18,
        price: { status: "priced", price: 2000n * E8 },
        scaledATokenBalance: E18,
        usedAsCollateral: true,
      }),
      reserve({ decimals: 18, price: { status: "priced", price: 2000n * E8 }, scaledVariableDebt: 1n }),
    ];
    for (const rules of HALF_UP) {
      expect(account(rules, reserves).totalDebtBase).toBe(0n);
      expect(account(rules, reserves).healthFactor).toBe(2n ** 256n - 1n);
    }
    // 2000e8 * 8250 wadDiv 1 / 10000 = 1650e8 * 1e18.
    expect(account(V3_5, reserves).totalDebtBase).toBe(1n);
    expect(account(V3_5, reserves).healthFactor).toBe(1650n * E8 * WAD);
  });

  it("3 units of collateral at LT 83.33% against 2 of debt: HF 1 before v3.5, 1.24995 from v3.5", () => {
    const reserves = [
      reserve({ scaledATokenBalance: 3n, usedAsCollateral: true, liquidationThreshold: 8333n }),
      reserve({ scaledVariableDebt: 2n }),
    ];
    expect(HALF_UP.map((r) => account(r, reserves).healthFactor)).toEqual(HALF_UP.map(() => WAD));
    expect(account(V3_5, reserves).healthFactor).toBe(124995n * 10n ** 13n);
  });

  it("eMode: the v3.0 category covers both collaterals, the v3.2 bitmap (0b01) only reserve 0", () => {
    // Reserve 0: 1000 at LT 80%; reserve 1: 1000 at LT 70%; both in category 1 (LT 90%); 1500 of debt.
    const reserves = [
      reserve({
        id: 0,
        eModeCategory: 1,
        scaledATokenBalance: 1000n * E8,
        usedAsCollateral: true,
        liquidationThreshold: 8000n,
      }),
      reserve({
        id: 1,
        eModeCategory: 1,
        scaledATokenBalance: 1000n * E8,
        usedAsCollateral: true,
        liquidationThreshold: 7000n,
      }),
      reserve({ id: 2, scaledVariableDebt: 1500n * E8 }),
    ];
    const eMode = {
      id: 1,
      ltv: 8500n,
      liquidationThreshold: 9000n,
      priceSource: null,
      collateralBitmap: 0b01n,
    };
    // v3.0/v3.1: avg LT 9000; percentMul(2000e8, 9000) = 1800e8; wadDiv(1800e8, 1500e8) = 1.2e18.
    for (const rules of [V3_0, V3_1]) {
      expect(account(rules, reserves, eMode).currentLiquidationThreshold).toBe(9000n);
      expect(account(rules, reserves, eMode).healthFactor).toBe((12n * WAD) / 10n);
    }
    // v3.2+: (9000 + 7000) / 2 = 8000; 1600e8 wadDiv 1500e8 = 1.0666...67e18 (half up).
    for (const rules of [V3_2, V3_3, V3_4]) {
      expect(account(rules, reserves, eMode).currentLiquidationThreshold).toBe(8000n);
      expect(account(rules, reserves, eMode).healthFactor).toBe(1066666666666666667n);
    }
    // v3.5: sum = 1000e8 * 9000 + 1000e8 * 7000 = 1.6e15; wadDiv(1.6e15, 1500e8) = 10666666666666666666667 (half up); / 10000 floors.
    expect(account(V3_5, reserves, eMode).healthFactor).toBe(1066666666666666666n);
  });

  it("eMode price source: applied by v3.0/v3.1, ignored from v3.2", () => {
    const reserves = [
      reserve({ id: 0, eModeCategory: 1, scaledATokenBalance: 1000n * E8, usedAsCollateral: true }),
      reserve({ id: 1, scaledVariableDebt: 500n * E8 }),
    ];
    const eMode = {
      id: 1,
      ltv: 9000n,
      liquidationThreshold: 9300n,
      priceSource: { status: "priced" as const, price: 2n * E8 },
      collateralBitmap: 0b1n,
    };
    expect(account(V3_1, reserves, eMode).totalCollateralBase).toBe(2000n * E8);
    expect(account(V3_2, reserves, eMode).totalCollateralBase).toBe(1000n * E8);
  });
});

describe("compounded interest (v3.4 multiplies before dividing by the year)", () => {
  it("10% a year for one year", () => {
    // v3.0-v3.3: RAY + rate*dt/year + dt(dt-1)*b2/2 + dt(dt-1)(dt-2)*b3/6 with b2 = rayMul(r, r) / year^2
    // = 10055109076 and b3 = rayMul(b2, r) / year = 31 (both floored first).
    for (const rules of [V3_0, V3_1, V3_2, V3_3])
      expect(compoundedInterestFor(rules, RAY / 10n, SECONDS_PER_YEAR)).toBe(1105162042821782412575504000n);
    // v3.4+: x = 0.1 ray; rayMul(x, x / 6) = 1666666666666666666666667; x / 2 + that = 51666666666666666666666667;
    // rayMul(x, that) = 5166666666666666666666667; RAY + x + it.
    for (const rules of [V3_4, V3_5])
      expect(compoundedInterestFor(rules, RAY / 10n, SECONDS_PER_YEAR)).toBe(1105166666666666666666666667n);
  });

  it("the variable borrow index brought forward one year from 1.02", () => {
    const reserve = {
      liquidityIndex: RAY,
      variableBorrowIndex: (RAY * 102n) / 100n,
      currentLiquidityRate: 0n,
      currentVariableBorrowRate: RAY / 10n,
      lastUpdateTimestamp: 0n,
    };
    // rayMul(1105166666666666666666666667, 1.02e27) = 1127270000000000000000000000.34 -> ...000.
    expect(normalizedDebtFor(V3_4, reserve, SECONDS_PER_YEAR)).toBe(1127270000000000000000000000n);
    expect(normalizedDebtFor(V3_4, reserve, 0n)).toBe(reserve.variableBorrowIndex);
  });

  it("v3.0-v3.3 is lib/aave's compoundedInterest; v3.4 stays within 1e-5 of it over a year at <= 100% (property)", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: RAY }),
        fc.bigInt({ min: 0n, max: SECONDS_PER_YEAR }),
        (rate, dt) => {
          const before = compoundedInterestFor(V3_3, rate, dt);
          expect(before).toBe(compoundedInterest(rate, dt));
          const after = compoundedInterestFor(V3_4, rate, dt);
          const gap = after > before ? after - before : before - after;
          // v3.0 floors rate^3 / year^3 to an integer before multiplying by dt^3 / 6: up to ~5e-6 ray lost
          // over a year (2.9e-6 at 100% a year, against v3.4's figure).
          expect(gap <= RAY / 10n ** 5n).toBe(true);
        },
      ),
    );
  });
});

describe("liquidationCall: close factor, seizure, fee, dust and deficit together", () => {
  const MAX = 2n ** 256n - 1n;
  // 0.6 WETH (1,200 USD) against 900 USDC at HF 0.96; bonus 5%, protocol fee 10% of the bonus.
  const small: LiquidationCallParameters = {
    healthFactor: (96n * WAD) / 100n,
    borrowerReserveDebt: 900n * E6,
    borrowerCollateralBalance: (6n * E18) / 10n,
    debtPrice: 1n * E8,
    collateralPrice: 2000n * E8,
    debtDecimals: 6,
    collateralDecimals: 18,
    totalDebtBase: 900n * E8,
    debtToCover: MAX,
    liquidationBonus: 10500n,
    liquidationProtocolFee: 1000n,
    totalCollateralBase: 1200n * E8,
    debts: [{ asset: "usdc", debt: 900n * E6 }],
    debtAsset: "usdc",
  };

  it("small position: v3.0 repays half, v3.3 all of it", () => {
    // v3.0: 450e6 -> base 450e6 * 1e8 * 1e18 / (2000e8 * 1e6) = 0.225 WETH; with bonus 0.23625 (472.5 USD);
    // fee = (0.23625 - 0.225) * 10% = 0.001125 WETH.
    for (const rules of BEFORE_3_3)
      expect(liquidationCall(rules, small)).toEqual({
        reverted: null,
        debtToLiquidate: 450n * E6,
        collateralToLiquidator: 235125n * 10n ** 12n,
        protocolFee: 1125n * 10n ** 12n,
        collateralLiquidatedBase: 4725n * 10n ** 7n,
        hasNoCollateralLeft: false,
        deficits: [],
      });
    // v3.3: 900e6 -> 0.45 WETH, with bonus 0.4725 (945 USD); fee 0.00225.
    for (const rules of FROM_3_3)
      expect(liquidationCall(rules, small)).toEqual({
        reverted: null,
        debtToLiquidate: 900n * E6,
        collateralToLiquidator: 47025n * 10n ** 13n,
        protocolFee: 225n * 10n ** 13n,
        collateralLiquidatedBase: 945n * E8,
        hasNoCollateralLeft: false,
        deficits: [],
      });
  });

  it("repaying only 450 of the 900: fine before v3.3, MUST_NOT_LEAVE_DUST from v3.3 (450 USD left)", () => {
    const half = { ...small, debtToCover: 450n * E6 };
    for (const rules of BEFORE_3_3) expect(liquidationCall(rules, half).reverted).toBeNull();
    for (const rules of FROM_3_3)
      expect(liquidationCall(rules, half)).toEqual({ reverted: "MUST_NOT_LEAVE_DUST" });
  });

  it("collateral runs out: the rest of the debt becomes deficit from v3.3; v3.5 rounds the covered debt up", () => {
    // 0.5 WETH (1,000 USD) against 1,500 USDC and 200 DAI: HF 0.485, close factor 100%, no fee.
    const underwater: LiquidationCallParameters = {
      ...small,
      healthFactor: (485n * WAD) / 1000n,
      borrowerReserveDebt: 1500n * E6,
      borrowerCollateralBalance: E18 / 2n,
      totalDebtBase: 1700n * E8,
      liquidationProtocolFee: 0n,
      totalCollateralBase: 1000n * E8,
      debts: [
        { asset: "usdc", debt: 1500n * E6 },
        { asset: "dai", debt: 200n * E18 },
      ],
    };
    // 1,500 USDC would need 0.7875 WETH: capped at 0.5; it covers 1000e6 percentDiv 10500 = 952380952.38...
    const expected = (debtToLiquidate: bigint, deficits: { asset: string; deficit: bigint }[]) => ({
      reverted: null,
      debtToLiquidate,
      collateralToLiquidator: E18 / 2n,
      protocolFee: 0n,
      collateralLiquidatedBase: 1000n * E8,
      hasNoCollateralLeft: true,
      deficits,
    });
    for (const rules of BEFORE_3_3)
      expect(liquidationCall(rules, underwater)).toEqual(expected(952380952n, []));
    for (const rules of [V3_3, V3_4])
      expect(liquidationCall(rules, underwater)).toEqual(
        expected(952380952n, [
          { asset: "usdc", deficit: 547619048n },
          { asset: "dai", deficit: 200n * E18 },
        ]),
      );
    expect(liquidationCall(V3_5, underwater)).toEqual(
      expected(952380953n, [
        { asset: "usdc", deficit: 547619047n },
        { asset: "dai", deficit: 200n * E18 },
      ]),
    );
  });
});
