import type { Abi, Address, Hex } from "viem";
import {
  aaveBorrowLogicBytecode,
  aaveBridgeLogicBytecode,
  aaveConfiguratorLogicBytecode,
  aaveEModeLogicBytecode,
  aaveFlashLoanLogicBytecode,
  aaveFlashLoanLogicLinkReferences,
  aaveLiquidationLogicBytecode,
  aaveOracleAbi,
  aaveOracleBytecode,
  aavePoolAbi,
  aavePoolBytecode,
  aavePoolConfiguratorAbi,
  aavePoolConfiguratorBytecode,
  aavePoolConfiguratorLinkReferences,
  aavePoolLinkReferences,
  aavePoolLogicBytecode,
  aaveProtocolDataProviderAbi,
  aaveProtocolDataProviderBytecode,
  aaveSupplyLogicBytecode,
  aclManagerAbi,
  aclManagerBytecode,
  aTokenAbi,
  aTokenBytecode,
  defaultReserveInterestRateStrategyAbi,
  defaultReserveInterestRateStrategyBytecode,
  poolAddressesProviderAbi,
  poolAddressesProviderBytecode,
  stableDebtTokenAbi,
  stableDebtTokenBytecode,
  variableDebtTokenAbi,
  variableDebtTokenBytecode,
} from "../../contracts/generated/index.js";
import type { AaveMarketDeployment } from "../../lib/deployments.js";
import { deployedContract } from "../receipts.js";
import type { Clients } from "../system.js";
import { transact } from "../transact.js";
import {
  type AaveMarketConfig,
  type AaveMarketInput,
  type AaveReserveConfig,
  type AaveReserveInput,
  aaveMarketConfigSchema,
  aaveReserveSchema,
} from "./config.js";
import { deployLinkToken, deployPriceSource, type PriceSource, pushPrice } from "./feeds.js";
import { linkBytecode } from "./link.js";

const ZERO = "0x0000000000000000000000000000000000000000" as const;

/** One listed reserve with its tokens and price source. */
export type AaveReserveHandle = {
  symbol: string;
  asset: Address;
  decimals: number;
  aToken: Address;
  variableDebtToken: Address;
  stableDebtToken: Address;
  /** Undefined for a reserve deployed without a price source. */
  priceSource?: PriceSource;
  config: AaveReserveConfig;
};

export type AaveMarket = {
  /** Exactly what goes into the deployments file's `aaveMarkets`. */
  deployment: AaveMarketDeployment;
  pool: Address;
  poolConfigurator: Address;
  aaveOracle: Address;
  addressesProvider: Address;
  aclManager: Address;
  dataProvider: Address;
  treasury: Address;
  linkToken: Address;
  reserves: AaveReserveHandle[];
  /** By symbol. */
  reserve(symbol: string): AaveReserveHandle;
  config: AaveMarketConfig;
};

async function deploy(clients: Clients, abi: Abi, bytecode: Hex, args: readonly unknown[], what: string) {
  const hash = await clients.walletClient.deployContract({ abi, bytecode, args } as never);
  return deployedContract(clients.publicClient, hash, what);
}

async function call(
  clients: Clients,
  address: Address,
  abi: Abi,
  functionName: string,
  args: readonly unknown[],
) {
  await transact(clients, { address, abi, functionName, args }, `${functionName} on ${address}`);
}

/**
 * Deploys a real Aave v3 market (@aave/core-v3 1.19.3 bytecode) and lists `config.reserves` through the
 * PoolConfigurator, in the order @aave/deploy-v3 uses: addresses provider, ACL, logic libraries, Pool and
 * PoolConfigurator behind the provider's proxies, data provider, price sources and AaveOracle, token
 * implementations and rate strategies, initReserves, then risk parameters and eMode. The deployer
 * becomes pool admin (and owner of every aggregator and proxy, and their single oracle).
 *
 * @example
 * const market = await deployAaveMarket(clients, { protocol: "aave-b", name: "Aave B", reserves: [...] });
 * writeDeployment(... aaveMarkets: [market.deployment] ...);
 */
export async function deployAaveMarket(clients: Clients, input: AaveMarketInput): Promise<AaveMarket> {
  const config = aaveMarketConfigSchema.parse(input);
  const deployer = clients.walletClient.account.address;
  const treasury = config.treasury ?? deployer;

  // Price sources first: every proxy then exists at the market's start block (the addresses provider's),
  // so an indexer starting there can read each proxy's aggregator() from its first block on. Their first
  // rounds are submitted after that block (below), so indexers see those AnswerUpdated events too.
  const linkToken = config.linkToken ?? (await deployLinkToken(clients));
  const sources = new Map<Address, PriceSource>();
  for (const reserve of config.reserves) {
    if (reserve.initialPrice === null) continue;
    sources.set(
      reserve.asset,
      await deployPriceSource(clients, {
        description: `${reserve.symbol} / USD`,
        decimals: reserve.feedDecimals,
        linkToken,
      }),
    );
  }
  const provider = await deploy(
    clients,
    poolAddressesProviderAbi,
    poolAddressesProviderBytecode,
    [config.marketId, deployer],
    "PoolAddressesProvider",
  );
  const p = provider.address;
  // ACLManager's constructor rejects a provider without an ACL admin.
  await call(clients, p, poolAddressesProviderAbi, "setACLAdmin", [deployer]);
  const acl = await deploy(clients, aclManagerAbi, aclManagerBytecode, [p], "ACLManager");
  await call(clients, p, poolAddressesProviderAbi, "setACLManager", [acl.address]);
  await call(clients, acl.address, aclManagerAbi, "addPoolAdmin", [deployer]);
  await call(clients, acl.address, aclManagerAbi, "addEmergencyAdmin", [deployer]);

  // Logic libraries; FlashLoanLogic itself links BorrowLogic, so BorrowLogic goes first.
  const library = async (name: string, bytecode: string) =>
    (await deploy(clients, [], bytecode as Hex, [], name)).address;
  const libraries: Record<string, Address> = {};
  libraries.BorrowLogic = await library("BorrowLogic", aaveBorrowLogicBytecode);
  libraries.BridgeLogic = await library("BridgeLogic", aaveBridgeLogicBytecode);
  libraries.EModeLogic = await library("EModeLogic", aaveEModeLogicBytecode);
  libraries.LiquidationLogic = await library("LiquidationLogic", aaveLiquidationLogicBytecode);
  libraries.PoolLogic = await library("PoolLogic", aavePoolLogicBytecode);
  libraries.SupplyLogic = await library("SupplyLogic", aaveSupplyLogicBytecode);
  libraries.FlashLoanLogic = await library(
    "FlashLoanLogic",
    linkBytecode(aaveFlashLoanLogicBytecode, aaveFlashLoanLogicLinkReferences, libraries),
  );
  libraries.ConfiguratorLogic = await library("ConfiguratorLogic", aaveConfiguratorLogicBytecode);

  // Implementations are initialized too (as @aave/deploy-v3 does) so nobody else can initialize them.
  const poolImpl = await deploy(
    clients,
    aavePoolAbi,
    linkBytecode(aavePoolBytecode, aavePoolLinkReferences, libraries),
    [p],
    "Pool implementation",
  );
  await call(clients, poolImpl.address, aavePoolAbi, "initialize", [p]);
  await call(clients, p, poolAddressesProviderAbi, "setPoolImpl", [poolImpl.address]);
  const configuratorImpl = await deploy(
    clients,
    aavePoolConfiguratorAbi,
    linkBytecode(aavePoolConfiguratorBytecode, aavePoolConfiguratorLinkReferences, libraries),
    [],
    "PoolConfigurator implementation",
  );
  await call(clients, configuratorImpl.address, aavePoolConfiguratorAbi, "initialize", [p]);
  await call(clients, p, poolAddressesProviderAbi, "setPoolConfiguratorImpl", [configuratorImpl.address]);
  const read = { address: p, abi: poolAddressesProviderAbi } as const;
  const pool = await clients.publicClient.readContract({ ...read, functionName: "getPool" });
  const poolConfigurator = await clients.publicClient.readContract({
    ...read,
    functionName: "getPoolConfigurator",
  });

  const dataProvider = await deploy(
    clients,
    aaveProtocolDataProviderAbi,
    aaveProtocolDataProviderBytecode,
    [p],
    "AaveProtocolDataProvider",
  );
  await call(clients, p, poolAddressesProviderAbi, "setPoolDataProvider", [dataProvider.address]);

  const priced = [...sources.entries()];
  for (const reserve of config.reserves) {
    const source = sources.get(reserve.asset);
    if (source && reserve.initialPrice !== null)
      await pushPrice(clients, source.aggregator, reserve.initialPrice);
  }
  // Base currency address 0 with unit 1e8: USD, as on Aave v3 mainnets.
  const oracle = await deploy(
    clients,
    aaveOracleAbi,
    aaveOracleBytecode,
    [p, priced.map(([asset]) => asset), priced.map(([, s]) => s.proxy), ZERO, ZERO, config.baseCurrencyUnit],
    "AaveOracle",
  );
  await call(clients, p, poolAddressesProviderAbi, "setPriceOracle", [oracle.address]);

  const impls = await deployTokenImplementations(clients, pool);
  const inputs = [];
  for (const reserve of config.reserves)
    inputs.push(await reserveInitInput(clients, p, impls, reserve, config.name, treasury));
  await call(clients, poolConfigurator, aavePoolConfiguratorAbi, "initReserves", [inputs]);

  for (const reserve of config.reserves) await configureReserve(clients, poolConfigurator, reserve);
  // eMode last: assigning an asset requires the category's threshold to exceed the asset's own.
  for (const category of config.eModeCategories) {
    await call(clients, poolConfigurator, aavePoolConfiguratorAbi, "setEModeCategory", [
      category.id,
      category.ltv,
      category.liquidationThreshold,
      category.liquidationBonus,
      ZERO,
      category.label,
    ]);
  }
  for (const reserve of config.reserves) await assignEModeCategory(clients, poolConfigurator, reserve);

  const reserves: AaveReserveHandle[] = [];
  for (const reserve of config.reserves)
    reserves.push(await reserveHandle(clients, pool, reserve, sources.get(reserve.asset)));

  const deployment: AaveMarketDeployment = {
    protocol: config.protocol,
    name: config.name,
    startBlock: provider.startBlock,
    addressesProvider: p,
    pool,
    poolConfigurator,
    aaveOracle: oracle.address,
    aclManager: acl.address,
    dataProvider: dataProvider.address,
    baseCurrencyUnit: config.baseCurrencyUnit.toString(),
    priceSources: reserves.flatMap((r) =>
      r.priceSource
        ? [
            {
              asset: r.asset,
              symbol: r.symbol,
              proxy: r.priceSource.proxy,
              aggregator: r.priceSource.aggregator,
              heartbeatSeconds: r.config.heartbeatSeconds,
            },
          ]
        : [],
    ),
  };
  return {
    deployment,
    pool,
    poolConfigurator,
    aaveOracle: oracle.address,
    addressesProvider: p,
    aclManager: acl.address,
    dataProvider: dataProvider.address,
    treasury,
    linkToken,
    reserves,
    reserve(symbol) {
      const found = reserves.find((r) => r.symbol === symbol);
      if (!found) throw new Error(`no reserve ${symbol} in market ${config.protocol}`);
      return found;
    },
    config,
  };
}

type TokenImplementations = { aToken: Address; stable: Address; variable: Address };

/** The aToken and debt-token implementations reserves' proxies point at (they take the Pool proxy). */
async function deployTokenImplementations(clients: Clients, pool: Address): Promise<TokenImplementations> {
  const impl = async (abi: Abi, bytecode: Hex, what: string) =>
    (await deploy(clients, abi, bytecode, [pool], what)).address;
  return {
    aToken: await impl(aTokenAbi, aTokenBytecode, "AToken implementation"),
    stable: await impl(stableDebtTokenAbi, stableDebtTokenBytecode, "StableDebtToken impl"),
    variable: await impl(variableDebtTokenAbi, variableDebtTokenBytecode, "VariableDebtToken implementation"),
  };
}

/** Deploys a reserve's rate strategy and returns its `initReserves` input (as @aave/deploy-v3 names tokens). */
async function reserveInitInput(
  clients: Clients,
  provider: Address,
  impls: TokenImplementations,
  reserve: AaveReserveConfig,
  marketName: string,
  treasury: Address,
) {
  const s = reserve.rateStrategy;
  const strategy = await deploy(
    clients,
    defaultReserveInterestRateStrategyAbi,
    defaultReserveInterestRateStrategyBytecode,
    [
      provider,
      s.optimalUsageRatio,
      s.baseVariableBorrowRate,
      s.variableRateSlope1,
      s.variableRateSlope2,
      s.stableRateSlope1,
      s.stableRateSlope2,
      s.baseStableRateOffset,
      s.stableRateExcessOffset,
      s.optimalStableToTotalDebtRatio,
    ],
    `rate strategy ${reserve.symbol}`,
  );
  return {
    aTokenImpl: impls.aToken,
    stableDebtTokenImpl: impls.stable,
    variableDebtTokenImpl: impls.variable,
    underlyingAssetDecimals: reserve.decimals,
    interestRateStrategyAddress: strategy.address,
    underlyingAsset: reserve.asset,
    treasury,
    incentivesController: ZERO,
    aTokenName: `Aave ${marketName} ${reserve.symbol}`,
    aTokenSymbol: `a${reserve.symbol}`,
    variableDebtTokenName: `Aave ${marketName} Variable Debt ${reserve.symbol}`,
    variableDebtTokenSymbol: `variableDebt${reserve.symbol}`,
    stableDebtTokenName: `Aave ${marketName} Stable Debt ${reserve.symbol}`,
    stableDebtTokenSymbol: `stableDebt${reserve.symbol}`,
    params: "0x10" as Hex,
  };
}

/** Risk parameters, borrowing, reserve factor, caps and protocol fee of a freshly initialized reserve. */
async function configureReserve(clients: Clients, poolConfigurator: Address, reserve: AaveReserveConfig) {
  const configure = (functionName: string, args: readonly unknown[]) =>
    call(clients, poolConfigurator, aavePoolConfiguratorAbi, functionName, [reserve.asset, ...args]);
  if (reserve.liquidationThreshold > 0) {
    await configure("configureReserveAsCollateral", [
      BigInt(reserve.ltv),
      BigInt(reserve.liquidationThreshold),
      BigInt(reserve.liquidationBonus),
    ]);
  }
  if (reserve.borrowingEnabled) await configure("setReserveBorrowing", [true]);
  await configure("setReserveFactor", [BigInt(reserve.reserveFactor)]);
  if (reserve.supplyCap > 0n) await configure("setSupplyCap", [reserve.supplyCap]);
  if (reserve.borrowCap > 0n) await configure("setBorrowCap", [reserve.borrowCap]);
  await configure("setLiquidationProtocolFee", [BigInt(reserve.liquidationProtocolFee)]);
}

async function assignEModeCategory(clients: Clients, poolConfigurator: Address, reserve: AaveReserveConfig) {
  if (reserve.eModeCategory === 0) return;
  await call(clients, poolConfigurator, aavePoolConfiguratorAbi, "setAssetEModeCategory", [
    reserve.asset,
    reserve.eModeCategory,
  ]);
}

async function reserveHandle(
  clients: Clients,
  pool: Address,
  reserve: AaveReserveConfig,
  priceSource: PriceSource | undefined,
): Promise<AaveReserveHandle> {
  const data = await clients.publicClient.readContract({
    address: pool,
    abi: aavePoolAbi,
    functionName: "getReserveData",
    args: [reserve.asset],
  });
  return {
    symbol: reserve.symbol,
    asset: reserve.asset,
    decimals: reserve.decimals,
    aToken: data.aTokenAddress,
    variableDebtToken: data.variableDebtTokenAddress,
    stableDebtToken: data.stableDebtTokenAddress,
    priceSource,
    config: reserve,
  };
}

/**
 * Lists one more reserve on a running market, as a pool admin would: its price source set in AaveOracle,
 * fresh token implementations and rate strategy, `initReserves`, then its parameters and eMode category.
 * The reserve is added to `market.reserves` (and to `market.deployment.priceSources`).
 */
export async function listAaveReserve(
  clients: Clients,
  market: AaveMarket,
  input: AaveReserveInput,
): Promise<AaveReserveHandle> {
  const reserve = aaveReserveSchema.parse(input);
  let source: PriceSource | undefined;
  if (reserve.initialPrice !== null) {
    source = await deployPriceSource(clients, {
      description: `${reserve.symbol} / USD`,
      decimals: reserve.feedDecimals,
      linkToken: market.linkToken,
    });
    await pushPrice(clients, source.aggregator, reserve.initialPrice);
    await call(clients, market.aaveOracle, aaveOracleAbi, "setAssetSources", [
      [reserve.asset],
      [source.proxy],
    ]);
  }
  const impls = await deployTokenImplementations(clients, market.pool);
  const initInput = await reserveInitInput(
    clients,
    market.addressesProvider,
    impls,
    reserve,
    market.config.name,
    market.treasury,
  );
  await call(clients, market.poolConfigurator, aavePoolConfiguratorAbi, "initReserves", [[initInput]]);
  await configureReserve(clients, market.poolConfigurator, reserve);
  await assignEModeCategory(clients, market.poolConfigurator, reserve);
  const handle = await reserveHandle(clients, market.pool, reserve, source);
  market.reserves.push(handle);
  if (source)
    market.deployment.priceSources.push({
      asset: reserve.asset,
      symbol: reserve.symbol,
      proxy: source.proxy,
      aggregator: source.aggregator,
      heartbeatSeconds: reserve.heartbeatSeconds,
    });
  return handle;
}
