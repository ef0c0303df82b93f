import { decodeEventLog, parseUnits } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  aaveOracleAbi,
  aavePoolAbi,
  aTokenAbi,
  eacAggregatorProxyAbi,
  fluxAggregatorAbi,
} from "../../contracts/generated/index.js";
import { replaceAggregator } from "../../deploy/aave.js";
import {
  type AaveFixture,
  accountData,
  advanceTime,
  borrow,
  fund,
  revertName,
  send,
  setPrice,
  startAaveFixture,
  supply,
} from "../../harness/aaveFixture.js";

/**
 * The real Aave v3 market (core-v3 1.19.3) as deployAaveMarket sets it up: these tests pin the behaviour
 * the indexer and the risk engine rely on, against the Pool itself.
 */
describe("real Aave v3 market on anvil", () => {
  let f: AaveFixture;
  beforeAll(async () => {
    f = await startAaveFixture({
      nonCollateralReserve: true,
      unpricedReserve: true,
      oddDecimalsReserve: true,
    });
  }, 120_000);
  afterAll(async () => {
    await f?.stop();
  });

  const read = <T>(functionName: string, args: readonly unknown[]) =>
    f.publicClient.readContract({
      address: f.market.pool,
      abi: aavePoolAbi,
      functionName,
      args,
    } as never) as Promise<T>;

  it("is configured through the PoolConfigurator as asked", async () => {
    const reserves = await read<readonly `0x${string}`[]>("getReservesList", []);
    expect(reserves).toEqual(f.market.reserves.map((r) => r.asset));
    const category = await read<{ ltv: number; liquidationThreshold: number; liquidationBonus: number }>(
      "getEModeCategoryData",
      [1],
    );
    expect([category.ltv, category.liquidationThreshold, category.liquidationBonus]).toEqual([
      9300, 9500, 10100,
    ]);
    // AaveOracle reads the proxy, which forwards the aggregator's raw answer.
    const price = await f.publicClient.readContract({
      address: f.market.aaveOracle,
      abi: aaveOracleAbi,
      functionName: "getAssetPrice",
      args: [f.tokens.WETH!],
    });
    expect(price).toBe(2000_00000000n);
    expect(f.market.deployment.baseCurrencyUnit).toBe("100000000");
    expect(f.market.deployment.priceSources.map((s) => s.symbol)).toEqual([
      "USDC",
      "DAI",
      "WETH",
      "NOCOL",
      "ODD18",
    ]);
  });

  it("has every proxy deployed by the market's start block and every first round after it", async () => {
    const start = BigInt(f.market.deployment.startBlock);
    for (const source of f.market.deployment.priceSources) {
      const code = await f.publicClient.getCode({ address: source.proxy, blockNumber: start });
      expect(code?.length ?? 0, source.symbol).toBeGreaterThan(2);
      const rounds = await f.publicClient.getLogs({
        address: source.aggregator,
        event: fluxAggregatorAbi.find((e) => e.type === "event" && e.name === "AnswerUpdated")!,
        fromBlock: 0n,
      });
      expect(rounds.length, source.symbol).toBeGreaterThan(0);
      expect(rounds[0]!.blockNumber, source.symbol).toBeGreaterThan(start);
    }
  });

  it("supplies and borrows, and getUserAccountData reports the position", async () => {
    const [alice] = f.users as [AaveFixture["users"][number]];
    await fund(f, alice, f.tokens.WETH!, parseUnits("10", 18));
    await supply(f, alice, f.tokens.WETH!, parseUnits("10", 18));
    await borrow(f, alice, f.tokens.USDC!, parseUnits("15000", 6));
    const data = await accountData(f, alice.account.address);
    expect(data.totalCollateralBase).toBe(20_000_00000000n);
    expect(data.totalDebtBase).toBe(15_000_00000000n);
    expect(data.ltv).toBe(8000n);
    expect(data.currentLiquidationThreshold).toBe(8250n);
    // 20000 * 0.825 / 15000 = 1.1
    expect(data.healthFactor).toBe(1_100000000000000000n);
  });

  it("liquidates with the protocol fee going to the treasury as aTokens", async () => {
    const alice = f.users[0]!;
    const aWeth = f.market.reserve("WETH").aToken;
    await setPrice(f, "WETH", 1700_00000000n);
    const before = await accountData(f, alice.account.address);
    expect(before.healthFactor).toBeLessThan(10n ** 18n);

    await fund(f, f.liquidator, f.tokens.USDC!, parseUnits("5000", 6));
    const receipt = await send(f, f.liquidator, {
      address: f.market.pool,
      abi: aavePoolAbi,
      functionName: "liquidationCall",
      args: [f.tokens.WETH!, f.tokens.USDC!, alice.account.address, parseUnits("5000", 6), false],
    });
    const treasuryATokens = await f.publicClient.readContract({
      address: aWeth,
      abi: aTokenAbi,
      functionName: "balanceOf",
      args: [f.treasury],
    });
    const liquidation = receipt.logs
      .filter((log) => log.address.toLowerCase() === f.market.pool.toLowerCase())
      .map((log) => decodeEventLog({ abi: aavePoolAbi, ...log, strict: false }))
      .find((event) => event.eventName === "LiquidationCall");
    expect(liquidation).toBeDefined();
    const seizedByLiquidator = (liquidation!.args as { liquidatedCollateralAmount: bigint })
      .liquidatedCollateralAmount;
    // Seized collateral = 5000 USDC at 1700 plus the 5% bonus; the fee is 10% of that bonus.
    const seized = (parseUnits("5000", 18) * 10500n) / 10000n / 1700n;
    const bonus = seized - (seized * 10000n) / 10500n;
    expect(treasuryATokens).toBeGreaterThan(0n);
    expect(Number(treasuryATokens)).toBeCloseTo(Number(bonus / 10n), -12);
    expect(seizedByLiquidator + treasuryATokens).toBeGreaterThanOrEqual(seized - 2n);
    // The fee moves as an aToken BalanceTransfer to the treasury.
    const transfers = receipt.logs
      .filter((log) => log.address.toLowerCase() === aWeth.toLowerCase())
      .map((log) => decodeEventLog({ abi: aTokenAbi, ...log, strict: false }))
      .filter((event) => event.eventName === "BalanceTransfer");
    expect(transfers.some((event) => (event.args as { to: string }).to === f.treasury)).toBe(true);
    const after = await accountData(f, alice.account.address);
    expect(after.totalDebtBase).toBeLessThan(before.totalDebtBase);
  });

  it("lets an eMode user borrow beyond the normal LTV, and not without eMode", async () => {
    const [, bob, carol] = f.users as [never, AaveFixture["users"][number], AaveFixture["users"][number]];
    for (const user of [bob, carol]) {
      await fund(f, user, f.tokens.USDC!, parseUnits("10000", 6));
      await supply(f, user, f.tokens.USDC!, parseUnits("10000", 6));
    }
    await send(f, bob, { address: f.market.pool, abi: aavePoolAbi, functionName: "setUserEMode", args: [1] });
    await borrow(f, bob, f.tokens.DAI!, parseUnits("9200", 18));
    const data = await accountData(f, bob.account.address);
    expect(data.ltv).toBe(9300n);
    expect(data.currentLiquidationThreshold).toBe(9500n);
    expect(await read<bigint>("getUserEMode", [bob.account.address])).toBe(1n);
    // Outside eMode the same borrow exceeds USDC's 77% LTV.
    expect(await revertName(borrow(f, carol, f.tokens.DAI!, parseUnits("9200", 18)))).toBeDefined();
  });

  it("counts a non-collateral reserve (LT 0, bonus 0) as no collateral", async () => {
    const dave = f.users[3]!;
    await fund(f, dave, f.tokens.NOCOL!, parseUnits("100", 18));
    await supply(f, dave, f.tokens.NOCOL!, parseUnits("100", 18));
    const data = await accountData(f, dave.account.address);
    expect(data.totalCollateralBase).toBe(0n);
    expect(await revertName(borrow(f, dave, f.tokens.USDC!, 1n))).toBeDefined();
  });

  it("has no price for a reserve without a source", async () => {
    await expect(
      f.publicClient.readContract({
        address: f.market.aaveOracle,
        abi: aaveOracleAbi,
        functionName: "getAssetPrice",
        args: [f.tokens.NOPRICE!],
      }),
    ).rejects.toThrow();
  });

  it("returns a source's raw answer whatever decimals the feed declares", async () => {
    const source = f.market.reserve("ODD18").priceSource!;
    const decimals = await f.publicClient.readContract({
      address: source.proxy,
      abi: eacAggregatorProxyAbi,
      functionName: "decimals",
    });
    expect(decimals).toBe(18);
    const price = await f.publicClient.readContract({
      address: f.market.aaveOracle,
      abi: aaveOracleAbi,
      functionName: "getAssetPrice",
      args: [f.tokens.ODD18!],
    });
    expect(price).toBe(2_00000000n);
  });

  it("switches a proxy to a new aggregator without any event on the proxy", async () => {
    const source = f.market.reserve("DAI").priceSource!;
    const fromBlock = await f.publicClient.getBlockNumber();
    const { aggregator } = await replaceAggregator(f.clients, source.proxy, 99_000000n);
    const proxyLogs = await f.publicClient.getLogs({ address: source.proxy, fromBlock });
    expect(proxyLogs).toEqual([]);
    expect(
      await f.publicClient.readContract({
        address: source.proxy,
        abi: eacAggregatorProxyAbi,
        functionName: "aggregator",
      }),
    ).toBe(aggregator);
    const price = await f.publicClient.readContract({
      address: f.market.aaveOracle,
      abi: aaveOracleAbi,
      functionName: "getAssetPrice",
      args: [f.tokens.DAI!],
    });
    expect(price).toBe(99_000000n);
  });

  it("accrues interest over time (debt grows, health factor falls)", async () => {
    const bob = f.users[1]!;
    const before = await accountData(f, bob.account.address);
    await advanceTime(f, 30 * 24 * 3600);
    const after = await accountData(f, bob.account.address);
    expect(after.totalDebtBase).toBeGreaterThan(before.totalDebtBase);
  });
});
