// biome-ignore-all lint/suspicious/noExplicitAny: GraphQL responses are untyped JSON.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { morphoPositionHealth } from "../../lib/morpho/market.js";
import { createRiskYoga } from "../../lib/risk/api/server.js";
import { analyzeRisk, isLiquidatable, type RiskSnapshot } from "../../lib/risk/index.js";
import { CHAIN_B, fixtureSnapshot, MAIN, NOW, RAY, USDC, WETH } from "./fixtures.js";

const MARKET = `0x${"ab".repeat(32)}`;
const LLTV = 860_000_000_000_000_000n;

/** Morpho's rule with explicit quotient/remainder arithmetic: a second, independent reading. */
function reference(
  collateral: bigint,
  borrowShares: bigint,
  a: bigint,
  s: bigint,
  price: bigint,
  lltv: bigint,
) {
  const num = borrowShares * (a + 1n);
  const den = s + 1_000_000n;
  const borrowed = num / den + (num % den === 0n ? 0n : 1n);
  const value = (collateral * price - ((collateral * price) % 10n ** 36n)) / 10n ** 36n;
  const max = (value * lltv - ((value * lltv) % 10n ** 18n)) / 10n ** 18n;
  return { borrowed, max, liquidatable: borrowShares > 0n && borrowed > max };
}

function morphoSnapshot(collateral: bigint, borrowShares: bigint, price: bigint): RiskSnapshot {
  const snapshot = fixtureSnapshot();
  const tba = 1_000_000n * 10n ** 6n;
  const tbs = tba * 1_000_000n;
  snapshot.protocols.push({
    id: "morpho-b",
    name: "morpho-b",
    chainId: CHAIN_B,
    kind: "morpho-blue",
    timestamp: NOW,
    morphoMarkets: [
      {
        id: MARKET,
        loanToken: "0xb0c1",
        collateralToken: "0xb0e1",
        oracle: "0x0f",
        lltv: LLTV,
        totalSupplyAssets: tba * 2n,
        totalSupplyShares: tbs * 2n,
        totalBorrowAssets: tba,
        totalBorrowShares: tbs,
        oraclePrice: price,
        priceStatus: "priced",
        priceReason: null,
      },
    ],
    reserves: [
      {
        asset: "0xb0e1",
        market: MARKET,
        symbol: "mWETH",
        underlyingAsset: WETH,
        bridge: MAIN,
        priceUsd: (Number(price) / 1e36) * 1e12,
        decimals: 18,
        ltv: 8600,
        liquidationThreshold: 8600,
        liquidationBonus: 10438,
        liquidityIndex: RAY,
        variableBorrowIndex: RAY,
        poolLiquidity: null,
      },
      {
        asset: "0xb0c1",
        market: MARKET,
        symbol: "mUSDC",
        underlyingAsset: USDC,
        bridge: MAIN,
        priceUsd: 1,
        decimals: 6,
        ltv: 0,
        liquidationThreshold: 0,
        liquidationBonus: 0,
        liquidityIndex: (RAY * (tba * 2n + 1n)) / (tbs * 2n + 1_000_000n),
        variableBorrowIndex: (RAY * (tba + 1n)) / (tbs + 1_000_000n),
        poolLiquidity: null,
      },
    ],
    positions: [
      {
        user: "0x00000000000000000000000000000000000a11ce",
        market: MARKET,
        morpho: { supplyShares: 0n, borrowShares, collateral },
        reserves: [
          {
            asset: "0xb0e1",
            market: MARKET,
            scaledCollateral: collateral,
            scaledDebt: 0n,
            usedAsCollateral: true,
          },
          {
            asset: "0xb0c1",
            market: MARKET,
            scaledCollateral: 0n,
            scaledDebt: borrowShares,
            usedAsCollateral: false,
          },
        ],
      },
    ],
  });
  return snapshot;
}

describe("Morpho Blue health", () => {
  it("equals a bigint reference of Morpho's rule (borrowed rounded up, maxBorrow floored twice)", () => {
    fc.assert(
      fc.property(
        fc.bigInt(0n, 10n ** 24n),
        fc.bigInt(0n, 10n ** 30n),
        fc.bigInt(0n, 10n ** 20n),
        fc.bigInt(0n, 10n ** 26n),
        fc.bigInt(1n, 10n ** 40n),
        fc.bigInt(1n, 10n ** 18n - 1n),
        (collateral, shares, a, s, price, lltv) => {
          const h = morphoPositionHealth(
            { collateral, borrowShares: shares },
            {
              totalSupplyAssets: 0n,
              totalSupplyShares: 0n,
              totalBorrowAssets: a,
              totalBorrowShares: s,
              lastUpdate: 0n,
              fee: 0n,
            },
            price,
            lltv,
          );
          const r = reference(collateral, shares, a, s, price, lltv);
          expect([h.borrowedAssets, h.maxBorrowAssets, !h.healthy]).toEqual([
            r.borrowed,
            r.max,
            r.liquidatable,
          ]);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("the analysis and GraphQL decide liquidatability exactly as the reference, around the boundary", async () => {
    const price = 2000n * 10n ** 24n; // 2000 USDC (6 dec) per WETH (18 dec), 1e36-scaled
    const collateral = 10n ** 18n;
    const seen = new Set<boolean>();
    // maxBorrow = 1720 USDC; shares for exactly that many assets and one share more.
    for (const borrowShares of [
      1720n * 10n ** 12n,
      1720n * 10n ** 12n + 1_000_000n,
      1720n * 10n ** 12n - 1n,
    ]) {
      const snapshot = morphoSnapshot(collateral, borrowShares, price);
      const m = snapshot.protocols.at(-1)!.morphoMarkets![0]!;
      const r = reference(collateral, borrowShares, m.totalBorrowAssets, m.totalBorrowShares, price, LLTV);
      seen.add(r.liquidatable);
      const a = analyzeRisk(snapshot);
      const i = a.book.protocolFirstPosition[a.book.protocols.length - 1]!;
      expect(isLiquidatable(a.health.healthFactor[i]!)).toBe(r.liquidatable);
      const yoga = createRiskYoga({ getSnapshot: async () => snapshot, now: () => NOW });
      const res = await yoga.fetch(
        new Request("http://risk.test/graphql", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            query: `{ position(protocol: "morpho-b", user: "0x00000000000000000000000000000000000a11ce", market: "${MARKET}") { protocolKind liquidatable morpho { borrowedAssets maxBorrowAssets } } }`,
          }),
        }),
      );
      const body = (await res.json()) as any;
      expect(body.errors).toBeUndefined();
      expect(body.data.position.liquidatable).toBe(r.liquidatable);
      expect(body.data.position.morpho).toEqual({
        borrowedAssets: `${r.borrowed}`,
        maxBorrowAssets: `${r.max}`,
      });
    }
    expect(seen).toEqual(new Set([true, false]));
  });

  it("exposure and bridge failure cover the Morpho instance per protocol", () => {
    const a = analyzeRisk(morphoSnapshot(10n ** 18n, 1000n * 10n ** 12n, 2000n * 10n ** 24n));
    const p = a.book.protocols.length - 1;
    expect(a.book.protocols[p]!.kind).toBe("morpho-blue");
    expect(a.exposure.protocols[p]!.totalCollateralUsd).toBeCloseTo(2000, 6);
    expect(a.exposure.protocols[p]!.hhi).toBeCloseTo(1, 12);
  });

  it("gives clear errors for an unknown protocol, a malformed market id and a shock out of range", async () => {
    const snapshot = morphoSnapshot(10n ** 18n, 10n ** 15n, 2000n * 10n ** 24n);
    const yoga = createRiskYoga({ getSnapshot: async () => snapshot, now: () => NOW });
    const gql = async (query: string) =>
      (await (
        await yoga.fetch(
          new Request("http://risk.test/graphql", {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ query }),
          }),
        )
      ).json()) as any;
    const cases: [string, RegExp][] = [
      [`{ exposure(protocol: "nope") { hhi } }`, /protocol/],
      [`{ positions(protocol: "morpho-b", market: "0x1234") { totalCount } }`, /32 bytes/],
      [
        `{ position(protocol: "lend-b", user: "0x00000000000000000000000000000000000a11ce", market: "${MARKET}") { user } }`,
        /Aave/,
      ],
      [`{ stressTest(scenario: { priceShock: { shock: 1.5 } }) { __typename } }`, /shock/],
    ];
    for (const [query, message] of cases) {
      const r = await gql(query);
      expect(r.errors?.[0]?.message, JSON.stringify(r)).toMatch(message);
      expect(r.errors[0].extensions.code).toBe("BAD_USER_INPUT");
    }
  });
});
