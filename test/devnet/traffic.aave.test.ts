import { createWalletClient, http, parseUnits } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { aTokenAbi, eacAggregatorProxyAbi } from "../../contracts/generated/index.js";
import type { Clients } from "../../deploy/system.js";
import { devnetKeys } from "../../devnet/accounts.js";
import { liquidateAll, MarketTraffic, movePrices } from "../../devnet/trafficAave.js";
import {
  type AaveFixture,
  accountData,
  borrow,
  fund,
  setPrice,
  startAaveFixture,
  supply,
} from "../../harness/aaveFixture.js";
import { deploymentSchema } from "../../lib/deployments.js";
import { logger } from "../../lib/logger.js";

/** The devnet's Aave traffic (price rounds, the silent switch, liquidations) against a real market. */
describe("devnet Aave traffic", () => {
  let f: AaveFixture;
  let market: MarketTraffic;
  const log = logger.child({ test: "traffic" });
  beforeAll(async () => {
    f = await startAaveFixture();
    const chain = deploymentSchema.parse(f.deploymentsFile).chains[0]!;
    const clientsFor = (key: `0x${string}`): Clients => ({
      walletClient: createWalletClient({
        account: privateKeyToAccount(key),
        chain: f.chain,
        transport: http(f.anvil.rpcUrl),
      }),
      publicClient: f.publicClient,
    });
    market = await MarketTraffic.load(chain, clientsFor, log);
    // The devnet's liquidator is anvil account 11; the fixture's anvil funds only 0-9.
    await f.testClient.setBalance({
      address: privateKeyToAccount(devnetKeys.liquidator).address,
      value: 10n ** 20n,
    });
  }, 120_000);
  afterAll(async () => {
    await f?.stop();
  });

  it("liquidates an account below health factor 1, paying the protocol fee to the treasury", async () => {
    const [alice] = f.users;
    await fund(f, alice!, f.tokens.WETH!, parseUnits("10", 18));
    await supply(f, alice!, f.tokens.WETH!, parseUnits("10", 18));
    await borrow(f, alice!, f.tokens.USDC!, parseUnits("15900", 6));
    const liquidator = createWalletClient({
      account: privateKeyToAccount(devnetKeys.liquidator),
      chain: f.chain,
      transport: http(f.anvil.rpcUrl),
    });
    await fund(f, liquidator, f.tokens.USDC!, parseUnits("100000", 6));

    await liquidateAll(market, [alice!.account.address]);
    const aWeth = f.market.reserve("WETH").aToken;
    const feeBalance = () =>
      f.publicClient.readContract({
        address: aWeth,
        abi: aTokenAbi,
        functionName: "balanceOf",
        args: [f.treasury],
      });
    expect(await feeBalance()).toBe(0n); // healthy: nothing happens

    await setPrice(f, "WETH", 1900_00000000n);
    expect((await accountData(f, alice!.account.address)).healthFactor).toBeLessThan(10n ** 18n);
    await liquidateAll(market, [alice!.account.address]);
    expect(await feeBalance()).toBeGreaterThan(0n);
  }, 60_000);

  it("gives every feed a round each pass and switches one proxy silently on the sixth", async () => {
    const sources = f.market.deployment.priceSources;
    const latestRound = (proxy: `0x${string}`) =>
      f.publicClient.readContract({
        address: proxy,
        abi: eacAggregatorProxyAbi,
        functionName: "latestRound",
      });
    const aggregator = (proxy: `0x${string}`) =>
      f.publicClient.readContract({ address: proxy, abi: eacAggregatorProxyAbi, functionName: "aggregator" });
    const before = await Promise.all(sources.map((s) => latestRound(s.proxy)));
    const aggregatorsBefore = await Promise.all(sources.map((s) => aggregator(s.proxy)));
    const fromBlock = await f.publicClient.getBlockNumber();
    const targets = [{ chain: market.chain, clients: market.clientsFor(devnetKeys.deployer) }];
    for (let round = 0; round < 5; round++) await movePrices(targets, [market], log);
    const after = await Promise.all(sources.map((s) => latestRound(s.proxy)));
    for (const [i, round] of after.entries()) expect(round - before[i]!).toBe(5n);

    await movePrices(targets, [market], log);
    const aggregatorsAfter = await Promise.all(sources.map((s) => aggregator(s.proxy)));
    const switched = aggregatorsAfter.filter((a, i) => a !== aggregatorsBefore[i]);
    expect(switched).toHaveLength(1);
    // No log from any proxy, ever: the switch is only visible through aggregator().
    const proxyLogs = await f.publicClient.getLogs({ address: sources.map((s) => s.proxy), fromBlock });
    expect(proxyLogs).toEqual([]);
  }, 60_000);
});
