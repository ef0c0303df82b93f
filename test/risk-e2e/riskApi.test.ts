import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createWalletClient, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eacAggregatorProxyAbi, fluxAggregatorAbi } from "../../contracts/generated/index.js";
import { devnetKeys } from "../../devnet/accounts.js";
import { type PonderProcess, startPonder } from "../../harness/ponderProcess.js";
import { eventually } from "../helpers/eventually.js";
import type { IndexerNet } from "../helpers/indexerFixture.js";
import { type ChainPool, readPool } from "./chainPool.js";
import {
  balanceAt,
  type Devnet,
  freezeAtCommonTimestamp,
  riskDataTimestamp,
  startDevnet,
  supplyAt,
} from "./devnetRisk.js";
import { expectedBridgeFailure, expectedExposure } from "./expectedRisk.js";

/**
 * The risk API on live devnet data, end to end: the devnet (chains, contracts, seeded borrowers at HF
 * 3 ... 1.035), `ponder start` on PGlite serving /risk/graphql and /risk/metrics, and every answer
 * checked against what this test reads from the chains itself.
 *
 * Tolerance: the API works in float64 (balances converted once from bigints, see lib/risk/snapshot.ts)
 * while the pool reports base currency truncated to 8 decimals and HF as a wad, so values agree to
 * ~1e-12 relative, not bit for bit. Interest accrues every second, so both sides must describe the same
 * instant: `freezeAtCommonTimestamp` stops block production and mines one block per chain at one
 * timestamp T; the snapshot brings the reserve indexes forward to its indexed block (T), and the chain is
 * read at that block. With a few seconds of skew instead, a 10% APR would already move a debt by ~1e-8.
 */
const REL = 1e-9;
const close = (actual: number, expected: number, rel = REL) =>
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rel * Math.max(1, Math.abs(expected)));

describe("risk API on the devnet (real anvil + real ponder)", () => {
  let devnet: Devnet;
  let ponder: PonderProcess;
  let heads: Map<number, bigint>;
  const pgliteDir = mkdtempSync(join(tmpdir(), "risk-e2e-pglite-"));

  const risk = async <T>(query: string, variables?: Record<string, unknown>): Promise<T> => {
    const response = await fetch(`${ponder.url}/risk/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: T; errors?: { message: string }[] };
    if (body.errors) throw new Error(`risk GraphQL errors: ${JSON.stringify(body.errors)}`);
    return body.data!;
  };

  type Status = Record<string, { id: number; block: { number: number; timestamp: number } }>;
  const status = async () => (await (await fetch(`${ponder.url}/status`)).json()) as Status;

  /**
   * Freezes the chains, waits until the indexer has processed the common-timestamp blocks, and sets
   * `heads` to the blocks it reports per chain: the snapshot is as of those blocks, so the chains are
   * read there too (the blocks after T are empty, only their timestamp differs).
   */
  const settle = async () => {
    const atT = await freezeAtCommonTimestamp(devnet);
    await eventually(
      status,
      (s) =>
        Object.values(s).length === devnet.chains.length &&
        Object.values(s).every((c) => BigInt(c.block.number) >= atT.get(c.id)!),
      150_000,
    );
    // The risk provider looks at the indexer's progress at most once per second: wait until its
    // snapshot holds the blocks /status reports (its per-chain data timestamps reach theirs).
    const indexed = Object.values(await status());
    await eventually(
      async () => (await fetch(`${ponder.url}/risk/metrics`)).text(),
      (metrics) => indexed.every((c) => riskDataTimestamp(metrics, c.id) >= c.block.timestamp),
    );
    heads = new Map(indexed.map((c) => [c.id, BigInt(c.block.number)]));
  };

  const pools = async (): Promise<ChainPool[]> =>
    Promise.all(
      devnet.chains
        .filter((c) => c.deployment.aaveMarkets.length > 0)
        .map((c) => readPool(c, heads.get(c.deployment.chainId)!)),
    );

  beforeAll(async () => {
    devnet = await startDevnet();
    // startPonder needs only the child environment of an IndexerNet (deployments file and RPC URLs).
    ponder = await startPonder({
      net: { env: devnet.env } as unknown as IndexerNet,
      schema: "risk_e2e",
      pgliteDir,
    });
    await ponder.waitReady(120_000);
    await settle();
  }, 240_000);

  afterAll(async () => {
    await ponder?.kill();
    await devnet?.stop();
    rmSync(pgliteDir, { recursive: true, force: true });
  });

  it("bridgeBacking equals the vault's balance against wrapped totalSupply on each remote chain", async () => {
    const home = devnet.chains.find((c) => c.deployment.role === "home")!;
    for (const token of home.deployment.tokens) {
      const { bridgeBacking: b } = await risk<{
        bridgeBacking: {
          locked: string;
          remoteSupply: string;
          inFlight: string;
          supply: string;
          backingRatio: number | null;
          shortfall: string;
          remote: { chainId: number; wrappedToken: string; supply: string }[];
        };
      }>(
        `query($asset: String!) { bridgeBacking(bridge: "canonical", asset: $asset) {
          locked remoteSupply inFlight supply backingRatio shortfall remote { chainId wrappedToken supply } } }`,
        { asset: token.symbol },
      );
      const locked = await balanceAt(
        home,
        token.address,
        home.deployment.bridge.address,
        heads.get(home.deployment.chainId)!,
      );
      expect(BigInt(b.locked)).toBe(locked);
      let remoteTotal = 0n;
      for (const remote of devnet.chains.filter((c) => c.deployment.role === "remote")) {
        const wrapped = remote.deployment.tokens.find(
          (t) => t.kind === "wrapped" && t.homeToken === token.address,
        )!;
        const supply = await supplyAt(remote, wrapped.address, heads.get(remote.deployment.chainId)!);
        const row = b.remote.find((r) => r.chainId === remote.deployment.chainId)!;
        expect(row.wrappedToken).toBe(wrapped.address.toLowerCase());
        expect(BigInt(row.supply)).toBe(supply);
        remoteTotal += supply;
      }
      // Nothing is in flight on a devnet without relayer traffic: every seeded lock was minted at once.
      expect(b.inFlight).toBe("0");
      expect(BigInt(b.remoteSupply)).toBe(remoteTotal);
      expect(b.backingRatio).toBe(Number(locked) / Number(remoteTotal));
      expect(BigInt(b.shortfall)).toBe(remoteTotal > locked ? remoteTotal - locked : 0n);
    }
  });

  it("positions: health factor, collateral and debt match getUserAccountData at the indexed block", async () => {
    for (const pool of await pools()) {
      const { positions } = await risk<{
        positions: {
          totalCount: number;
          edges: {
            node: {
              user: string;
              status: string;
              healthFactor: number | null;
              collateralUsd: number;
              debtUsd: number;
              accountData: Record<string, string | null> | null;
            };
          }[];
        };
      }>(
        `query($p: String!) { positions(protocol: $p, first: 100) { totalCount
          edges { node { user status healthFactor collateralUsd debtUsd accountData {
            totalCollateralBase totalDebtBase availableBorrowsBase currentLiquidationThreshold ltv healthFactor } } } } }`,
        { p: pool.protocol },
      );
      const onChain = pool.positions.filter((p) => p.reserves.length > 0);
      expect(positions.totalCount).toBe(onChain.length);
      // The seed: six borrowers from HF 3 down to 1.035, plus the lender.
      expect(onChain.length).toBeGreaterThanOrEqual(7);
      for (const p of onChain) {
        const node = positions.edges.find((e) => e.node.user === p.user)!.node;
        // The Pool's own figures, to the wei (lib/aave getUserAccountData on the indexed state).
        expect(node.status).toBe("PRICED");
        expect({ user: p.user, ...node.accountData }).toEqual({ user: p.user, ...p.account.exact });
        // The float engine's figures: the Pool floors each reserve's value to base units (1e-8 USD), so
        // dust positions differ by up to a few base units; compare with that absolute slack.
        const near = (actual: number, expected: number, slack: number) =>
          expect(Math.abs(actual - expected)).toBeLessThanOrEqual(REL * Math.abs(expected) + slack);
        near(node.collateralUsd, p.account.collateralUsd, 1e-7);
        near(node.debtUsd, p.account.debtUsd, 1e-7);
        if (p.account.healthFactor === null) expect(node.healthFactor).toBeNull();
        else if (p.account.debtUsd > 1) close(node.healthFactor!, p.account.healthFactor);
      }
    }
  });

  it("exposure equals the share of collateral held in the bridge's wrapped tokens, from balances and feeds", async () => {
    for (const pool of await pools()) {
      const { exposure } = await risk<{
        exposure: {
          totalCollateralUsd: number;
          totalBorrowingPowerUsd: number;
          hhi: number;
          bridges: {
            bridge: { id: string };
            collateralUsd: number;
            share: number;
            borrowingPowerShare: number;
          }[];
        };
      }>(
        `query($p: String!) { exposure(protocol: $p) { totalCollateralUsd totalBorrowingPowerUsd hhi
          bridges { bridge { id } collateralUsd share borrowingPowerShare } } }`,
        { p: pool.protocol },
      );
      const expected = expectedExposure(pool);
      expect(expected.share).toBeGreaterThan(0);
      close(exposure.totalCollateralUsd, expected.totalCollateralUsd);
      close(exposure.totalBorrowingPowerUsd, expected.totalBorrowingPowerUsd);
      const canonical = exposure.bridges.find((b) => b.bridge.id === "canonical")!;
      close(canonical.collateralUsd, expected.bridgedCollateralUsd);
      close(canonical.share, expected.share);
      close(canonical.borrowingPowerShare, expected.borrowingPowerShare);
      close(exposure.hhi, expected.hhi);
    }
  });

  it("stressTest bridge failure: recovery 1 is the baseline, recovery 0.4 matches a recomputation", async () => {
    const losses = "badDebtUsd liquidatableDebtUsd positionsLiquidatable lendersLossUsd";
    const query = `query($rho: Float!) { stressTest(scenario: { bridgeFailure: { bridge: "canonical", recovery: $rho } }) {
      ... on BridgeFailureResult { ${losses}
        baseline { badDebtUsd liquidatableDebtUsd positionsLiquidatable }
        protocols { protocol { id kind } ${losses} baseline { badDebtUsd } } } } }`;
    type Losses = {
      badDebtUsd: number;
      liquidatableDebtUsd: number;
      positionsLiquidatable: number;
      lendersLossUsd: number;
    };
    type Result = {
      stressTest: Losses & {
        baseline: { badDebtUsd: number; liquidatableDebtUsd: number; positionsLiquidatable: number };
        protocols: (Losses & { protocol: { id: string; kind: string }; baseline: { badDebtUsd: number } })[];
      };
    };
    // The recomputation below covers the devnet's Aave pools; the total also holds its Morpho markets,
    // so it is compared with the Aave protocols' part, and the total with the sum over every protocol.
    const aavePart = (r: Result["stressTest"]) => {
      const aave = r.protocols.filter((p) => p.protocol.kind === "AAVE_V3");
      const sum = (f: (p: (typeof aave)[number]) => number) => aave.reduce((a, p) => a + f(p), 0);
      return {
        badDebtUsd: sum((p) => p.badDebtUsd),
        liquidatableDebtUsd: sum((p) => p.liquidatableDebtUsd),
        positionsLiquidatable: sum((p) => p.positionsLiquidatable),
        lendersLossUsd: sum((p) => p.lendersLossUsd),
        baseline: { badDebt: sum((p) => p.baseline.badDebtUsd) },
      };
    };
    const full = (await risk<Result>(query, { rho: 1 })).stressTest;
    expect(full.badDebtUsd).toBe(full.baseline.badDebtUsd);
    expect(full.liquidatableDebtUsd).toBe(full.baseline.liquidatableDebtUsd);
    expect(full.positionsLiquidatable).toBe(full.baseline.positionsLiquidatable);
    expect(full.lendersLossUsd).toBe(0);

    const all = await pools();
    const expected = expectedBridgeFailure(all, 0.4);
    const answer = (await risk<Result>(query, { rho: 0.4 })).stressTest;
    expect(answer.protocols.map((p) => p.protocol.kind).sort()).toEqual([
      "AAVE_V3",
      "AAVE_V3",
      "MORPHO_BLUE",
      "MORPHO_BLUE",
    ]);
    close(
      answer.badDebtUsd,
      answer.protocols.reduce((a, p) => a + p.badDebtUsd, 0),
    );
    const partial = aavePart(answer);
    expect(expected.badDebtUsd).toBeGreaterThan(0);
    close(partial.badDebtUsd, expected.badDebtUsd);
    close(partial.liquidatableDebtUsd, expected.liquidatableDebtUsd);
    expect(partial.positionsLiquidatable).toBe(expected.positionsLiquidatable);
    close(partial.lendersLossUsd, expected.lendersLossUsd);
    close(partial.baseline.badDebt, expected.baseline.badDebt);
  });

  it("bad input is a BAD_USER_INPUT error naming the argument, also inside Ponder's API", async () => {
    const response = await fetch(`${ponder.url}/risk/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        query: `{ stressTest(scenario: { bridgeFailure: { bridge: "canonical", recovery: 1.4 } }) { __typename } }`,
      }),
    });
    const body = (await response.json()) as { errors: { message: string; extensions: { code: string } }[] };
    expect(body.errors[0]!.extensions.code).toBe("BAD_USER_INPUT");
    expect(body.errors[0]!.message).toContain("recovery");
    // Rejected while parsing (the token limit): inside Ponder's API this once answered 500 "Unexpected
    // error." because the error came from the other copy of graphql (found by bench/api-load.ts).
    const wide = await fetch(`${ponder.url}/risk/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: `{ alerts { ${"message ".repeat(1500)} } }` }),
    });
    expect(wide.status).toBeLessThan(500);
    const wideBody = (await wide.json()) as { errors: { message: string }[] };
    expect(wideBody.errors[0]!.message).toMatch(/more than 1000 tokens/);
  });

  it("a price drop moves positions into alerts and into the HF-bucket metrics", async () => {
    const chain = devnet.chains.find((c) => c.deployment.aaveMarkets.length > 0)!;
    const market = chain.deployment.aaveMarkets[0]!;
    const protocol = market.protocol;
    const source = market.priceSources.find((s) => s.symbol === "wWETH")!;
    // The aggregator behind the proxy now (the devnet may have switched it since deployment).
    const aggregator = await chain.client.readContract({
      address: source.proxy,
      abi: eacAggregatorProxyAbi,
      functionName: "aggregator",
    });
    const before = await chain.client.readContract({
      address: source.proxy,
      abi: eacAggregatorProxyAbi,
      functionName: "latestAnswer",
    });
    // -10%: the seeded borrowers at HF 1.035 and 1.08 drop below 1. A new round on the aggregator, as
    // its oracle (the devnet deployer) submits it; the proxy forwards it. Block production is frozen, so
    // the transaction is only sent here and lands in settle()'s blocks.
    const wallet = createWalletClient({
      account: privateKeyToAccount(devnetKeys.deployer),
      transport: http(chain.rpcUrl),
    });
    const [eligible, roundId] = await chain.client.readContract({
      address: aggregator,
      abi: fluxAggregatorAbi,
      functionName: "oracleRoundState",
      args: [wallet.account.address, 0],
    });
    expect(eligible).toBe(true);
    const hash = await wallet.writeContract({
      chain: null,
      address: aggregator,
      abi: fluxAggregatorAbi,
      functionName: "submit",
      args: [BigInt(roundId), (before * 90n) / 100n],
      gas: 500_000n,
    });
    await settle();
    expect((await chain.client.getTransactionReceipt({ hash })).status).toBe("success");

    const pool = (await pools()).find((p) => p.protocol === protocol)!;
    const underwater = pool.positions.filter(
      (p) => p.account.healthFactor !== null && p.account.healthFactor < 1,
    );
    expect(underwater.length).toBeGreaterThan(0);
    const underwaterDebt = underwater.reduce((s, p) => s + p.account.debtUsd, 0);

    const { alerts } = await risk<{
      alerts: { kind: string; severity: string; protocol: string | null; value: number }[];
    }>("{ alerts { kind severity protocol value } }");
    const liquidatable = alerts.find((a) => a.kind === "POSITIONS_LIQUIDATABLE" && a.protocol === protocol);
    expect(liquidatable).toBeDefined();

    const text = await (await fetch(`${ponder.url}/risk/metrics`)).text();
    const gauge = (threshold: string) => {
      const line = text
        .split("\n")
        .find(
          (l) =>
            l.startsWith("risk_debt_at_risk_usd{") &&
            l.includes(`protocol="${protocol}"`) &&
            l.includes(`threshold="${threshold}"`),
        );
      return Number(line?.split(" ").pop());
    };
    close(gauge("1.0"), underwaterDebt);
    expect(gauge("1.05")).toBeGreaterThanOrEqual(gauge("1.0"));
    expect(gauge("1.1")).toBeGreaterThanOrEqual(gauge("1.05"));
    expect(text).toMatch(
      new RegExp(`risk_positions_liquidatable\\{protocol="${protocol}",chain="\\d+"\\} ${underwater.length}`),
    );
    expect(text).toContain(`risk_data_last_update_timestamp_seconds{source="positions:${protocol}"}`);
  });
});
