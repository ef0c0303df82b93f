// biome-ignore-all lint/suspicious/noExplicitAny: GraphQL responses are untyped JSON; the assertions check their shape.
import { describe, expect, it } from "vitest";
import type { Deployment } from "../../lib/deployments.js";
import type { IndexerRows } from "../../lib/risk/api/provider/indexerRows.js";
import { snapshotFromIndexerRows } from "../../lib/risk/api/provider/snapshotFromRows.js";
import { createRiskYoga } from "../../lib/risk/api/server.js";
import type { RiskAaveRevision, RiskProtocol, RiskSnapshot } from "../../lib/risk/index.js";
import { CHAIN_B, HOME, NOW, RAY, weth } from "./fixtures.js";

const B_WETH = "0x000000000000000000000000000000000000b0e1";
const ALICE = "0x0000000000000000000000000000000000000a11";

describe("the snapshot records each Aave market's revision and the rules applied", () => {
  const deployment = {
    bridgeId: "bridge",
    homeChainId: HOME,
    chains: [{ chainId: HOME, role: "home", tokens: [] }],
    externalBridges: [],
  } as unknown as Deployment;
  const market = (id: string, poolRevision: number | null) =>
    ({
      id,
      chainId: HOME,
      name: id,
      pool: "0x00000000000000000000000000000000000000a0",
      poolConfigurator: "0x00000000000000000000000000000000000000c0",
      addressesProvider: "0x00000000000000000000000000000000000000d0",
      oracle: "0x00000000000000000000000000000000000000e0",
      baseCurrencyUnit: 10n ** 8n,
      fallbackOracle: "0x0000000000000000000000000000000000000000",
      poolRevision,
      updatedAtBlock: 1n,
    }) as IndexerRows["markets"][number];
  const rows: IndexerRows = {
    checkpoints: [],
    markets: [
      market("v30", 1),
      market("v33", 7),
      market("v35", 9),
      market("v36", 10),
      market("unread", null),
    ],
    reserves: [],
    emodeCategories: [],
    marketUsers: [],
    positions: [],
    priceSources: [],
    assetSources: [],
    routeTotals: [],
    assetSupplies: [],
    tokenSupplies: [],
    externalCustodies: [],
    morphoMarkets: [],
    morphoPositions: [],
    uniswapPools: [],
    uniswapTicks: [],
  };

  it("names the rule set per market; an unsupported revision is said so, with the stand-in and a problem", () => {
    const snapshot = snapshotFromIndexerRows(deployment, rows);
    const by = Object.fromEntries(snapshot.protocols.map((p) => [p.id, p]));
    expect(by.v30!.aaveRevision).toEqual({ poolRevision: 1, rules: "v3.0", supported: true });
    expect(by.v33!.aaveRevision).toEqual({ poolRevision: 7, rules: "v3.3", supported: true });
    expect(by.v35!.aaveRevision).toEqual({ poolRevision: 9, rules: "v3.5", supported: true });
    expect(by.v36!.aaveRevision).toEqual({ poolRevision: 10, rules: "v3.5", supported: false });
    expect(by.unread!.aaveRevision).toEqual({ poolRevision: null, rules: "v3.0", supported: false });
    for (const id of ["v30", "v33", "v35", "unread"]) expect(by[id]!.problems).toEqual([]);
    expect(by.v36!.problems).toEqual([
      "Pool revision 10 is not one this engine implements (1, 4, 5, 6, 7, 8, 9: Aave v3.0-v3.5): figures follow v3.5 rules and may differ from the Pool's",
    ]);
  });

  it("brings the variable borrow index forward with the revision's compounding (v3.4 multiplies first)", () => {
    // 10% a year, last updated one year before the indexed block: the index is the compounded factor.
    const start = 1_600_000_000;
    const year = 365 * 24 * 60 * 60;
    const checkpoint = `${start + year}${String(HOME).padStart(16, "0")}${"1".padStart(16, "0")}${"9".repeat(33)}`;
    const reserve = (protocol: string) =>
      ({
        id: `${protocol}:${B_WETH}`,
        protocol,
        chainId: HOME,
        asset: B_WETH,
        homeAsset: null,
        symbol: "WETH",
        decimals: 18,
        ltv: 8000,
        liquidationThreshold: 8250,
        liquidationBonus: 10500,
        eModeCategory: 0,
        liquidityIndex: RAY,
        variableBorrowIndex: RAY,
        liquidityRate: 0n,
        variableBorrowRate: RAY / 10n,
        lastUpdateTimestamp: BigInt(start),
        priceSource: null,
        problems: [],
      }) as unknown as IndexerRows["reserves"][number];
    const snapshot = snapshotFromIndexerRows(deployment, {
      ...rows,
      checkpoints: [{ chainId: HOME, latestCheckpoint: checkpoint, finalizedCheckpoint: checkpoint }],
      reserves: ["v30", "v33", "v35", "v36"].map(reserve),
    });
    const index = Object.fromEntries(
      snapshot.protocols.map((p) => [p.id, p.reserves[0]?.variableBorrowIndex]),
    );
    // test/lib/aaveRevisions.test.ts: 1.105162042821782412575504000 (v3.0-v3.3), 1.105166666666666666666666667 (v3.4+).
    expect(index).toEqual({
      v30: 1105162042821782412575504000n,
      v33: 1105162042821782412575504000n,
      v35: 1105166666666666666666666667n,
      v36: 1105166666666666666666666667n,
      unread: undefined,
    });
  });
});

describe("risk GraphQL reports and applies each market's Aave revision", () => {
  // The same position in three markets: 1 WETH of collateral against a 1-wei WETH debt. Before v3.5 the
  // debt floors to 0 base units (HF max); from v3.5 it is worth 1 base unit.
  const protocol = (id: string, aaveRevision?: RiskAaveRevision): RiskProtocol => ({
    id,
    name: id,
    chainId: CHAIN_B,
    baseCurrencyUnit: 10n ** 8n,
    timestamp: NOW,
    ...(aaveRevision ? { aaveRevision } : {}),
    reserves: [
      {
        asset: B_WETH,
        symbol: "WETH",
        underlyingAsset: null,
        bridge: null,
        priceUsd: 2000,
        decimals: 18,
        ltv: 8000,
        liquidationThreshold: 8250,
        liquidationBonus: 10500,
        liquidityIndex: RAY,
        variableBorrowIndex: RAY,
        poolLiquidity: null,
        oracleAnswer: 2000_00000000n,
        priceStatus: "priced",
        priceReason: null,
      },
    ],
    positions: [
      {
        user: ALICE,
        reserves: [{ asset: B_WETH, scaledCollateral: weth(1), scaledDebt: 1n, usedAsCollateral: true }],
      },
    ],
  });
  const snapshot: RiskSnapshot = {
    asOf: { blockTimestamps: [{ chainId: CHAIN_B, timestamp: NOW }], sources: [] },
    assets: [],
    bridges: [],
    protocols: [
      protocol("aave-v30", { poolRevision: 1, rules: "v3.0", supported: true }),
      protocol("aave-v35", { poolRevision: 9, rules: "v3.5", supported: true }),
      protocol("aave-v36", { poolRevision: 10, rules: "v3.5", supported: false }),
      protocol("synthetic"),
    ],
  };
  const yoga = createRiskYoga({ getSnapshot: async () => snapshot, now: () => NOW });
  const gql = async (query: string) => {
    const res = await yoga.fetch(
      new Request("http://risk.test/graphql", {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify({ query }),
      }),
    );
    return (await res.json()) as { data?: any; errors?: unknown[] };
  };
  const position = (id: string) =>
    gql(`{ position(protocol: "${id}", user: "${ALICE}") {
      protocol { id aaveRevision { poolRevision rules supported } }
      accountData { totalDebtBase healthFactor } } }`);

  it("answers the revision and the rules per market, and the exact figures follow them", async () => {
    const v30 = await position("aave-v30");
    expect(v30.errors).toBeUndefined();
    expect(v30.data.position).toEqual({
      protocol: { id: "aave-v30", aaveRevision: { poolRevision: 1, rules: "v3.0", supported: true } },
      accountData: { totalDebtBase: "0", healthFactor: (2n ** 256n - 1n).toString() },
    });
    const v35 = await position("aave-v35");
    // v3.5: ceil(1 * 2000e8 / 1e18) = 1; HF = wadDiv(2000e8 * 8250, 1) / 10000 = 1650e8 * 1e18.
    expect(v35.data.position).toEqual({
      protocol: { id: "aave-v35", aaveRevision: { poolRevision: 9, rules: "v3.5", supported: true } },
      accountData: { totalDebtBase: "1", healthFactor: (1650n * 10n ** 8n * 10n ** 18n).toString() },
    });
    const v36 = await position("aave-v36");
    expect(v36.data.position.protocol.aaveRevision).toEqual({
      poolRevision: 10,
      rules: "v3.5",
      supported: false,
    });
    expect(v36.data.position.accountData.totalDebtBase).toBe("1");
  });

  it("is null when the snapshot does not say (v3.0 rules apply)", async () => {
    const r = await position("synthetic");
    expect(r.data.position.protocol.aaveRevision).toBeNull();
    expect(r.data.position.accountData.totalDebtBase).toBe("0");
  });
});
