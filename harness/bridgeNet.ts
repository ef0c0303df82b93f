import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type Address,
  type Chain,
  createPublicClient,
  createTestClient,
  createWalletClient,
  defineChain,
  getAddress,
  type PublicClient,
  type TestClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { bridgeTestTokenAbi, bridgeTestTokenBytecode } from "../contracts/generated/index.js";
import { deployBridgeHome, deployBridgeRemote, wireRoutes } from "../deploy/bridge.js";
import { type AnvilInstance, startAnvil } from "../devnet/anvil.js";
import { type Deployment, writeDeployment } from "../lib/deployments.js";
import { DEVNET_VALIDATOR_THRESHOLD, devnetKeys } from "../lib/devnet/accounts.js";
import { httpWithGasMargin } from "../lib/gasMarginTransport.js";
import { devnetNetworks, rpcUrlVariable } from "../lib/networks.js";
import type { ValidatorChainConfig } from "../validator/service.js";

export const USDC_DECIMALS = 6;
export const USDC = 10n ** 6n;

export type NetChain = {
  name: string;
  chainId: number;
  anvil: AnvilInstance;
  chain: Chain;
  publicClient: PublicClient;
  testClient: TestClient<"anvil">;
};

export type BridgeNet = {
  /** chains[0] is home (vault + USDC); the rest are remote (minter + wUSDC). */
  chains: NetChain[];
  deployment: Deployment;
  deploymentFile: string;
  /** Scratch directory for validator stores and PGlite; removed by stop(). */
  dir: string;
  usdc: Address;
  /** wUSDC per remote chain id. */
  wrappedUsdc: Map<number, Address>;
  /** `<NETWORK>_RPC_URL` variables pointing the named devnet networks at these chains (for CLI children). */
  rpcEnv: Record<string, string>;
  /** Validator chain configs: finality by `finalityBlocks` confirmations, polling at a quarter block. */
  validatorChains(rpcUrlOverride?: Map<number, string>): ValidatorChainConfig[];
  blockTimeSeconds: number;
  finalityBlocks: number;
  stop(): Promise<void>;
};

/**
 * A small real bridge for integration tests: anvil chains with interval mining (named like the devnet
 * chains, so the CLI resolves them through `<NETWORK>_RPC_URL`), the bridge contracts from
 * deploy/bridge.ts, the devnet's 5 validators with threshold 4, test USDC for the demo users, and a
 * deployments file on disk.
 */
export async function startBridgeNet(
  options: { remotes?: number; blockTimeSeconds?: number; finalityBlocks?: number } = {},
): Promise<BridgeNet> {
  const remotes = options.remotes ?? 1;
  const blockTimeSeconds = options.blockTimeSeconds ?? 0.5;
  const finalityBlocks = options.finalityBlocks ?? 2;
  const networks = devnetNetworks.slice(0, remotes + 1);
  const dir = mkdtempSync(join(tmpdir(), "bridge-net-"));
  const chains = await Promise.all(
    networks.map(async (network): Promise<NetChain> => {
      const anvil = await startAnvil({ chainId: network.chainId, blockTime: blockTimeSeconds });
      const chain = defineChain({
        id: network.chainId,
        name: network.name,
        nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
        rpcUrls: { default: { http: [anvil.rpcUrl] } },
      });
      const transport = httpWithGasMargin(anvil.rpcUrl);
      return {
        name: network.name,
        chainId: network.chainId,
        anvil,
        chain,
        publicClient: createPublicClient({ chain, transport, pollingInterval: 100 }) as PublicClient,
        testClient: createTestClient({ mode: "anvil", chain, transport }),
      };
    }),
  );
  const deployer = privateKeyToAccount(devnetKeys.deployer);
  const wallet = (c: NetChain) =>
    createWalletClient({ account: deployer, chain: c.chain, transport: httpWithGasMargin(c.anvil.rpcUrl) });
  const validatorAddresses = devnetKeys.validators.map((key) => privateKeyToAccount(key).address);
  const setConfig = {
    validators: validatorAddresses,
    threshold: BigInt(DEVNET_VALIDATOR_THRESHOLD),
    graceSeconds: 600n,
    maxPauseSeconds: 3600n,
  };

  const home = chains[0]!;
  const homeWallet = wallet(home);
  const usdcHash = await homeWallet.deployContract({
    abi: bridgeTestTokenAbi,
    bytecode: bridgeTestTokenBytecode,
    args: ["USD Coin", "USDC", USDC_DECIMALS],
  });
  const usdcReceipt = await home.publicClient.waitForTransactionReceipt({ hash: usdcHash });
  const usdc = getAddress(usdcReceipt.contractAddress!);
  const homeDeployment = await deployBridgeHome({
    walletClient: homeWallet,
    publicClient: home.publicClient,
    ...setConfig,
    tokens: [usdc],
  });
  const remoteDeployments = await Promise.all(
    chains.slice(1).map((c) =>
      deployBridgeRemote({
        walletClient: wallet(c),
        publicClient: c.publicClient,
        ...setConfig,
        homeChainId: home.chainId,
        wrappedTokens: [
          {
            homeToken: usdc,
            name: "Wrapped USD Coin",
            symbol: "wUSDC",
            decimals: USDC_DECIMALS,
            mintCeiling: 10n ** 15n,
          },
        ],
      }),
    ),
  );
  await wireRoutes({
    home: { walletClient: homeWallet, publicClient: home.publicClient, bridge: homeDeployment.vault.address },
    remotes: chains.slice(1).map((c, i) => ({
      walletClient: wallet(c),
      publicClient: c.publicClient,
      bridge: remoteDeployments[i]!.minter.address,
    })),
  });
  for (const key of devnetKeys.users) {
    const hash = await homeWallet.writeContract({
      address: usdc,
      abi: bridgeTestTokenAbi,
      functionName: "mint",
      args: [privateKeyToAccount(key).address, 1_000_000n * USDC],
    });
    await home.publicClient.waitForTransactionReceipt({ hash });
  }

  const deploymentFile = join(dir, "deployment.json");
  const deployment = writeDeployment(deploymentFile, {
    name: "test",
    createdAt: new Date().toISOString(),
    homeChainId: home.chainId,
    validators: { epoch: 1, addresses: validatorAddresses, threshold: DEVNET_VALIDATOR_THRESHOLD },
    chains: [
      {
        network: home.name,
        chainId: home.chainId,
        role: "home",
        validatorSet: homeDeployment.validatorSet,
        bridge: homeDeployment.vault,
        tokens: [{ symbol: "USDC", decimals: USDC_DECIMALS, address: usdc, homeToken: usdc, kind: "native" }],
      },
      ...chains.slice(1).map((c, i) => {
        const remote = remoteDeployments[i]!;
        const wrapped = remote.wrappedTokens[0]!;
        return {
          network: c.name,
          chainId: c.chainId,
          role: "remote" as const,
          validatorSet: remote.validatorSet,
          bridge: remote.minter,
          tokens: [
            {
              symbol: "wUSDC",
              decimals: USDC_DECIMALS,
              address: wrapped.address,
              homeToken: usdc,
              kind: "wrapped" as const,
            },
          ],
        };
      }),
    ],
  });
  const wrappedUsdc = new Map(
    chains.slice(1).map((c, i) => [c.chainId, remoteDeployments[i]!.wrappedTokens[0]!.address]),
  );
  const rpcEnv = Object.fromEntries(
    chains.map((c) => [rpcUrlVariable(networks.find((n) => n.chainId === c.chainId)!), c.anvil.rpcUrl]),
  );

  return {
    chains,
    deployment,
    deploymentFile,
    dir,
    usdc,
    wrappedUsdc,
    rpcEnv,
    blockTimeSeconds,
    finalityBlocks,
    validatorChains: (override) =>
      chains.map((c) => ({
        chainId: c.chainId,
        rpcUrl: override?.get(c.chainId) ?? c.anvil.rpcUrl,
        finality: { kind: "confirmations", blocks: finalityBlocks },
        pollMs: Math.max(50, (blockTimeSeconds * 1000) / 4),
      })),
    stop: async () => {
      await Promise.all(chains.map((c) => c.anvil.stop()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
