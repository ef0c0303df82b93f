import { resolve } from "node:path";
import { type Address, getAddress, isAddress } from "viem";
import { aavePoolAbi, poolAddressesProviderAbi } from "../../contracts/generated/index.js";
import { aaveMarketProfile, aaveMarketProfiles } from "../../lib/aave/addressBook.js";
import { discoverAaveMarket } from "../../lib/aave/discoverMarket.js";
import { type WatchedAaveMarket, writeDeployment } from "../../lib/deployments.js";
import { progress } from "../output.js";
import { bridgeContext, InvalidInputError } from "./bridgeContext.js";

export type AaveWatchOptions = {
  market?: string;
  provider?: string;
  pool?: string;
  network?: string;
  startBlock: string;
  holdersFrom?: string;
  protocol?: string;
  name?: string;
  deployment?: string;
};

/**
 * `bridge aave watch`: adds an existing Aave v3 market to the deployments file as a watched market
 * (`watchedAaveMarkets`: address and start block only), after discovering it once from the chain so a
 * wrong address, chain or block is reported now rather than when the indexer starts. Prints what was
 * found: the market's contracts, its reserves with their price sources, and the Pool revision.
 */
export async function aaveWatch(
  options: AaveWatchOptions,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  const context = bridgeContext(options, env);
  const problems: string[] = [];
  const profile = options.market ? aaveMarketProfile(options.market) : undefined;
  if (options.market && !profile)
    problems.push(
      `unknown --market "${options.market}": the address book profiles are ${aaveMarketProfiles.map((p) => p.name).join(", ")}`,
    );
  if (!options.market && !options.provider && !options.pool)
    problems.push(
      "name the market: --market <address book profile>, or --provider <address> (or --pool <address>) with --network",
    );
  const address = (flag: string, value: string | undefined): Address | undefined => {
    if (value === undefined) return undefined;
    if (isAddress(value, { strict: false })) return getAddress(value);
    problems.push(`${flag} "${value}" is not an address`);
    return undefined;
  };
  const provider = address("--provider", options.provider) ?? profile?.addressesProvider;
  const pool = address("--pool", options.pool);
  const network = options.network ?? profile?.network;
  if (!network && !profile) problems.push("--network is required with --provider or --pool");
  if (profile && options.network && options.network !== profile.network)
    problems.push(`--market ${profile.name} is on ${profile.network}, not ${options.network}`);
  const chainEntry = network ? context.deployment.chains.find((c) => c.network === network) : undefined;
  if (network && !chainEntry)
    problems.push(
      `this deployment has no chain "${network}" (it has ${context.deployment.chains.map((c) => c.network).join(", ")})`,
    );
  if (profile && chainEntry && chainEntry.chainId !== profile.chainId)
    problems.push(
      `${profile.name} is on chain ${profile.chainId} but the deployment's ${chainEntry.network} is chain ${chainEntry.chainId}`,
    );
  const startBlock = options.startBlock === "latest" ? "latest" : Number(options.startBlock);
  if (startBlock !== "latest" && !(Number.isInteger(startBlock) && startBlock > 0))
    problems.push(`--start-block "${options.startBlock}" must be a positive block number or "latest"`);
  const holdersFrom = options.holdersFrom === undefined ? 0 : Number(options.holdersFrom);
  if (!(Number.isInteger(holdersFrom) && holdersFrom >= 0))
    problems.push(`--holders-from "${options.holdersFrom}" must be a block number`);
  if (problems.length > 0) throw new InvalidInputError(problems);

  const chain = context.chain(network!);
  const start =
    startBlock === "latest" ? Number(await chain.client.getBlockNumber()) + 1 : (startBlock as number);
  const protocol = options.protocol ?? profile?.protocol ?? `aave-v3-${network}`;
  const reference: WatchedAaveMarket = {
    protocol,
    name: options.name ?? (profile ? `Aave v3 (${profile.name})` : `Aave v3 on ${network}`),
    startBlock: start,
    ...(provider ? { addressesProvider: provider } : {}),
    ...(pool ? { pool } : {}),
    holdersFromBlock: holdersFrom,
  };
  progress(`reading the market on ${network} at block ${start - 1} ...`);
  const market = await discoverAaveMarket(chain.client, reference);
  const revision = await chain.client
    .readContract({
      address: market.pool,
      abi: aavePoolAbi,
      functionName: "POOL_REVISION",
      blockNumber: BigInt(start - 1),
    })
    .catch(() => null);

  const entry = context.deployment.chains.find((c) => c.network === network)!;
  const poolOf = async (m: { addressesProvider?: Address; pool?: Address }) =>
    m.pool ??
    (await chain.client
      .readContract({ address: m.addressesProvider!, abi: poolAddressesProviderAbi, functionName: "getPool" })
      .catch(() => undefined));
  const already = [];
  for (const m of [...entry.aaveMarkets, ...entry.watchedAaveMarkets]) {
    if (m.protocol === protocol) continue;
    if ((await poolOf(m))?.toLowerCase() === market.pool.toLowerCase()) already.push(m);
  }
  if (already.length > 0)
    throw new InvalidInputError([
      `this market (pool ${market.pool}) is already in the deployment as "${already[0]!.protocol}": use --protocol ${already[0]!.protocol} to replace that entry`,
    ]);
  const file = resolve(options.deployment ?? env.DEPLOYMENT_FILE ?? "deployments/devnet.json");
  const chains = context.deployment.chains.map((c) =>
    c.network !== network
      ? c
      : {
          ...c,
          watchedAaveMarkets: [
            ...c.watchedAaveMarkets.filter((m) => m.protocol !== protocol),
            {
              ...reference,
              // The discovered provider, so the file names the market the same way whichever was given.
              addressesProvider: market.addressesProvider,
              pool: undefined,
            },
          ],
        },
  );
  writeDeployment(file, { ...context.deployment, chains });
  const sources = new Map(market.priceSources.map((s) => [s.asset.toLowerCase(), s]));
  process.stdout.write(
    `${JSON.stringify(
      {
        file,
        protocol,
        network,
        startBlock: start,
        poolRevision: revision === null ? null : Number(revision),
        addressesProvider: market.addressesProvider,
        pool: market.pool,
        poolConfigurator: market.poolConfigurator,
        aaveOracle: market.aaveOracle,
        baseCurrencyUnit: market.baseCurrencyUnit,
        reserves: market.watched.reservesAtStart.map((r) => ({
          asset: r.asset,
          symbol: sources.get(r.asset.toLowerCase())?.symbol ?? null,
          aToken: r.aToken,
          priceSource: sources.get(r.asset.toLowerCase())?.proxy ?? null,
        })),
      },
      null,
      2,
    )}\n`,
  );
  progress(
    `added ${protocol} to ${file}; start the indexer with DEPLOYMENT_FILE=${file} npm run indexer:start`,
  );
}
