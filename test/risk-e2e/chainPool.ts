import { type Address, erc20Abi, maxUint256 } from "viem";
import { aaveOracleAbi, aavePoolAbi, aaveProtocolDataProviderAbi } from "../../contracts/generated/index.js";
import type { DevnetChain } from "./devnetRisk.js";

/** One Aave v3 market read straight from the chain with viem, independent of the indexer. */

export type ChainReserve = {
  asset: Address;
  symbol: string;
  decimals: number;
  wrapped: boolean;
  liquidationThreshold: number;
  eModeCategory: number;
  /** AaveOracle's answer over BASE_CURRENCY_UNIT. */
  priceUsd: number;
};

export type ChainPosition = {
  user: Address;
  /** getUserAccountData: exact (decimal strings) and as floats (base currency over its unit; HF over 1e18). */
  account: {
    exact: Record<
      | "totalCollateralBase"
      | "totalDebtBase"
      | "availableBorrowsBase"
      | "currentLiquidationThreshold"
      | "ltv"
      | "healthFactor",
      string
    >;
    collateralUsd: number;
    debtUsd: number;
    healthFactor: number | null;
  };
  reserves: { reserve: ChainReserve; collateral: bigint; debt: bigint; usedAsCollateral: boolean }[];
};

/**
 * Everything about one Aave v3 market at one block, read from the chain: reserves through
 * AaveProtocolDataProvider, prices through AaveOracle (as the Pool uses them, over BASE_CURRENCY_UNIT),
 * users from the Pool's Supply/Borrow logs, each account from `getUserAccountData`. eMode users get
 * their category's liquidation threshold on the category's reserves (GenericLogic).
 */
export async function readPool(chain: DevnetChain, blockNumber: bigint) {
  const market = chain.deployment.aaveMarkets[0]!;
  const at = { blockNumber };
  const unit = Number(market.baseCurrencyUnit);
  const assets = await chain.client.readContract({
    address: market.pool,
    abi: aavePoolAbi,
    functionName: "getReservesList",
    ...at,
  });
  const reserves: ChainReserve[] = [];
  for (const asset of assets) {
    const [config, price, eModeCategory] = await Promise.all([
      chain.client.readContract({
        address: market.dataProvider,
        abi: aaveProtocolDataProviderAbi,
        functionName: "getReserveConfigurationData",
        args: [asset],
        ...at,
      }),
      chain.client.readContract({
        address: market.aaveOracle,
        abi: aaveOracleAbi,
        functionName: "getAssetPrice",
        args: [asset],
        ...at,
      }),
      chain.client.readContract({
        address: market.dataProvider,
        abi: aaveProtocolDataProviderAbi,
        functionName: "getReserveEModeCategory",
        args: [asset],
        ...at,
      }),
    ]);
    const token = chain.deployment.tokens.find((t) => t.address.toLowerCase() === asset.toLowerCase())!;
    reserves.push({
      asset,
      symbol: token.symbol,
      decimals: Number(config[0]),
      wrapped: token.kind === "wrapped",
      liquidationThreshold: Number(config[2]),
      eModeCategory: Number(eModeCategory),
      priceUsd: Number(price) / unit,
    });
  }
  const logs = await chain.client.getLogs({
    address: market.pool,
    events: aavePoolAbi.filter((x) => x.type === "event" && (x.name === "Supply" || x.name === "Borrow")),
    fromBlock: 0n,
    toBlock: blockNumber,
  });
  // aToken receivers hold positions without a Supply of their own (transfers, the treasury's fees).
  const aTokens = await Promise.all(
    assets.map(async (asset) => {
      const [aToken] = await chain.client.readContract({
        address: market.dataProvider,
        abi: aaveProtocolDataProviderAbi,
        functionName: "getReserveTokensAddresses",
        args: [asset],
        ...at,
      });
      return aToken;
    }),
  );
  const transfers = await chain.client.getLogs({
    address: aTokens,
    event: erc20Abi.find((x) => x.type === "event" && x.name === "Transfer")!,
    fromBlock: 0n,
    toBlock: blockNumber,
  });
  const users = [
    ...new Set([
      ...logs.map((l) => (l.args as { onBehalfOf: Address }).onBehalfOf.toLowerCase() as Address),
      ...transfers
        .map((l) => (l.args.to as Address).toLowerCase() as Address)
        .filter((a) => a !== "0x0000000000000000000000000000000000000000"),
    ]),
  ];
  const positions: ChainPosition[] = [];
  for (const user of users) {
    const [data, eMode] = await Promise.all([
      chain.client.readContract({
        address: market.pool,
        abi: aavePoolAbi,
        functionName: "getUserAccountData",
        args: [user],
        ...at,
      }),
      chain.client.readContract({
        address: market.pool,
        abi: aavePoolAbi,
        functionName: "getUserEMode",
        args: [user],
        ...at,
      }),
    ]);
    const category =
      eMode === 0n
        ? null
        : await chain.client.readContract({
            address: market.pool,
            abi: aavePoolAbi,
            functionName: "getEModeCategoryData",
            args: [Number(eMode)],
            ...at,
          });
    const entries = [];
    for (const reserve of reserves) {
      const r = await chain.client.readContract({
        address: market.dataProvider,
        abi: aaveProtocolDataProviderAbi,
        functionName: "getUserReserveData",
        args: [reserve.asset, user],
        ...at,
      });
      const collateral = r[0];
      const debt = r[1] + r[2];
      if (collateral === 0n && debt === 0n) continue;
      const inEMode = category !== null && reserve.eModeCategory === Number(eMode);
      entries.push({
        reserve:
          inEMode && reserve.liquidationThreshold !== 0
            ? { ...reserve, liquidationThreshold: Number(category.liquidationThreshold) }
            : reserve,
        collateral,
        debt,
        usedAsCollateral: r[8],
      });
    }
    positions.push({
      user,
      account: {
        exact: {
          totalCollateralBase: data[0].toString(),
          totalDebtBase: data[1].toString(),
          availableBorrowsBase: data[2].toString(),
          currentLiquidationThreshold: data[3].toString(),
          ltv: data[4].toString(),
          healthFactor: data[5].toString(),
        },
        collateralUsd: Number(data[0]) / unit,
        debtUsd: Number(data[1]) / unit,
        healthFactor: data[5] === maxUint256 ? null : Number(data[5]) / 1e18,
      },
      reserves: entries,
    });
  }
  return { protocol: market.protocol, reserves, positions };
}

export type ChainPool = Awaited<ReturnType<typeof readPool>>;
