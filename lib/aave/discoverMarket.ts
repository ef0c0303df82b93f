import { type Address, erc20Abi, type PublicClient, zeroAddress } from "viem";
import {
  aaveOracleAbi,
  aavePoolAbi,
  eacAggregatorProxyAbi,
  poolAddressesProviderAbi,
} from "../../contracts/generated/index.js";
import type { AaveMarketDeployment, WatchedAaveMarket } from "../deployments.js";
import { BridgeError } from "../errors.js";

/** A reserve's tokens as the Pool lists them at a block. */
export type ReserveTokens = {
  asset: Address;
  aToken: Address;
  variableDebtToken: Address;
  /** The zero address where the market has no stable debt token for the reserve. */
  stableDebtToken: Address;
};

/**
 * A watched market once discovered: everything a deployed market's entry says, plus what the indexer
 * needs to start from its start block instead of from the market's first event.
 */
export type DiscoveredAaveMarket = AaveMarketDeployment & {
  watched: {
    /** The state is read at this block (the one before startBlock). */
    stateBlock: number;
    holdersFromBlock: number;
    /** Every reserve listed at stateBlock; reserves listed later are announced by ReserveInitialized. */
    reservesAtStart: ReserveTokens[];
    /**
     * Underlying assets (lower case) of reserves in `reservesAtStart` initialized after the block the
     * chain's Aave sources start at (another market on the chain starts earlier): the tokens' factory
     * finds their tokens, so they are not named to the indexer directly (never followed twice).
     */
    announcedToFactory: string[];
  };
};

export class AaveMarketDiscoveryError extends BridgeError {}

/**
 * Finds an existing Aave v3 market's contracts, reserves and price sources from its PoolAddressesProvider
 * (or its Pool), as they were at the block before `startBlock`: the provider names the Pool,
 * PoolConfigurator, AaveOracle, ACLManager and data provider; the Pool lists the reserves and their
 * tokens; AaveOracle names each asset's source, and the source (a Chainlink proxy) its aggregator.
 *
 * @example
 * const market = await discoverAaveMarket(client, { protocol: "aave-sepolia", name: "Aave Sepolia",
 *   addressesProvider: AaveV3Sepolia.POOL_ADDRESSES_PROVIDER, startBlock: 7_000_000, holdersFromBlock: 0 });
 */
export async function discoverAaveMarket(
  client: PublicClient,
  reference: WatchedAaveMarket,
): Promise<DiscoveredAaveMarket> {
  const stateBlock = reference.startBlock - 1;
  const blockNumber = BigInt(stateBlock);
  const where = `market "${reference.protocol}" at block ${stateBlock}`;
  const read = async <T>(address: Address, abi: unknown, functionName: string, args: unknown[] = []) => {
    try {
      return (await client.readContract({
        address,
        abi: abi as typeof aavePoolAbi,
        functionName: functionName as "getReservesList",
        args: args as [],
        blockNumber,
      })) as T;
    } catch (cause) {
      throw new AaveMarketDiscoveryError(`Could not read ${functionName}() of ${address} for ${where}.`, {
        details: (cause as Error).message.split("\n")[0],
        metaMessages: [
          "The RPC must serve state at that block (an archive node for old blocks), and the address must be",
          "the market's PoolAddressesProvider (or Pool) on this chain.",
        ],
        cause,
      });
    }
  };
  for (const contract of [reference.addressesProvider, reference.pool]) {
    if (!contract) continue;
    const code = await client.getCode({ address: contract, blockNumber });
    if (!code || code === "0x")
      throw new AaveMarketDiscoveryError(`No contract at ${contract} for ${where}.`, {
        details: "Check the chain, the address, and that the market existed before startBlock.",
      });
  }
  const provider =
    reference.addressesProvider ?? (await read<Address>(reference.pool!, aavePoolAbi, "ADDRESSES_PROVIDER"));
  const fromProvider = (name: string) => read<Address>(provider, poolAddressesProviderAbi, name);
  const [pool, poolConfigurator, aaveOracle, aclManager, dataProvider] = await Promise.all([
    fromProvider("getPool"),
    fromProvider("getPoolConfigurator"),
    fromProvider("getPriceOracle"),
    fromProvider("getACLManager"),
    fromProvider("getPoolDataProvider"),
  ]);
  if (reference.pool && reference.pool.toLowerCase() !== pool.toLowerCase())
    throw new AaveMarketDiscoveryError(`${where}: the pool ${reference.pool} is not its provider's.`, {
      details: `PoolAddressesProvider ${provider} names the pool ${pool}.`,
    });
  const baseCurrencyUnit = await read<bigint>(aaveOracle, aaveOracleAbi, "BASE_CURRENCY_UNIT");
  const assets = await read<readonly Address[]>(pool, aavePoolAbi, "getReservesList");
  const reserves = await Promise.all(
    assets.map(async (asset) => {
      const data = await read<{
        aTokenAddress: Address;
        variableDebtTokenAddress: Address;
        stableDebtTokenAddress: Address;
      }>(pool, aavePoolAbi, "getReserveData", [asset]);
      const source = await read<Address>(aaveOracle, aaveOracleAbi, "getSourceOfAsset", [asset]);
      const symbol = await client
        .readContract({ address: asset, abi: erc20Abi, functionName: "symbol", blockNumber })
        .catch(() => asset.slice(0, 10));
      // A source used directly (no proxy in front) has no aggregator(): it is its own aggregator.
      const aggregator =
        source === zeroAddress
          ? undefined
          : await client
              .readContract({
                address: source,
                abi: eacAggregatorProxyAbi,
                functionName: "aggregator",
                blockNumber,
              })
              .catch(() => source);
      return {
        tokens: {
          asset,
          aToken: data.aTokenAddress,
          variableDebtToken: data.variableDebtTokenAddress,
          stableDebtToken: data.stableDebtTokenAddress,
        },
        priceSource: aggregator
          ? {
              asset,
              symbol,
              proxy: source,
              aggregator,
              ...(reference.heartbeatSeconds ? { heartbeatSeconds: reference.heartbeatSeconds } : {}),
            }
          : undefined,
      };
    }),
  );
  return {
    protocol: reference.protocol,
    name: reference.name,
    startBlock: reference.startBlock,
    addressesProvider: provider,
    pool,
    poolConfigurator,
    aaveOracle,
    aclManager,
    dataProvider,
    baseCurrencyUnit: baseCurrencyUnit.toString(),
    priceSources: reserves.flatMap((r) => (r.priceSource ? [r.priceSource] : [])),
    watched: {
      stateBlock,
      holdersFromBlock: reference.holdersFromBlock,
      reservesAtStart: reserves.map((r) => r.tokens),
      announcedToFactory: [],
    },
  };
}
