// biome-ignore-all lint/suspicious/noExplicitAny: GraphQL responses are untyped JSON; the assertions check their shape.
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { createRiskMetrics } from "../../lib/risk/api/metrics.js";
import { createRiskYoga } from "../../lib/risk/api/server.js";
import { analyzeRisk, runStandardScenarios } from "../../lib/risk/index.js";
import { fixtureSnapshot, MAIN, NOW, WETH } from "./fixtures.js";

const snapshot = fixtureSnapshot();
const yoga = createRiskYoga({
  getSnapshot: async () => snapshot,
  now: () => NOW,
  limits: { maxPageSize: 3, defaultPageSize: 2 },
});

type Result = {
  data?: Record<string, any> | null;
  errors?: { message: string; extensions?: Record<string, any> }[];
};

async function gql(query: string, variables?: Record<string, unknown>): Promise<Result> {
  const res = await yoga.fetch(
    new Request("http://risk.test/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({ query, variables }),
    }),
  );
  return (await res.json()) as Result;
}

async function expectError(
  query: string,
  message: RegExp,
  code = "BAD_USER_INPUT",
  variables?: Record<string, unknown>,
) {
  const r = await gql(query, variables);
  expect(r.errors, JSON.stringify(r)).toBeDefined();
  expect(r.errors![0]!.message).toMatch(message);
  expect(r.errors![0]!.extensions?.code).toBe(code);
}

describe("risk GraphQL API", () => {
  it("answers bridgeBacking with exact strings and USD floats", async () => {
    const r = await gql(`{
      bridgeBacking(bridge: "main", asset: "${WETH}") {
        bridge { id name } asset { symbol decimals }
        locked supply shortfall shortfallUsd backingRatio inFlight
        remote { chainId supply }
        dependents { protocol { name } collateralUsd share }
      }
    }`);
    expect(r.errors).toBeUndefined();
    const b = r.data!.bridgeBacking;
    expect(b.bridge).toEqual({ id: MAIN, name: "main" });
    expect(b.locked).toBe("100000000000000000000");
    expect(b.supply).toBe("105000000000000000000");
    expect(b.shortfall).toBe("5000000000000000000");
    expect(b.shortfallUsd).toBe(10_000);
    expect(b.backingRatio).toBeCloseTo(100 / 105, 12);
    expect(b.dependents.map((d: any) => d.protocol.name)).toEqual(["lend-b", "lend-c"]);
    expect(b.dependents[0].collateralUsd).toBe(30_000);
  });

  it("returns null backingRatio when nothing is supplied remotely", async () => {
    const r = await gql(`{ bridgeBacking(bridge: "fast", asset: "weth") { backingRatio supply } }`);
    expect(r.data!.bridgeBacking).toEqual({ backingRatio: null, supply: "0" });
  });

  it("paginates positions riskiest first with cursors", async () => {
    const page = (after?: string) =>
      gql(
        `query($after: String) { positions(first: 2, after: $after) {
          totalCount pageInfo { hasNextPage endCursor }
          edges { cursor node { user healthFactor liquidatable protocol { name } } }
        } }`,
        { after },
      );
    const users: string[] = [];
    let after: string | undefined;
    for (let i = 0; i < 5; i++) {
      const r = await page(after);
      expect(r.errors).toBeUndefined();
      const conn = r.data!.positions;
      expect(conn.totalCount).toBe(5);
      users.push(...conn.edges.map((e: any) => e.node.user));
      if (!conn.pageInfo.hasNextPage) break;
      after = conn.pageInfo.endCursor;
    }
    // carol 0.97, alice 1.1, bob 1.42, erin 1.68, dave (no debt) last
    expect(users).toEqual(["0xca401", "0xa11ce", "0xb0b", "0xe1212", "0xda7e"]);
  });

  it("filters positions by protocol, chain and health factor and details reserves", async () => {
    const r = await gql(`{
      positions(protocol: "lend-b", minHealthFactor: 1, maxHealthFactor: 1.5) {
        totalCount
        edges { node {
          user healthFactor collateralUsd debtUsd bridgedCollateralUsd bridgedShare liquidationPrice
          bridges { bridge { name } share }
          reserves { symbol collateral debt collateralUsd usedAsCollateral }
        } }
      }
      c: positions(chainId: 31339) { edges { node { user reserves { symbol collateral debt } } } }
    }`);
    expect(r.errors).toBeUndefined();
    const nodes = r.data!.positions.edges.map((e: any) => e.node);
    expect(nodes.map((n: any) => n.user)).toEqual(["0xa11ce", "0xb0b"]);
    expect(nodes[0].liquidationPrice).toBeCloseTo(15_000 / 8.25, 9);
    expect(nodes[1].bridgedShare).toBeCloseTo(2 / 3, 12);
    expect(nodes[1].reserves[1]).toEqual({
      symbol: "bUSD",
      collateral: "5000000000",
      debt: "9000000000",
      collateralUsd: 5000,
      usedAsCollateral: true,
    });
    // index 1.1 on cWETH, 1.05 on cUSDC debt: exact bigint balances
    expect(r.data!.c.edges[0].node.reserves).toEqual([
      { symbol: "cWETH", collateral: "1100000000000000000", debt: "0" },
      { symbol: "cUSDC", collateral: "0", debt: "1050000000" },
    ]);
  });

  it("answers exposure", async () => {
    const r = await gql(
      `{ exposure(protocol: "lend-b") { totalCollateralUsd hhi bridges { bridge { name } share borrowingPowerShare } } }`,
    );
    expect(r.data!.exposure.totalCollateralUsd).toBe(37_000);
    expect(r.data!.exposure.bridges.map((b: any) => b.bridge.name)).toEqual(["main", "fast"]);
  });

  it("runs both stress scenario kinds", async () => {
    const r = await gql(`{
      bf: stressTest(scenario: { bridgeFailure: { bridge: "main", recovery: 0.5 } }) {
        __typename
        ... on BridgeFailureResult { badDebtUsd lendersLossUsd baseline { liquidatableDebtUsd } protocols { protocol { name } badDebtUsd } }
      }
      ps: stressTest(scenario: { priceShock: { shock: 0 } }) {
        __typename
        ... on PriceShockResult { rounds converged badDebtUsd repaidUsd remainingDebtUsd initialDebtUsd finalPrices { symbol finalPriceUsd } }
      }
    }`);
    expect(r.errors).toBeUndefined();
    expect(r.data!.bf.__typename).toBe("BridgeFailureResult");
    expect(r.data!.bf.badDebtUsd).toBeCloseTo(5_000, 9);
    expect(r.data!.bf.lendersLossUsd).toBeCloseTo(7_000, 9);
    expect(r.data!.ps.rounds).toBe(4);
    expect(r.data!.ps.finalPrices).toEqual([{ symbol: "fWETH", finalPriceUsd: 2000 * (10 / 11) ** 2 }]);
  });

  it("answers liquidationCurve and alerts filtered by severity", async () => {
    const r = await gql(`{
      liquidationCurve(asset: "WETH", steps: 2) { shock liquidatableDebtUsd }
      alerts(minSeverity: CRITICAL) { kind severity bridge asset value }
      all: alerts { kind }
    }`);
    expect(r.errors).toBeUndefined();
    expect(r.data!.liquidationCurve).toEqual([
      { shock: 0.05, liquidatableDebtUsd: 1_700 },
      { shock: 0.1, liquidatableDebtUsd: 16_700 },
    ]);
    expect(r.data!.alerts).toEqual([
      {
        kind: "BRIDGE_UNDERCOLLATERALIZED",
        severity: "CRITICAL",
        bridge: "main",
        asset: "WETH",
        value: 100 / 105,
      },
    ]);
    expect(r.data!.all.length).toBeGreaterThan(1);
  });

  describe("bad input", () => {
    it("unknown asset, bridge, protocol", async () => {
      await expectError(
        `{ bridgeBacking(bridge: "main", asset: "DOGE") { supply } }`,
        /Unknown asset "DOGE"[\s\S]*WETH/,
      );
      await expectError(
        `{ bridgeBacking(bridge: "nope", asset: "WETH") { supply } }`,
        /Unknown bridge "nope"/,
      );
      await expectError(`{ exposure(protocol: "aave") { hhi } }`, /Unknown protocol "aave"/);
      await expectError(`{ liquidationCurve(asset: "DOGE") { shock } }`, /Unknown asset/);
      await expectError(`{ bridgeBacking(bridge: "fast", asset: "USDC") { supply } }`, /does not carry USDC/);
    });

    it("recovery outside [0, 1], shock of 300%, bad round limit", async () => {
      await expectError(
        `{ stressTest(scenario: { bridgeFailure: { bridge: "main", recovery: 1.2 } }) { __typename } }`,
        /recovery must be a fraction in \[0, 1\].*got 1.2/,
      );
      await expectError(
        `{ stressTest(scenario: { bridgeFailure: { bridge: "main", recovery: -0.1 } }) { __typename } }`,
        /recovery/,
      );
      await expectError(
        `{ stressTest(scenario: { priceShock: { asset: "WETH", shock: 3 } }) { __typename } }`,
        /shock must be a fraction in \[0, 1\).*got 3/,
      );
      await expectError(
        `{ stressTest(scenario: { priceShock: { shock: 0.1, maxRounds: 1000 } }) { __typename } }`,
        /maxRounds must be an integer in \[1, 100\]/,
      );
      await expectError(`{ liquidationCurve(steps: 40) { shock } }`, /steps must be an integer in \[1, 19\]/);
    });

    it("both or neither scenario member", async () => {
      await expectError(
        `{ stressTest(scenario: { bridgeFailure: { bridge: "main", recovery: 0.5 }, priceShock: { shock: 0.1 } }) { __typename } }`,
        /exactly one of bridgeFailure and priceShock, not both/,
      );
      await expectError(`{ stressTest(scenario: {}) { __typename } }`, /needs one member/);
    });

    it("page size too large, bad bounds, bad cursor", async () => {
      await expectError(`{ positions(first: 50) { totalCount } }`, /first must be between 1 and 3, got 50/);
      await expectError(`{ positions(first: 0) { totalCount } }`, /first must be between 1 and 3/);
      await expectError(
        `{ positions(minHealthFactor: 2, maxHealthFactor: 1) { totalCount } }`,
        /minHealthFactor \(2\) is above maxHealthFactor \(1\)/,
      );
      await expectError(`{ positions(after: "garbage") { totalCount } }`, /not a cursor/);
    });
  });

  describe("limits", () => {
    it("rejects a query nested deeper than maxDepth", async () => {
      const deepYoga = createRiskYoga({ getSnapshot: async () => snapshot, limits: { maxDepth: 3 } });
      const res = await deepYoga.fetch("http://risk.test/graphql", {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify({ query: "{ positions { edges { node { protocol { name } } } } }" }),
      });
      const r = (await res.json()) as Result;
      expect(r.errors![0]!.message).toMatch(/nested 5 levels deep; the limit is 3/);
      expect(r.errors![0]!.extensions).toMatchObject({
        code: "GRAPHQL_VALIDATION_FAILED",
        limit: "depth",
        max: 3,
      });
    });

    it("counts depth through fragments", async () => {
      const deepYoga = createRiskYoga({ getSnapshot: async () => snapshot, limits: { maxDepth: 3 } });
      const res = await deepYoga.fetch("http://risk.test/graphql", {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify({
          query: "fragment N on Position { protocol { name } } { positions { edges { node { ...N } } } }",
        }),
      });
      expect(((await res.json()) as Result).errors![0]!.message).toMatch(/nested 5 levels/);
    });

    it("rejects an over-budget query by estimated cost", async () => {
      const stress = (i: number) =>
        `s${i}: stressTest(scenario: { priceShock: { shock: 0.1 } }) { __typename }`;
      const q = `{ ${Array.from({ length: 11 }, (_, i) => stress(i)).join(" ")} }`;
      await expectError(q, /estimated cost of 11000; the limit is 10000/, "GRAPHQL_VALIDATION_FAILED");
    });

    it("counts a variable page size as the maximum", async () => {
      const tight = createRiskYoga({
        getSnapshot: async () => snapshot,
        limits: { maxCost: 50, maxPageSize: 100 },
      });
      const post = async (query: string) => {
        const res = await tight.fetch("http://risk.test/graphql", {
          method: "POST",
          headers: { "content-type": "application/json", accept: "application/json" },
          body: JSON.stringify({ query, variables: { n: 2 } }),
        });
        return (await res.json()) as Result;
      };
      const literal = await post("{ positions(first: 2) { edges { node { user healthFactor } } } }");
      expect(literal.errors).toBeUndefined();
      const variable = await post(
        "query($n: Int) { positions(first: $n) { edges { node { user healthFactor } } } }",
      );
      expect(variable.errors![0]!.extensions).toMatchObject({ limit: "cost", max: 50 });
    });

    it("rejects too many aliases", async () => {
      const q = `{ ${Array.from({ length: 21 }, (_, i) => `a${i}: alerts { kind }`).join(" ")} }`;
      await expectError(q, /uses 21 aliases; the limit is 20/, "GRAPHQL_VALIDATION_FAILED");
    });

    it("rejects documents with too many tokens", async () => {
      const q = `{ ${"alerts { kind } ".repeat(300)} }`;
      const r = await gql(q);
      expect(r.errors![0]!.message).toMatch(/contains more tha[nt] 1000 tokens/);
    });
  });
});

describe("risk metrics", () => {
  it("exports bounded gauges from an analysis on the given registry", async () => {
    const registry = new Registry();
    const metrics = createRiskMetrics(registry);
    const analysis = analyzeRisk(snapshot);
    metrics.update(analysis, runStandardScenarios(analysis.book, analysis.health));
    const text = await registry.metrics();
    expect(text).toContain('risk_backing_ratio{bridge="main",asset="WETH"} 0.952380952380952');
    expect(text).not.toContain('risk_backing_ratio{bridge="fast"');
    expect(text).toContain('risk_shortfall_usd{bridge="main",asset="WETH"} 10000');
    expect(text).toContain('risk_debt_at_risk_usd{protocol="lend-b",chain="31338",threshold="1.0"} 1700');
    expect(text).toContain('risk_debt_at_risk_usd{protocol="lend-b",chain="31338",threshold="1.05"} 1700');
    expect(text).toContain('risk_positions_liquidatable{protocol="lend-b",chain="31338"} 1');
    expect(text).toContain('risk_exposure_share{protocol="lend-c",bridge="main"} 1');
    expect(text).toMatch(/risk_concentration_hhi\{protocol="lend-b"\} 0\.66/);
    expect(text).toMatch(/risk_stress_bad_debt_usd\{scenario="bridge_failure_main_rho0"\} \d/);
    expect(text).toContain(`risk_data_last_update_timestamp_seconds{source="indexer"} ${NOW - 5}`);
    // a second registry is independent: nothing global
    expect((await new Registry().metrics()).trim()).toBe("");
  });
});

describe("risk GraphQL: debt-side, depeg and group shocks", () => {
  const MOVE_FIELDS = `__typename
    ... on PriceMoveResult {
      kind group
      moves { name asset { symbol } factor markets }
      prices { symbol asset { symbol } oraclePriceUsd movedPriceUsd finalPriceUsd }
      badDebtUsd liquidatableDebtUsd positionsLiquidatable positionsSkipped
      baseline { badDebtUsd liquidatableDebtUsd positionsLiquidatable }
      cascade { rounds converged initialDebtUsd repaidUsd badDebtUsd remainingDebtUsd liquidatedPositions dexSales { symbol source seizedTokens } }
      protocols { protocol { name } badDebtUsd liquidatableDebtUsd baseline { liquidatableDebtUsd } cascade { protocol { name } badDebtUsd liquidatedPositions } }
    }`;

  it("answers a debt shock per protocol, with the moved prices", async () => {
    const r = await gql(
      `{ stressTest(scenario: { debtShock: { asset: "bUSD", rise: 0.2 } }) { ${MOVE_FIELDS} } }`,
    );
    expect(r.errors).toBeUndefined();
    const s = r.data!.stressTest;
    expect(s.__typename).toBe("PriceMoveResult");
    expect(s.kind).toBe("DEBT_SHOCK");
    expect(s.group).toBeNull();
    expect(s.moves).toEqual([{ name: "bUSD", asset: null, factor: 1.2, markets: 1 }]);
    const busd = s.prices.find((p: any) => p.symbol === "bUSD");
    expect(busd.oraclePriceUsd).toBe(1);
    expect(busd.movedPriceUsd).toBeCloseTo(1.2, 12);
    expect(s.liquidatableDebtUsd).toBeCloseTo(20_040, 6);
    expect(s.badDebtUsd).toBeCloseTo(40, 6);
    expect(s.baseline.liquidatableDebtUsd).toBe(1_700);
    expect(s.protocols.map((p: any) => p.protocol.name)).toEqual(["lend-b", "lend-c"]);
    expect(s.protocols[0].liquidatableDebtUsd).toBeCloseTo(20_040, 6);
    expect(s.protocols[0].cascade.protocol.name).toBe("lend-b");
    expect(s.protocols[0].cascade.liquidatedPositions).toBe(2);
    expect(s.cascade.repaidUsd + s.cascade.badDebtUsd + s.cascade.remainingDebtUsd).toBeCloseTo(
      s.cascade.initialDebtUsd,
      6,
    );
  });

  it("answers a depeg, a group shock and a list of moves", async () => {
    const r = await gql(`{
      depeg: stressTest(scenario: { depeg: { asset: "USDC", priceUsd: 0.87 } }) { ${MOVE_FIELDS} }
      eth: stressTest(scenario: { groupShock: { group: "eth", factor: 0.5 } }) { ${MOVE_FIELDS} }
      shock: stressTest(scenario: { priceShock: { asset: "WETH", shock: 0.5 } }) { ... on PriceShockResult { badDebtUsd rounds } }
      moves: stressTest(scenario: { priceMove: { moves: [{ asset: "USDC", factor: 1.2 }, { asset: "0xb0d0", factor: 1.2 }] } }) { ${MOVE_FIELDS} }
      stables: stressTest(scenario: { groupShock: { group: "stablecoins", factor: 1.2 } }) { ${MOVE_FIELDS} }
      assetGroups { name description members }
    }`);
    expect(r.errors).toBeUndefined();
    const d = r.data!;
    expect(d.depeg.kind).toBe("DEPEG");
    // carol is liquidatable at oracle prices already: her fWETH is sold too (final price only).
    expect(d.depeg.prices.map((p: any) => p.symbol)).toEqual(["fWETH", "cUSDC"]);
    expect(d.depeg.prices).toContainEqual({
      symbol: "cUSDC",
      asset: { symbol: "USDC" },
      oraclePriceUsd: 1,
      movedPriceUsd: 0.87,
      finalPriceUsd: 0.87,
    });
    expect(d.eth.kind).toBe("GROUP_SHOCK");
    expect(d.eth.group).toBe("eth");
    expect(d.eth.moves).toEqual([{ name: "WETH", asset: { symbol: "WETH" }, factor: 0.5, markets: 3 }]);
    // WETH is never borrowed here: the group shock is the collateral shock.
    expect(d.eth.cascade.badDebtUsd).toBe(d.shock.badDebtUsd);
    expect(d.eth.cascade.rounds).toBe(d.shock.rounds);
    const { kind: _k, group: _g, ...stables } = d.stables;
    const { kind: _k2, group: _g2, ...moves } = d.moves;
    expect(stables).toEqual(moves);
    expect(d.moves.kind).toBe("PRICE_MOVE");
    expect(d.assetGroups.map((g: any) => [g.name, g.members])).toEqual([
      ["eth", ["WETH"]],
      ["btc", []],
      ["stablecoins", ["USDC", "bUSD"]],
    ]);
  });

  it("rejects unknown assets and groups, multipliers out of range and several members", async () => {
    const stress = (scenario: string) => `{ stressTest(scenario: ${scenario}) { __typename } }`;
    await expectError(
      stress(`{ debtShock: { asset: "DOGE", rise: 0.2 } }`),
      /Unknown asset "DOGE"[\s\S]*WETH[\s\S]*bUSD \(chain-native\)/,
    );
    await expectError(
      stress(`{ groupShock: { group: "doge", factor: 0.5 } }`),
      /Unknown group "doge"[\s\S]*stablecoins/,
    );
    await expectError(
      stress(`{ groupShock: { group: "btc", factor: 0.5 } }`),
      /group "btc" has no asset in this snapshot/,
    );
    await expectError(
      stress(`{ groupShock: { factor: 0.5 } }`),
      /needs group \(one of eth, btc, stablecoins\) or an assets list/,
    );
    await expectError(
      stress(`{ debtShock: { asset: "USDC", rise: 12 } }`),
      /rise must be a fraction in \(0, 10\] \(0.2 = \+20%\), got 12/,
    );
    await expectError(
      stress(`{ priceMove: { moves: [{ asset: "WETH", factor: 0 }] } }`),
      /factor must be a price multiplier in \(0, 11\].*got 0 for WETH/,
    );
    await expectError(stress(`{ priceMove: { moves: [] } }`), /moves must list 1 to 50 price moves, got 0/);
    await expectError(
      stress(`{ groupShock: { assets: ["WETH"], factor: 20 } }`),
      /factor must be a price multiplier in \(0, 11\]/,
    );
    await expectError(
      stress(`{ depeg: { asset: "USDC", priceUsd: 50 } }`),
      /priceUsd must be in \(0, 11\] for USDC.*got 50/,
    );
    await expectError(
      stress(`{ debtShock: { asset: "USDC", rise: 0.1, maxRounds: 0 } }`),
      /maxRounds must be an integer in \[1, 100\]/,
    );
    await expectError(
      stress(`{ debtShock: { asset: "USDC", rise: 0.1 }, groupShock: { group: "eth", factor: 0.9 } }`),
      /exactly one of debtShock and groupShock, not both/,
    );
    await expectError(
      stress(
        `{ priceShock: { shock: 0.1 }, depeg: { asset: "USDC", priceUsd: 0.9 }, priceMove: { moves: [{ asset: "WETH", factor: 2 }] } }`,
      ),
      /exactly one of priceShock, priceMove and depeg, not all 3/,
    );
    const r = await gql(stress(`{ depeg: { asset: "USDC", priceUsd: 50 } }`));
    expect(r.errors![0]!.extensions?.argument).toBe("priceUsd");
  });
});
