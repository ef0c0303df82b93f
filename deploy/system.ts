import {
  type Account,
  type Address,
  type Chain,
  createPublicClient,
  createWalletClient,
  defineChain,
  type Hash,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { bridgeMinterAbi, bridgeVaultAbi } from "../contracts/generated/index.js";
import type { DeploymentInput } from "../lib/deployments.js";
import { httpWithGasMargin } from "../lib/gasMarginTransport.js";
import { deployAaveMarket, deployPriceSource, stablecoinRateStrategy, volatileRateStrategy } from "./aave.js";
import { type DeployedContract, deployBridgeHome, deployBridgeRemote, wireRoutes } from "./bridge.js";
import { deployTestToken } from "./market.js";
import {
  createMorphoMarket,
  deployMorphoBlue,
  deployMorphoOracle,
  type MorphoMarketParams,
} from "./morpho.js";
import type { DeployPlan, DeployTarget } from "./targets.js";
import { deployUniswapPools } from "./uniswap.js";

/** The assets the bridge carries, created on the home chain as test tokens. */
export const homeAssets = [
  {
    symbol: "USDC",
    name: "USD Coin (test)",
    decimals: 6,
    priceUsd: 1,
    ceiling: 10n ** 9n,
    rateCapacity: 5_000_000n,
  },
  {
    symbol: "WETH",
    name: "Wrapped Ether (test)",
    decimals: 18,
    priceUsd: 3000,
    ceiling: 10n ** 6n,
    rateCapacity: 1_000n,
  },
] as const;

/** A chain-native stablecoin on each remote chain, so the Aave markets hold unbridged collateral too. */
const remoteNativeAsset = {
  symbol: "DAI",
  name: "Dai (test, chain-native)",
  decimals: 18,
  priceUsd: 1,
} as const;

/**
 * Risk parameters per asset symbol (basis points), in the range of Aave v3's own listings: stablecoins
 * lend more against themselves at a smaller bonus; ETH collateral has a wider liquidation buffer.
 * Heartbeats are Chainlink's usual ones (ETH/USD 1 h, stablecoins 24 h); the devnet's price walk
 * updates every feed far more often than that.
 */
const reserveParameters: Record<
  string,
  {
    ltv: number;
    liquidationThreshold: number;
    liquidationBonus: number;
    stable: boolean;
    heartbeatSeconds: number;
  }
> = {
  USDC: {
    ltv: 7700,
    liquidationThreshold: 8000,
    liquidationBonus: 10450,
    stable: true,
    heartbeatSeconds: 86_400,
  },
  WETH: {
    ltv: 8000,
    liquidationThreshold: 8250,
    liquidationBonus: 10500,
    stable: false,
    heartbeatSeconds: 3600,
  },
  DAI: {
    ltv: 7500,
    liquidationThreshold: 8000,
    liquidationBonus: 10500,
    stable: true,
    heartbeatSeconds: 86_400,
  },
};

/** The one eMode category of every market deployed here: stablecoins against stablecoins. */
export const STABLECOIN_EMODE_CATEGORY = {
  id: 1,
  ltv: 9300,
  liquidationThreshold: 9500,
  liquidationBonus: 10100,
  label: "Stablecoins",
} as const;

const VALIDATOR_GRACE_SECONDS = 3600n;
const MAX_PAUSE_SECONDS = 86_400n;
/** Rate limits refill their whole capacity in an hour. */
const RATE_LIMIT_REFILL_SECONDS = 3600n;
const OUTBOUND = 0;
const INBOUND = 1;

export type Clients = { walletClient: WalletClient<Transport, Chain, Account>; publicClient: PublicClient };

export function clientsFor(target: DeployTarget, privateKey: `0x${string}`): Clients {
  const chain = defineChain({
    id: target.network.chainId,
    name: target.network.label,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [target.rpcUrl] } },
  });
  const transport = httpWithGasMargin(target.rpcUrl, { retryCount: 3 });
  return {
    walletClient: createWalletClient({ account: privateKeyToAccount(privateKey), chain, transport }),
    publicClient: createPublicClient({ chain, transport, pollingInterval: 250 }) as PublicClient,
  };
}

async function send(clients: Clients, hash: Promise<Hash>, what: string): Promise<void> {
  const receipt = await clients.publicClient.waitForTransactionReceipt({ hash: await hash });
  if (receipt.status !== "success") throw new Error(`${what} reverted (${receipt.transactionHash})`);
}

function units(amount: bigint, decimals: number): bigint {
  return amount * 10n ** BigInt(decimals);
}

function priceAnswer(priceUsd: number): bigint {
  return BigInt(Math.round(priceUsd * 1e8));
}

/**
 * Morpho Blue's markets on a remote chain: each bridged token as collateral against the chain-native
 * stablecoin, priced by an oracle over the same Chainlink proxies the Aave market reads, at Morpho's
 * usual LLTVs for such pairs (86% for ETH, 94.5% for a stablecoin against a stablecoin).
 */
const morphoCollateralLltv: Record<string, bigint> = {
  wWETH: 860_000_000_000_000_000n,
  wUSDC: 945_000_000_000_000_000n,
};

async function deployMorphoMarkets(
  networkName: string,
  label: string,
  clients: Clients,
  reserves: { symbol: string; address: Address; decimals: number; feed: Address }[],
) {
  const blue = await deployMorphoBlue(clients);
  const loan = reserves.find((r) => r.symbol === remoteNativeAsset.symbol)!;
  const markets = [];
  for (const collateral of reserves.filter((r) => morphoCollateralLltv[r.symbol] !== undefined)) {
    const oracle = await deployMorphoOracle(clients, {
      collateralFeed: collateral.feed,
      loanFeed: loan.feed,
      collateralDecimals: collateral.decimals,
      loanDecimals: loan.decimals,
    });
    const params: MorphoMarketParams = {
      loanToken: loan.address,
      collateralToken: collateral.address,
      oracle,
      irm: blue.irm,
      lltv: morphoCollateralLltv[collateral.symbol]!,
    };
    const id = await createMorphoMarket(clients, blue.morpho, params);
    markets.push({
      id,
      name: `${collateral.symbol}/${loan.symbol} ${Number(params.lltv / 10n ** 15n) / 10}%`,
      ...params,
      lltv: params.lltv.toString(),
    });
  }
  return {
    protocol: `morpho-${networkName.replace(/^devnet-/, "")}`,
    name: `Morpho Blue on ${label}`,
    address: blue.morpho,
    startBlock: blue.startBlock,
    adaptiveCurveIrm: blue.irm,
    markets,
  };
}

/**
 * Uniswap v3 on a remote chain: each bridged token against the chain-native stablecoin (0.3 % for
 * wWETH, 0.05 % for wUSDC, the usual tiers for such pairs), opened at the oracle's price. The seed adds
 * liquidity in several ranges (devnet/seed.ts); the cascade sells seized collateral through them.
 */
async function deployUniswapMarkets(
  clients: Clients,
  reserves: { symbol: string; address: Address; decimals: number; priceUsd: number; kind: string }[],
) {
  const quote = reserves.find((r) => r.symbol === remoteNativeAsset.symbol)!;
  const wrapped = reserves.filter((r) => r.kind === "wrapped");
  // The periphery's WETH9 only wraps ETH, which nothing here does; the bridged WETH stands in for it.
  const weth9 = wrapped.find((r) => r.symbol === "wWETH")?.address ?? quote.address;
  return deployUniswapPools(
    clients,
    weth9,
    wrapped.map((asset) => ({ asset, quote, fee: asset.symbol === "wUSDC" ? 500 : 3000 })),
  );
}

/**
 * Deploys the whole system described by a plan: on the home chain a ValidatorSet, a BridgeVault, the
 * test assets and their price sources (Chainlink proxy + aggregator); on every remote chain a ValidatorSet,
 * a BridgeMinter, a wrapped token per asset, a chain-native stablecoin and a real Aave v3 market
 * (deployAaveMarket) listing the wrapped tokens and the stablecoin, each priced by its own proxy. Routes are wired both ways with rate limits. Returns the
 * deployments file content.
 *
 * @example
 * const deployment = await deploySystem(await planDeployment({ networks: ["devnet-a", "devnet-b"] }));
 */
export async function deploySystem(
  plan: DeployPlan,
  onProgress: (message: string) => void = () => undefined,
): Promise<DeploymentInput> {
  const [homeTarget, ...remoteTargets] = plan.targets;
  if (!homeTarget) throw new Error("deploySystem needs at least one network");
  const validatorConfig = {
    validators: plan.validators.addresses,
    threshold: BigInt(plan.validators.threshold),
    graceSeconds: VALIDATOR_GRACE_SECONDS,
    maxPauseSeconds: MAX_PAUSE_SECONDS,
  };

  const home = clientsFor(homeTarget, plan.deployerKey);
  onProgress(`[${homeTarget.network.name}] deploying test assets`);
  const assets: ((typeof homeAssets)[number] & { token: DeployedContract; feed: DeployedContract })[] = [];
  for (const asset of homeAssets) {
    const token = await deployTestToken({
      ...home,
      name: asset.name,
      symbol: asset.symbol,
      decimals: asset.decimals,
    });
    // The home chain has no market, but backing is valued in USD: a proxy + aggregator like the markets'.
    const source = await deployPriceSource(home, {
      description: `${asset.symbol} / USD`,
      initialAnswer: priceAnswer(asset.priceUsd),
    });
    assets.push({ ...asset, token, feed: { address: source.proxy, startBlock: source.startBlock } });
  }
  onProgress(`[${homeTarget.network.name}] deploying ValidatorSet and BridgeVault`);
  const homeBridge = await deployBridgeHome({
    ...home,
    ...validatorConfig,
    tokens: assets.map((a) => a.token.address),
  });

  const remotes = await Promise.all(
    remoteTargets.map(async (target) => {
      const clients = clientsFor(target, plan.deployerKey);
      onProgress(`[${target.network.name}] deploying ValidatorSet, BridgeMinter and wrapped tokens`);
      const bridge = await deployBridgeRemote({
        ...clients,
        ...validatorConfig,
        homeChainId: homeTarget.network.chainId,
        wrappedTokens: assets.map((asset) => ({
          homeToken: asset.token.address,
          name: `Bridged ${asset.name}`,
          symbol: `w${asset.symbol}`,
          decimals: asset.decimals,
          mintCeiling: units(asset.ceiling, asset.decimals),
        })),
      });
      onProgress(`[${target.network.name}] deploying the Aave v3 market and its price sources`);
      const native = await deployTestToken({ ...clients, ...remoteNativeAsset });
      const listed = [
        ...bridge.wrappedTokens.map((wrapped, index) => ({
          symbol: wrapped.symbol,
          address: wrapped.address,
          homeToken: assets[index]!.token.address,
          decimals: assets[index]!.decimals,
          priceUsd: assets[index]!.priceUsd,
          kind: "wrapped" as const,
        })),
        {
          symbol: remoteNativeAsset.symbol,
          address: native.address,
          homeToken: native.address,
          decimals: remoteNativeAsset.decimals,
          priceUsd: remoteNativeAsset.priceUsd,
          kind: "native" as const,
        },
      ];
      const market = await deployAaveMarket(clients, {
        protocol: `aave-${target.network.name.replace(/^devnet-/, "")}`,
        name: `Aave v3 on ${target.network.label}`,
        marketId: `Aave ${target.network.label}`,
        reserves: listed.map((reserve) => {
          const parameters = reserveParameters[reserve.symbol.replace(/^w/, "")]!;
          return {
            symbol: reserve.symbol,
            asset: reserve.address,
            decimals: reserve.decimals,
            initialPrice: priceAnswer(reserve.priceUsd),
            heartbeatSeconds: parameters.heartbeatSeconds,
            ltv: parameters.ltv,
            liquidationThreshold: parameters.liquidationThreshold,
            liquidationBonus: parameters.liquidationBonus,
            eModeCategory: parameters.stable ? STABLECOIN_EMODE_CATEGORY.id : 0,
            rateStrategy: parameters.stable ? stablecoinRateStrategy : volatileRateStrategy,
          };
        }),
        eModeCategories: [STABLECOIN_EMODE_CATEGORY],
      });
      const reserves = listed.map((reserve) => ({
        ...reserve,
        feed: market.reserve(reserve.symbol).priceSource!.proxy,
      }));
      onProgress(`[${target.network.name}] deploying Morpho Blue and its markets`);
      const morpho = await deployMorphoMarkets(target.network.name, target.network.label, clients, reserves);
      onProgress(`[${target.network.name}] deploying Uniswap v3 and its pools`);
      const uniswap = await deployUniswapMarkets(clients, reserves);
      return { target, clients, bridge, market, reserves, morpho, uniswap };
    }),
  );

  onProgress("wiring routes and rate limits");
  await wireRoutes({
    home: { ...home, bridge: homeBridge.vault.address },
    remotes: remotes.map((r) => ({ ...r.clients, bridge: r.bridge.minter.address })),
  });
  for (const remote of remotes) {
    const remoteChainId = BigInt(remote.target.network.chainId);
    for (const asset of assets) {
      const capacity = units(asset.rateCapacity, asset.decimals);
      const refill = capacity / RATE_LIMIT_REFILL_SECONDS;
      for (const direction of [OUTBOUND, INBOUND]) {
        await send(
          home,
          home.walletClient.writeContract({
            address: homeBridge.vault.address,
            abi: bridgeVaultAbi,
            functionName: "setRateLimit",
            args: [remoteChainId, asset.token.address, direction, capacity, refill],
          }),
          "vault setRateLimit",
        );
        await send(
          remote.clients,
          remote.clients.walletClient.writeContract({
            address: remote.bridge.minter.address,
            abi: bridgeMinterAbi,
            functionName: "setRateLimit",
            args: [BigInt(homeTarget.network.chainId), asset.token.address, direction, capacity, refill],
          }),
          "minter setRateLimit",
        );
      }
    }
  }

  return {
    name: plan.name,
    createdAt: new Date().toISOString(),
    homeChainId: homeTarget.network.chainId,
    validators: { epoch: 1, addresses: plan.validators.addresses, threshold: plan.validators.threshold },
    chains: [
      {
        network: homeTarget.network.name,
        chainId: homeTarget.network.chainId,
        role: "home",
        validatorSet: homeBridge.validatorSet,
        bridge: homeBridge.vault,
        tokens: assets.map((a) => ({
          symbol: a.symbol,
          decimals: a.decimals,
          address: a.token.address,
          homeToken: a.token.address,
          kind: "native" as const,
          priceFeed: a.feed.address,
        })),
        aaveMarkets: [],
      },
      ...remotes.map((r) => ({
        network: r.target.network.name,
        chainId: r.target.network.chainId,
        role: "remote" as const,
        validatorSet: r.bridge.validatorSet,
        bridge: r.bridge.minter,
        tokens: r.reserves.map((reserve) => ({
          symbol: reserve.symbol,
          decimals: reserve.decimals,
          address: reserve.address,
          homeToken: reserve.homeToken,
          kind: reserve.kind,
          priceFeed: reserve.feed,
        })),
        aaveMarkets: [r.market.deployment],
        morpho: r.morpho,
        uniswap: r.uniswap,
      })),
    ],
  };
}
