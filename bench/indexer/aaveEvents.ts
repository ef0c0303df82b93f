import { type Address, createPublicClient, createWalletClient, defineChain, http } from "viem";
import type { privateKeyToAccount } from "viem/accounts";
import type { BenchChain } from "./benchChain.js";
import { aaveGeneratorSource, compile } from "./generators.js";

type Account = ReturnType<typeof privateKeyToAccount>;

/**
 * One synthetic Aave v3 market on `chain`: the event emitters deployed, and the reserve initialised
 * through the configurator (so the indexer's factories find its aToken and variable debt token) with a
 * Chainlink-style price feed behind AaveOracle's AssetSourceUpdated.
 */
export async function deployAaveMarket(chain: BenchChain, account: Account) {
  const contracts = compile("AaveEvents.sol", aaveGeneratorSource);
  const viemChain = defineChain({
    id: chain.network.chainId,
    name: chain.network.name,
    nativeCurrency: { name: "ETH", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [chain.anvil.rpcUrl] } },
  });
  const wallet = createWalletClient({ account, chain: viemChain, transport: http(chain.anvil.rpcUrl) });
  const client = createPublicClient({ chain: viemChain, transport: http(chain.anvil.rpcUrl) });
  const deploy = async (name: string, args: unknown[] = []) => {
    const { abi, bytecode } = contracts[name]!;
    const hash = await wallet.deployContract({ abi, bytecode, args });
    return (await client.waitForTransactionReceipt({ hash })).contractAddress!;
  };
  const [market, aToken, variableDebt, aggregator] = [
    await deploy("AaveMarketEvents"),
    await deploy("AaveTokenEvents"),
    await deploy("AaveTokenEvents"),
    await deploy("AggregatorEvents"),
  ];
  const proxy = await deploy("FeedProxy", [aggregator]);
  const asset = "0x00000000000000000000000000000000000b0b00" as Address;
  const call = async (address: Address, name: string, functionName: string, args: unknown[]) => {
    const hash = await wallet.writeContract({
      address,
      abi: contracts[name]!.abi,
      functionName,
      args,
      gas: 55_000_000n,
    });
    await client.waitForTransactionReceipt({ hash });
  };
  await call(market, "AaveMarketEvents", "init", [asset, aToken, variableDebt, proxy]);
  return {
    contracts,
    call,
    addresses: { market, aToken, variableDebt, aggregator, proxy, asset },
    market: (startBlock: number) => ({
      protocol: "aave-bench",
      name: "Bench",
      startBlock,
      addressesProvider: market,
      pool: market,
      poolConfigurator: market,
      aaveOracle: market,
      aclManager: market,
      dataProvider: market,
      baseCurrencyUnit: "100000000",
      priceSources: [{ asset, symbol: "BOB", proxy, aggregator }],
    }),
  };
}

/**
 * Aave events on `chain`: the market of deployAaveMarket, then per user ReserveDataUpdated + Supply +
 * collateral enabled + aToken Mint and ReserveDataUpdated + Borrow + variable debt Mint, and
 * AnswerUpdated rounds (5%).
 */
export async function generateAave(chain: BenchChain, account: Account, target: number) {
  const deployed = await deployAaveMarket(chain, account);
  const { call } = deployed;
  const { market, aToken, variableDebt, aggregator, asset } = deployed.addresses;
  let events = 3;
  const answers = Math.round(target * 0.05);
  const users = Math.floor((target - answers) / 7);
  const perTx = 400;
  for (let first = 1; first <= users; first += perTx) {
    const n = Math.min(perTx, users - first + 1);
    const u = BigInt(first);
    await call(market, "AaveMarketEvents", "supplies", [asset, u, BigInt(n)]);
    await call(aToken, "AaveTokenEvents", "mints", [u, BigInt(n), 10n ** 18n]);
    await call(market, "AaveMarketEvents", "borrows", [asset, u, BigInt(n)]);
    await call(variableDebt, "AaveTokenEvents", "mints", [u, BigInt(n), 10n ** 17n]);
    events += n * 7;
  }
  for (let first = 1; first <= answers; first += 1000) {
    const n = Math.min(1000, answers - first + 1);
    await call(aggregator, "AggregatorEvents", "answers", [BigInt(first), BigInt(n)]);
    events += n;
  }
  return { ...deployed, events };
}
