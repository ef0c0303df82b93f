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
import { type DeployedContract, deployBridgeHome, deployBridgeRemote, wireRoutes } from "./bridge.js";
import { deployLendingPool, deployPriceFeed, deployTestToken, initReserve } from "./market.js";
import type { DeployPlan, DeployTarget } from "./targets.js";

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

/** A chain-native stablecoin on each remote chain, so lending pools hold unbridged collateral too. */
const remoteNativeAsset = {
  symbol: "DAI",
  name: "Dai (test, chain-native)",
  decimals: 18,
  priceUsd: 1,
} as const;

/**
 * Aave-v3-like risk parameters per asset symbol (basis points): stablecoins lend more against
 * themselves at a smaller bonus; ETH collateral has a wider liquidation buffer.
 */
const reserveParameters: Record<
  string,
  { ltvBps: number; liquidationThresholdBps: number; liquidationBonusBps: number }
> = {
  USDC: { ltvBps: 7700, liquidationThresholdBps: 8000, liquidationBonusBps: 10450 },
  WETH: { ltvBps: 8000, liquidationThresholdBps: 8250, liquidationBonusBps: 10500 },
  DAI: { ltvBps: 7500, liquidationThresholdBps: 8000, liquidationBonusBps: 10500 },
};

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
 * Deploys the whole system described by a plan: on the home chain a ValidatorSet, a BridgeVault, the
 * test assets and their price feeds; on every remote chain a ValidatorSet, a BridgeMinter, a wrapped
 * token per asset, a chain-native stablecoin, price feeds and an Aave-v3-compatible lending pool that
 * accepts the wrapped tokens as collateral. Routes are wired both ways with rate limits. Returns the
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
    const feed = await deployPriceFeed({
      ...home,
      description: `${asset.symbol} / USD`,
      initialAnswer: priceAnswer(asset.priceUsd),
    });
    assets.push({ ...asset, token, feed });
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
      onProgress(`[${target.network.name}] deploying price feeds and the lending pool`);
      const native = await deployTestToken({ ...clients, ...remoteNativeAsset });
      const pool = await deployLendingPool(clients);
      const reserves: {
        symbol: string;
        address: Address;
        homeToken: Address;
        decimals: number;
        feed: Address;
        kind: "native" | "wrapped";
      }[] = [];
      for (const [index, wrapped] of bridge.wrappedTokens.entries()) {
        const asset = assets[index]!;
        const feed = await deployPriceFeed({
          ...clients,
          description: `${wrapped.symbol} / USD`,
          initialAnswer: priceAnswer(asset.priceUsd),
        });
        reserves.push({
          symbol: wrapped.symbol,
          address: wrapped.address,
          homeToken: asset.token.address,
          decimals: asset.decimals,
          feed: feed.address,
          kind: "wrapped",
        });
      }
      const nativeFeed = await deployPriceFeed({
        ...clients,
        description: `${remoteNativeAsset.symbol} / USD`,
        initialAnswer: priceAnswer(remoteNativeAsset.priceUsd),
      });
      reserves.push({
        symbol: remoteNativeAsset.symbol,
        address: native.address,
        homeToken: native.address,
        decimals: remoteNativeAsset.decimals,
        feed: nativeFeed.address,
        kind: "native",
      });
      for (const reserve of reserves) {
        const parameters = reserveParameters[reserve.symbol.replace(/^w/, "")]!;
        await initReserve({
          ...clients,
          pool: pool.address,
          asset: reserve.address,
          priceFeed: reserve.feed,
          decimals: reserve.decimals,
          ...parameters,
        });
      }
      return { target, clients, bridge, pool, reserves };
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
        lendingPools: [],
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
        lendingPools: [
          {
            ...r.pool,
            protocol: `lend-${r.target.network.name}`,
            name: `Lending pool on ${r.target.network.label}`,
          },
        ],
      })),
    ],
  };
}
