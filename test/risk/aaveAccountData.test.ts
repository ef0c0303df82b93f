import {
  calculateHealthFactorFromBalances,
  getCompoundedBalance,
  rayMul as mathUtilsRayMul,
} from "@aave/math-utils";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type AccountReserve,
  DEFAULT_FEED_HEARTBEAT_SECONDS,
  getUserAccountData,
  MAX_UINT256,
  type OraclePrice,
  oraclePrice,
  RAY,
  rayMul,
  SECONDS_PER_YEAR,
  stableDebtBalance,
  WAD,
} from "../../lib/aave/index.js";

const priced = (price: bigint): OraclePrice => ({ status: "priced", price });

function reserve(overrides: Partial<AccountReserve>): AccountReserve {
  return {
    symbol: "X",
    decimals: 18,
    ltv: 8000n,
    liquidationThreshold: 8250n,
    eModeCategory: 0,
    price: priced(1_00000000n),
    scaledATokenBalance: 0n,
    scaledVariableDebt: 0n,
    stableDebt: null,
    usedAsCollateral: false,
    normalizedIncome: RAY,
    normalizedDebt: RAY,
    ...overrides,
  };
}

// 10 WETH scaled at income 1.05 (10.5 WETH at 2,000) against 10,000 USDC scaled at debt index 1.1.
const weth = reserve({
  symbol: "WETH",
  price: priced(2000_00000000n),
  scaledATokenBalance: 10n * WAD,
  usedAsCollateral: true,
  normalizedIncome: (105n * RAY) / 100n,
});
const usdcDebt = reserve({
  symbol: "USDC",
  decimals: 6,
  ltv: 7500n,
  liquidationThreshold: 8000n,
  scaledVariableDebt: 10_000_000000n,
  normalizedDebt: (11n * RAY) / 10n,
});

describe("getUserAccountData (Aave v3.0 GenericLogic)", () => {
  it("values collateral and debt with floors, weights LT/LTV by value and divides like the Pool", () => {
    const r = getUserAccountData({ reserves: [weth, usdcDebt], eMode: null, timestamp: 0n });
    expect(r.status).toBe("priced");
    expect(r.data).toEqual({
      totalCollateralBase: 21_000_00000000n,
      totalDebtBase: 11_000_00000000n,
      availableBorrowsBase: 5_800_00000000n,
      currentLiquidationThreshold: 8250n,
      ltv: 8000n,
      healthFactor: 1_575000000000000000n,
    });
    expect(r.healthFactor).toBe(1_575000000000000000n);
  });

  it("returns uint256 max without debt and zeros without anything", () => {
    expect(getUserAccountData({ reserves: [weth], eMode: null, timestamp: 0n }).healthFactor).toBe(
      MAX_UINT256,
    );
    const empty = getUserAccountData({ reserves: [], eMode: null, timestamp: 0n });
    expect(empty.data).toEqual({
      totalCollateralBase: 0n,
      totalDebtBase: 0n,
      availableBorrowsBase: 0n,
      currentLiquidationThreshold: 0n,
      ltv: 0n,
      healthFactor: MAX_UINT256,
    });
  });

  it("does not count an LT-0 reserve as collateral, even with the collateral bit set", () => {
    const notCollateral = reserve({
      liquidationThreshold: 0n,
      ltv: 0n,
      scaledATokenBalance: 10n ** 24n,
      usedAsCollateral: true,
      price: { status: "unpriced", reason: "no source" },
    });
    const r = getUserAccountData({ reserves: [weth, usdcDebt, notCollateral], eMode: null, timestamp: 0n });
    // Its (missing) price cannot matter: the Pool never multiplies by it.
    expect(r.status).toBe("priced");
    expect(r.data?.totalCollateralBase).toBe(21_000_00000000n);
    // GenericLogic only looks at LTV inside the LT != 0 branch.
    expect(r.hasZeroLtvCollateral).toBe(false);
  });

  it("uses the eMode category's LTV, LT and price source for reserves in the user's category", () => {
    const category = { id: 1, ltv: 9000n, liquidationThreshold: 9300n, priceSource: priced(1_00000000n) };
    const usdc = reserve({
      symbol: "USDC",
      decimals: 6,
      eModeCategory: 1,
      ltv: 7500n,
      liquidationThreshold: 8000n,
      price: priced(99_000000n),
      scaledATokenBalance: 1000_000000n,
      usedAsCollateral: true,
    });
    const dai = reserve({
      symbol: "DAI",
      eModeCategory: 1,
      price: priced(1_01000000n),
      scaledVariableDebt: 900n * WAD,
    });
    const r = getUserAccountData({ reserves: [usdc, dai], eMode: category, timestamp: 0n });
    expect(r.data).toMatchObject({
      totalCollateralBase: 1000_00000000n,
      totalDebtBase: 900_00000000n,
      ltv: 9000n,
      currentLiquidationThreshold: 9300n,
      healthFactor: 1033333333333333333n,
    });
    // Without the price source, each asset's own price; category LT/LTV still apply.
    const own = getUserAccountData({
      reserves: [usdc, dai],
      eMode: { ...category, priceSource: null },
      timestamp: 0n,
    });
    expect(own.data).toMatchObject({ totalCollateralBase: 990_00000000n, totalDebtBase: 909_00000000n });
    // eMode 0: the reserve's own parameters.
    const none = getUserAccountData({ reserves: [usdc, dai], eMode: null, timestamp: 0n });
    expect(none.data).toMatchObject({ ltv: 7500n, currentLiquidationThreshold: 8000n });
  });

  it("compounds stable debt like StableDebtToken.balanceOf", () => {
    const debt = { principal: 1000_000000n, rate: RAY / 10n, lastUpdateTimestamp: 1_000n };
    expect(stableDebtBalance(debt, 1_000n + SECONDS_PER_YEAR)).toBe(1105_162043n);
    expect(stableDebtBalance({ ...debt, principal: 0n }, 5_000n)).toBe(0n);
    const r = getUserAccountData({
      reserves: [weth, reserve({ decimals: 6, stableDebt: debt })],
      eMode: null,
      timestamp: 1_000n + SECONDS_PER_YEAR,
    });
    expect(r.data?.totalDebtBase).toBe(1105_16204300n);
  });

  it("reports stale and unpriced positions with reasons and a null health factor", () => {
    const stale = getUserAccountData({
      reserves: [
        { ...weth, price: { status: "stale", price: 2000_00000000n, reason: "WETH: old" } },
        usdcDebt,
      ],
      eMode: null,
      timestamp: 0n,
    });
    expect(stale).toMatchObject({ status: "stale", reasons: ["WETH: old"], healthFactor: null });
    expect(stale.data?.totalCollateralBase).toBe(21_000_00000000n);
    const unpriced = getUserAccountData({
      reserves: [weth, { ...usdcDebt, price: { status: "unpriced", reason: "USDC: no price source" } }],
      eMode: null,
      timestamp: 0n,
    });
    expect(unpriced).toMatchObject({ status: "unpriced", data: null, healthFactor: null });
  });

  it("classifies oracle answers by heartbeat", () => {
    const base = { label: "WETH", now: 100_000n };
    expect(oraclePrice({ ...base, answer: null, updatedAt: null }).status).toBe("unpriced");
    expect(oraclePrice({ ...base, answer: 0n, updatedAt: 100_000n }).status).toBe("unpriced");
    expect(oraclePrice({ ...base, answer: -1n, updatedAt: 100_000n }).status).toBe("unpriced");
    expect(oraclePrice({ ...base, answer: 5n, updatedAt: 100_000 - DEFAULT_FEED_HEARTBEAT_SECONDS })).toEqual(
      {
        status: "priced",
        price: 5n,
      },
    );
    expect(oraclePrice({ ...base, answer: 5n, updatedAt: 99_000n, heartbeatSeconds: 999 }).status).toBe(
      "stale",
    );
  });
});

const bigAmount = fc.bigInt({ min: 0n, max: 10n ** 30n });
const index = fc.bigInt({ min: RAY, max: 3n * RAY });
const answer = fc.bigInt({ min: 1n, max: 10n ** 14n });
const reserveArb = fc.record({
  decimals: fc.integer({ min: 0, max: 27 }),
  ltv: fc.integer({ min: 0, max: 9000 }).map(BigInt),
  ltExtra: fc.integer({ min: 0, max: 500 }).map(BigInt),
  price: answer,
  scaledATokenBalance: bigAmount,
  scaledVariableDebt: bigAmount,
  usedAsCollateral: fc.boolean(),
  normalizedIncome: index,
  normalizedDebt: index,
});
type RawReserve = typeof reserveArb extends fc.Arbitrary<infer T> ? T : never;
const toReserve = (r: RawReserve): AccountReserve =>
  reserve({
    decimals: r.decimals,
    ltv: r.ltv,
    liquidationThreshold: r.ltv + r.ltExtra,
    price: priced(r.price),
    scaledATokenBalance: r.scaledATokenBalance,
    scaledVariableDebt: r.scaledVariableDebt,
    usedAsCollateral: r.usedAsCollateral,
    normalizedIncome: r.normalizedIncome,
    normalizedDebt: r.normalizedDebt,
  });

describe("getUserAccountData properties (second opinion: @aave/math-utils)", () => {
  it("rayMul agrees with math-utils to the wei", () => {
    fc.assert(
      fc.property(bigAmount, index, (a, b) => {
        expect(rayMul(a, b).toString()).toBe(mathUtilsRayMul(a.toString(), b.toString()).toFixed(0));
      }),
    );
  });

  it("the health factor agrees with math-utils' exact-decimal formula within wad rounding", () => {
    fc.assert(
      fc.property(fc.array(reserveArb, { minLength: 1, maxLength: 6 }), (raw) => {
        const r = getUserAccountData({ reserves: raw.map(toReserve), eMode: null, timestamp: 0n });
        const d = r.data!;
        if (d.totalDebtBase === 0n) {
          expect(d.healthFactor).toBe(MAX_UINT256);
          return;
        }
        const expected = calculateHealthFactorFromBalances({
          collateralBalanceMarketReferenceCurrency: d.totalCollateralBase.toString(),
          borrowBalanceMarketReferenceCurrency: d.totalDebtBase.toString(),
          currentLiquidationThreshold: d.currentLiquidationThreshold.toString(),
        });
        // percentMul rounds half up (at most 0.5 base unit) and wadDiv rounds to the nearest wad unit.
        const tolerance = (0.5 * 1e18) / Number(d.totalDebtBase) + 1;
        const diff = Math.abs(Number(d.healthFactor) - expected.shiftedBy(18).toNumber());
        expect(diff).toBeLessThanOrEqual(tolerance + Number(d.healthFactor) * 1e-15);
      }),
    );
  });

  it("stable debt tracks math-utils' compounded balance (different binomial form) closely", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 10n ** 30n }),
        fc.bigInt({ min: 0n, max: RAY / 2n }),
        fc.integer({ min: 0, max: 2 * 365 * 86_400 }),
        (principal, rate, dt) => {
          const ours = stableDebtBalance({ principal, rate, lastUpdateTimestamp: 0n }, BigInt(dt));
          const theirs = getCompoundedBalance({
            principalBalance: principal.toString(),
            reserveIndex: RAY.toString(),
            reserveRate: rate.toString(),
            lastUpdateTimestamp: 0,
            currentTimestamp: dt,
          });
          // Both are three-term binomials, but math-utils divides the rate per second before squaring
          // (the v2 form): up to ~3e-5 relative apart at 50 % over two years. The exact v3.0 form is
          // pinned by the 10 %-over-a-year vector above, computed from MathUtils.sol's steps.
          expect(Math.abs(Number(ours) - theirs.toNumber())).toBeLessThanOrEqual(
            2 + theirs.toNumber() * 1e-4,
          );
        },
      ),
    );
  });

  it("an eMode category equal to the reserves' own parameters and without price source changes nothing", () => {
    fc.assert(
      fc.property(reserveArb, reserveArb, (a, b) => {
        const reserves = [a, b].map((r) => ({ ...toReserve(r), ltv: 7000n, liquidationThreshold: 8000n }));
        const plain = getUserAccountData({ reserves, eMode: null, timestamp: 0n });
        const inCategory = getUserAccountData({
          reserves: reserves.map((r) => ({ ...r, eModeCategory: 3 })),
          eMode: { id: 3, ltv: 7000n, liquidationThreshold: 8000n, priceSource: null },
          timestamp: 0n,
        });
        expect(inCategory.data).toEqual(plain.data);
      }),
    );
  });

  it("a stale price never yields a health factor, and one unpriced reserve with a balance hides all figures", () => {
    fc.assert(
      fc.property(fc.array(reserveArb, { minLength: 1, maxLength: 4 }), fc.nat(), (raw, pick) => {
        const reserves = raw.map(toReserve);
        const k = pick % reserves.length;
        const target = reserves[k]!;
        const matters =
          (target.usedAsCollateral &&
            target.liquidationThreshold !== 0n &&
            target.scaledATokenBalance !== 0n) ||
          target.scaledVariableDebt !== 0n;
        const staleOne = reserves.map((r, i) =>
          i === k && r.price.status === "priced"
            ? { ...r, price: { status: "stale" as const, price: r.price.price, reason: "old" } }
            : r,
        );
        const s = getUserAccountData({ reserves: staleOne, eMode: null, timestamp: 0n });
        expect(s.status).toBe(matters ? "stale" : "priced");
        if (matters) expect(s.healthFactor).toBeNull();
        const unpricedOne = reserves.map((r, i) =>
          i === k ? { ...r, price: { status: "unpriced" as const, reason: "none" } } : r,
        );
        const u = getUserAccountData({ reserves: unpricedOne, eMode: null, timestamp: 0n });
        expect(u.status).toBe(matters ? "unpriced" : "priced");
        if (matters) expect(u.data).toBeNull();
      }),
    );
  });
});
