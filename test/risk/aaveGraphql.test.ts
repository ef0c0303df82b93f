// biome-ignore-all lint/suspicious/noExplicitAny: GraphQL responses are untyped JSON; the assertions check their shape.
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createRiskMetrics } from "../../lib/risk/api/metrics.js";
import { createRiskYoga } from "../../lib/risk/api/server.js";
import {
  analyzeRisk,
  type RiskReserve,
  type RiskSnapshot,
  runStandardScenarios,
} from "../../lib/risk/index.js";
import { CHAIN_B, HOME, MAIN, NOW, RAY, usd6, WETH, weth } from "./fixtures.js";

const B_WETH = "0x000000000000000000000000000000000000b0e1";
const B_USDC = "0x000000000000000000000000000000000000b0c1";
const B_DAI = "0x000000000000000000000000000000000000b0d1";
const JUNK = "0x000000000000000000000000000000000000b0f1";
const NOFEED = "0x000000000000000000000000000000000000b0f2";
const OLD = "0x000000000000000000000000000000000000b0f3";
const user = (n: number) => `0x${n.toString(16).padStart(40, "0")}`;

const reserve = (r: Partial<RiskReserve> & Pick<RiskReserve, "asset" | "symbol">): RiskReserve => ({
  underlyingAsset: null,
  bridge: null,
  priceUsd: 1,
  decimals: 18,
  ltv: 8000,
  liquidationThreshold: 8250,
  liquidationBonus: 10500,
  liquidityIndex: RAY,
  variableBorrowIndex: RAY,
  poolLiquidity: null,
  oracleAnswer: 1_00000000n,
  priceStatus: "priced",
  priceReason: null,
  eModeCategory: 0,
  problems: [],
  ...r,
});

/**
 * An Aave v3 market as the indexer provider builds it: one LT-0/bonus-0 reserve (valid, not collateral),
 * one reserve without a feed, one with a stopped feed, and an eMode category with a price source.
 */
function aaveSnapshot(): RiskSnapshot {
  const coll = (asset: string, scaled: bigint) => ({
    asset,
    scaledCollateral: scaled,
    scaledDebt: 0n,
    usedAsCollateral: true,
  });
  const debt = (asset: string, scaled: bigint) => ({
    asset,
    scaledCollateral: 0n,
    scaledDebt: scaled,
    usedAsCollateral: false,
  });
  return {
    asOf: { blockTimestamps: [{ chainId: CHAIN_B, timestamp: NOW }], sources: [] },
    assets: [{ id: WETH, symbol: "WETH", decimals: 18, chainId: HOME, priceUsd: 2000, priceUpdatedAt: NOW }],
    bridges: [
      {
        id: MAIN,
        name: "main",
        assets: [{ asset: WETH, lockedOnHome: weth(100), remoteSupply: [], inFlight: 0n }],
      },
    ],
    protocols: [
      {
        id: "aave-b",
        name: "aave-b",
        chainId: CHAIN_B,
        baseCurrencyUnit: 100_000_000n,
        timestamp: NOW,
        eModeCategories: [
          {
            id: 1,
            ltv: 9000,
            liquidationThreshold: 9300,
            liquidationBonus: 10100,
            hasPriceSource: true,
            oracleAnswer: 1_00000000n,
            priceStatus: "priced",
            priceReason: null,
          },
        ],
        reserves: [
          reserve({
            asset: B_WETH,
            symbol: "WETH",
            underlyingAsset: WETH,
            bridge: MAIN,
            priceUsd: 2000,
            oracleAnswer: 2000_00000000n,
          }),
          reserve({
            asset: B_USDC,
            symbol: "USDC",
            decimals: 6,
            eModeCategory: 1,
            priceUsd: 0.99,
            oracleAnswer: 99_000000n,
          }),
          reserve({
            asset: B_DAI,
            symbol: "DAI",
            eModeCategory: 1,
            priceUsd: 1.01,
            oracleAnswer: 1_01000000n,
          }),
          reserve({
            asset: JUNK,
            symbol: "JUNK",
            ltv: 0,
            liquidationThreshold: 0,
            liquidationBonus: 0,
            priceUsd: 0.5,
            oracleAnswer: 50_000000n,
          }),
          reserve({
            asset: NOFEED,
            symbol: "NOFEED",
            priceUsd: 0,
            oracleAnswer: null,
            priceStatus: "unpriced",
            priceReason: "NOFEED: no price source",
            problems: ["no price source in AaveOracle"],
          }),
          reserve({
            asset: OLD,
            symbol: "OLD",
            priceUsd: 3,
            oracleAnswer: 3_00000000n,
            priceStatus: "stale",
            priceReason: "OLD: last answer 90000 s old, heartbeat 86400 s",
          }),
        ],
        positions: [
          // alice: 10 WETH (LT 82.5%) vs 10,000 USDC at 0.99: HF 16,500 / 9,900.
          { user: user(1), reserves: [coll(B_WETH, weth(10)), debt(B_USDC, usd6(10_000))] },
          // bob: JUNK supplied with the collateral bit set counts for nothing, its bonus 0 is harmless.
          {
            user: user(2),
            reserves: [coll(JUNK, weth(1_000)), coll(B_WETH, weth(1)), debt(B_USDC, usd6(1_000))],
          },
          // carol: collateral without a feed.
          { user: user(3), reserves: [coll(NOFEED, weth(5)), debt(B_USDC, usd6(100))] },
          // dave: debt in a stopped feed.
          { user: user(4), reserves: [coll(B_WETH, weth(1)), debt(OLD, weth(100))] },
          // erin: eMode 1, both reserves at the category's price 1.00.
          {
            user: user(5),
            eModeCategory: 1,
            reserves: [coll(B_USDC, usd6(1_000)), debt(B_DAI, weth(900))],
          },
        ],
      },
    ],
  };
}

const snapshot = aaveSnapshot();
const yoga = createRiskYoga({ getSnapshot: async () => snapshot, now: () => NOW });

type Result = {
  data?: Record<string, any> | null;
  errors?: { message: string; extensions?: Record<string, any> }[];
};

async function gql(query: string): Promise<Result> {
  const res = await yoga.fetch(
    new Request("http://risk.test/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({ query }),
    }),
  );
  return (await res.json()) as Result;
}

const POSITION = `protocol { id } user status statusReason healthFactor liquidatable eModeCategory
  accountData { totalCollateralBase totalDebtBase currentLiquidationThreshold ltv healthFactor }`;

describe("risk GraphQL on an Aave v3 market with broken reserves", () => {
  it("lists every reserve with its price state and problems; LT 0 with bonus 0 is not a problem", async () => {
    const r = await gql(`{ reserves(protocol: "aave-b") {
      symbol liquidationThreshold liquidationBonus priceUsd oracleAnswer priceStatus priceReason problems } }`);
    expect(r.errors).toBeUndefined();
    const by = Object.fromEntries(r.data!.reserves.map((x: any) => [x.symbol, x]));
    expect(by.JUNK).toMatchObject({
      liquidationThreshold: 0,
      liquidationBonus: 0,
      priceStatus: "PRICED",
      problems: [],
    });
    expect(by.NOFEED).toMatchObject({
      priceStatus: "UNPRICED",
      priceUsd: null,
      oracleAnswer: null,
      priceReason: "NOFEED: no price source",
      problems: ["no price source in AaveOracle"],
    });
    expect(by.OLD).toMatchObject({ priceStatus: "STALE", priceUsd: 3 });
    expect(by.USDC.priceUsd).toBe(0.99);
  });

  it("answers positions: unknown first with null health factors and reasons, the rest exact", async () => {
    const r = await gql(`{ positions(first: 10) { totalCount edges { node { ${POSITION} } } } }`);
    expect(r.errors).toBeUndefined();
    const nodes = r.data!.positions.edges.map((e: any) => e.node);
    expect(r.data!.positions.totalCount).toBe(5);
    expect(nodes.slice(0, 2).map((n: any) => [n.user, n.status])).toEqual([
      [user(3), "UNPRICED"],
      [user(4), "STALE"],
    ]);
    const by = Object.fromEntries(nodes.map((n: any) => [n.user, n]));
    expect(by[user(3)]).toMatchObject({
      healthFactor: null,
      liquidatable: false,
      statusReason: "NOFEED: no price source",
      accountData: null,
    });
    // Stale: the Pool's figures from the last answer, but no health factor.
    expect(by[user(4)]).toMatchObject({ healthFactor: null, liquidatable: false });
    expect(by[user(4)].statusReason).toMatch(/OLD: last answer 90000 s old/);
    expect(by[user(4)].accountData).toEqual({
      totalCollateralBase: "200000000000",
      totalDebtBase: "30000000000",
      currentLiquidationThreshold: "8250",
      ltv: "8000",
      healthFactor: null,
    });
    expect(by[user(1)].status).toBe("PRICED");
    expect(by[user(1)].healthFactor).toBeCloseTo(16_500 / 9_900, 12);
    expect(by[user(1)].accountData.healthFactor).toBe("1666666666666666667");
    expect(by[user(2)].accountData).toMatchObject({ totalCollateralBase: "200000000000" });
    // eMode: category LT 93% and price 1.00 for both reserves.
    expect(by[user(5)].eModeCategory).toBe(1);
    expect(by[user(5)].accountData).toMatchObject({
      totalCollateralBase: "100000000000",
      totalDebtBase: "90000000000",
      currentLiquidationThreshold: "9300",
      healthFactor: "1033333333333333333",
    });
    expect(by[user(5)].healthFactor).toBeCloseTo(930 / 900, 12);
  });

  it("filters by status and keeps unknown positions out of health-factor ranges", async () => {
    const stale = await gql(`{ positions(status: STALE) { edges { node { user } } } }`);
    expect(stale.data!.positions.edges.map((e: any) => e.node.user)).toEqual([user(4)]);
    const ranged = await gql(`{ positions(maxHealthFactor: 100) { edges { node { user status } } } }`);
    expect(ranged.data!.positions.edges.every((e: any) => e.node.status === "PRICED")).toBe(true);
  });

  it("skips unknown positions in exposure, stress and the liquidation curve, and says how many", async () => {
    const r = await gql(`{
      exposure(protocol: "aave-b") { totalCollateralUsd positionsSkipped }
      stressTest(scenario: { priceShock: { shock: 0.5 } }) { ... on PriceShockResult { positionsSkipped initialDebtUsd } }
      liquidationCurve(steps: 2) { positionsSkipped }
      alerts { kind protocol value }
    }`);
    expect(r.errors).toBeUndefined();
    expect(r.data!.exposure.positionsSkipped).toBe(2);
    // alice 20,000 + bob 2,000 (JUNK excluded) + erin 1,000 at the category price.
    expect(r.data!.exposure.totalCollateralUsd).toBeCloseTo(23_000, 6);
    expect(r.data!.stressTest.positionsSkipped).toBe(2);
    expect(r.data!.liquidationCurve.map((p: any) => p.positionsSkipped)).toEqual([2, 2]);
    expect(r.data!.alerts).toContainEqual({ kind: "POSITIONS_UNPRICED", protocol: "aave-b", value: 2 });
  });

  it("answers bad inputs with one clear BAD_USER_INPUT each", async () => {
    const unknown = await gql(`{ reserves(protocol: "aave-z") { symbol } }`);
    expect(unknown.errors![0]!.extensions?.code).toBe("BAD_USER_INPUT");
    expect(unknown.errors![0]!.message).toMatch(/Unknown protocol "aave-z"/);
    const malformed = await gql(`{ position(protocol: "aave-b", user: "0x12345") { user } }`);
    expect(malformed.errors![0]!.extensions?.code).toBe("BAD_USER_INPUT");
    expect(malformed.errors![0]!.message).toMatch(/not a 0x-prefixed 20-byte address/);
    const none = await gql(`{ position(protocol: "aave-b", user: "${user(99)}") { user } }`);
    expect(none).toEqual({ data: { position: null } });
    const one = await gql(
      `{ position(protocol: "aave-b", user: "${user(3).toUpperCase().replace("0X", "0x")}") { status } }`,
    );
    expect(one.data!.position.status).toBe("UNPRICED");
  });

  it("exports unknown positions and unusable price sources as bounded gauges", async () => {
    const registry = new Registry();
    const metrics = createRiskMetrics(registry);
    const analysis = analyzeRisk(snapshot);
    metrics.update(analysis, runStandardScenarios(analysis.book, analysis.health));
    const text = await registry.metrics();
    expect(text).toContain(`risk_positions_unpriced{protocol="aave-b",chain="${CHAIN_B}",status="stale"} 1`);
    expect(text).toContain(
      `risk_positions_unpriced{protocol="aave-b",chain="${CHAIN_B}",status="unpriced"} 1`,
    );
    expect(text).toContain(
      `risk_price_sources_unusable{protocol="aave-b",chain="${CHAIN_B}",status="stale"} 1`,
    );
    expect(text).toContain(
      `risk_price_sources_unusable{protocol="aave-b",chain="${CHAIN_B}",status="unpriced"} 1`,
    );
    expect(text).not.toMatch(/risk_positions_unpriced\{[^}]*user=/);
  });
});
