import fc from "fast-check";
import type { Address } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testERC20Abi, testERC20Bytecode } from "../../contracts/generated/index.js";
import { listAaveReserve, volatileRateStrategy } from "../../deploy/aave.js";
import { deployedContract } from "../../deploy/receipts.js";
import { aaveActionSequenceArbitrary } from "../../harness/aaveActions.js";
import { fund, supply } from "../../harness/aaveFixture.js";
import { type AavePropertyRig, startAavePropertyRig } from "../../harness/aaveProperty.js";

/**
 * An existing Aave v3 market, watched from a start block (issue 16, point 1): a second market is deployed
 * by another deployer (other addresses), random actions run on it before the indexer exists (supplies,
 * borrows, stable and variable debt, eMode, collateral toggles, configurator changes, price moves, time,
 * liquidations), and only then is the indexer started, configured with nothing but the market's
 * PoolAddressesProvider and a start block one past that history. It must read the state at the start block
 * (reserves, configuration, prices, every holder's balances) and then follow events, so that every
 * account, old and new, equals the Pool's getUserAccountData and the tokens' balances to the wei.
 * A smaller market deployed on the same chain before the history is listed as a deployed market, so the
 * indexer's sources start before the watched market's start block and its history events arrive as
 * events too: they must be skipped, not counted a second time.
 */

const HISTORY_RUNS = Number(process.env.AAVE_WATCHED_HISTORY_RUNS ?? 6);
const RUNS = Number(process.env.AAVE_WATCHED_RUNS ?? 6);
const STEPS = 25;
const SEED = Number(process.env.AAVE_WATCHED_SEED ?? Date.now() % 1_000_000);

let rig: AavePropertyRig;

beforeAll(async () => {
  console.log(`aave watched market: seed ${SEED} (AAVE_WATCHED_SEED replays it)`);
  const history = fc.sample(aaveActionSequenceArbitrary(STEPS), { numRuns: HISTORY_RUNS, seed: SEED });
  rig = await startAavePropertyRig({
    checkEvery: 13,
    priceCheckSeconds: 10,
    watch: { history, deployerIndex: 12, besideEarlierMarket: true },
  });
}, 600_000);

afterAll(async () => {
  await rig?.stop(process.env.AAVE_WATCHED_PONDER_LOG);
});

describe("an existing Aave v3 market named by its PoolAddressesProvider and a start block", () => {
  it("is discovered: the indexed market is the deployed one, at other addresses than the default deployer's", async () => {
    const body = await rig.ponder.graphql<{
      market: { pool: string; poolConfigurator: string; oracle: string; addressesProvider: string } | null;
    }>(
      `{ market(id: "${rig.f.market.deployment.protocol}") { pool poolConfigurator oracle addressesProvider } }`,
    );
    expect(body.data?.market).toEqual({
      pool: rig.f.market.pool.toLowerCase(),
      poolConfigurator: rig.f.market.poolConfigurator.toLowerCase(),
      oracle: rig.f.market.aaveOracle.toLowerCase(),
      addressesProvider: rig.f.market.addressesProvider.toLowerCase(),
    });
    const body2 = await rig.ponder.graphql<{ reserves: { items: { asset: string }[] } }>(
      `{ reserves(where: { protocol: "${rig.f.market.deployment.protocol}" }, limit: 100) { items { asset } } }`,
    );
    expect(body2.data!.reserves.items.map((r) => r.asset).sort()).toEqual(
      rig.f.market.reserves.map((r) => r.asset.toLowerCase()).sort(),
    );
  });

  it("holds every account the history left, to the wei, at the first checkpoint", async () => {
    // The history did what an existing market has behind it.
    expect(rig.historyKinds.supply ?? 0).toBeGreaterThan(0);
    expect(rig.historyKinds.borrow ?? 0).toBeGreaterThan(0);
    expect(rig.historyUsers.size).toBeGreaterThan(HISTORY_RUNS);
    const compared = await rig.checkpoint(new Set(rig.historyUsers));
    expect(compared).toBe(rig.historyUsers.size);
  }, 300_000);

  it("finds a reserve listed after the start block from its ReserveInitialized", async () => {
    const { f } = rig;
    const hash = await f.deployer.deployContract({
      abi: testERC20Abi,
      bytecode: testERC20Bytecode,
      args: ["Late Listing", "LATE", 12],
    });
    const token = (await deployedContract(f.publicClient, hash, "LATE")).address;
    const late = await listAaveReserve(f.clients, f.market, {
      symbol: "LATE",
      decimals: 12,
      asset: token,
      initialPrice: 40_00000000n,
      ltv: 6500,
      liquidationThreshold: 7000,
      liquidationBonus: 10800,
      rateStrategy: volatileRateStrategy,
    });
    f.tokens.LATE = token;
    const amount = 100_000n * 10n ** 12n;
    await fund(f, f.lender, token, amount);
    // The receipt's block: getBlockNumber may answer from viem's cache, a block behind.
    const { blockNumber } = await supply(f, f.lender, token, amount);
    await rig.waitIndexed(blockNumber);
    const body = await rig.ponder.graphql<{
      reserve: { aToken: string; liquidationThreshold: number; totalScaledSupply: string } | null;
    }>(
      `{ reserve(id: "${f.market.deployment.protocol}:${token.toLowerCase()}") { aToken liquidationThreshold totalScaledSupply } }`,
    );
    expect(body.data?.reserve).toMatchObject({
      aToken: late.aToken.toLowerCase(),
      liquidationThreshold: 7000,
    });
    expect(BigInt(body.data!.reserve!.totalScaledSupply)).toBeGreaterThan(0n);
    expect(await rig.checkpoint(new Set([f.lender.account.address]))).toBe(1);
  }, 300_000);

  it(`then follows events: ${RUNS} runs on old and new accounts stay equal to the Pool's`, async () => {
    const sequences = fc.sample(aaveActionSequenceArbitrary(STEPS), { numRuns: RUNS, seed: SEED + 1 });
    for (const [i, actions] of sequences.entries()) {
      // Every other run acts on accounts whose positions predate the start block.
      const users = i % 2 === 0 ? rig.historyWallets[(i / 2) % rig.historyWallets.length] : undefined;
      await rig.runSequence(actions, users);
    }
    expect(rig.stats.sequences).toBe(RUNS);
    expect(rig.stats.applied).toBeGreaterThan(RUNS * STEPS * 0.4);
    // Everyone again at the end: interest, prices and configuration moved under the old positions too.
    expect(await rig.checkpoint(new Set<Address>(rig.historyUsers))).toBe(rig.historyUsers.size);
  }, 900_000);
});
