import type { Account, Address, Chain, PublicClient, Transport, WalletClient } from "viem";
import {
  bridgeMinterAbi,
  bridgeMinterBytecode,
  bridgeVaultAbi,
  bridgeVaultBytecode,
  validatorSetAbi,
  validatorSetBytecode,
  wrappedTokenAbi,
  wrappedTokenBytecode,
} from "../contracts/generated/index.js";
import { sortAddresses } from "../lib/bridge/typedData.js";
import { confirmDeployStep, type DeployedContract, deployedContract } from "./receipts.js";

/**
 * Deploys and wires the bridge contracts with viem clients. Nothing here knows about the devnet: the
 * devnet and `bridge deploy --network X` both call these functions with their own clients.
 *
 * The deployer account is the initial owner so it can configure everything; pass `owner` to start a
 * two-step handover at the end (the new owner must call `acceptOwnership`).
 */

export type BridgeClients = {
  walletClient: WalletClient<Transport, Chain, Account>;
  publicClient: PublicClient;
};

export type { DeployedContract };

type OwnedAbi = typeof bridgeVaultAbi | typeof bridgeMinterAbi | typeof validatorSetAbi;

async function handOver(clients: BridgeClients, abi: OwnedAbi, address: Address, owner: Address | undefined) {
  const { walletClient, publicClient } = clients;
  if (!owner || owner.toLowerCase() === walletClient.account.address.toLowerCase()) return;
  const hash = await walletClient.writeContract({
    address,
    abi: abi as typeof bridgeVaultAbi,
    functionName: "transferOwnership",
    args: [owner],
  });
  await confirmDeployStep(publicClient, hash, `transferOwnership of ${address}`);
}

export type ValidatorSetConfig = {
  /** Validator addresses in any order; they are sorted ascending as the contract requires. */
  validators: readonly Address[];
  /** Must satisfy threshold * 3 > 2 * validators (e.g. 4 of 5); the contract rejects less. */
  threshold: bigint;
  /** How long the previous set stays valid after a rotation. */
  graceSeconds: bigint;
};

export type DeployBridgeBaseParameters = BridgeClients &
  ValidatorSetConfig & {
    /** Who may pause (for at most `maxPauseSeconds` at a time). Defaults to the deployer. */
    pauser?: Address;
    maxPauseSeconds: bigint;
    /** Final owner; ownership transfer is started when it differs from the deployer. */
    owner?: Address;
  };

async function deployValidatorSet(parameters: DeployBridgeBaseParameters): Promise<DeployedContract> {
  const { walletClient, publicClient } = parameters;
  const hash = await walletClient.deployContract({
    abi: validatorSetAbi,
    bytecode: validatorSetBytecode,
    args: [
      sortAddresses(parameters.validators),
      parameters.threshold,
      parameters.graceSeconds,
      walletClient.account.address,
    ],
  });
  return deployedContract(publicClient, hash, "ValidatorSet");
}

export type DeployBridgeHomeParameters = DeployBridgeBaseParameters & {
  /** Home-chain ERC-20s the vault accepts for `lock`. */
  tokens?: readonly Address[];
};

export type DeployBridgeHomeReturnType = { validatorSet: DeployedContract; vault: DeployedContract };

/**
 * Deploys the home chain's ValidatorSet and BridgeVault and enables `tokens` for locking.
 *
 * @example
 * const home = await deployBridgeHome({
 *   walletClient, publicClient, validators, threshold: 4n, graceSeconds: 3600n, maxPauseSeconds: 86400n,
 *   tokens: [usdc],
 * });
 * home.vault.address; home.vault.startBlock;
 */
export async function deployBridgeHome(
  parameters: DeployBridgeHomeParameters,
): Promise<DeployBridgeHomeReturnType> {
  const { walletClient, publicClient } = parameters;
  const validatorSet = await deployValidatorSet(parameters);
  const deployer = walletClient.account.address;
  const hash = await walletClient.deployContract({
    abi: bridgeVaultAbi,
    bytecode: bridgeVaultBytecode,
    args: [validatorSet.address, deployer, parameters.pauser ?? deployer, parameters.maxPauseSeconds],
  });
  const vault = await deployedContract(publicClient, hash, "BridgeVault");
  for (const token of parameters.tokens ?? []) {
    const tx = await walletClient.writeContract({
      address: vault.address,
      abi: bridgeVaultAbi,
      functionName: "setToken",
      args: [token, true],
    });
    await confirmDeployStep(publicClient, tx, `setToken(${token})`);
  }
  await handOver(parameters, validatorSetAbi, validatorSet.address, parameters.owner);
  await handOver(parameters, bridgeVaultAbi, vault.address, parameters.owner);
  return { validatorSet, vault };
}

export type WrappedTokenConfig = {
  homeToken: Address;
  name: string;
  symbol: string;
  decimals: number;
  /** Credit line: the most wrapped supply this chain may ever have outstanding (0 = mint nothing). */
  mintCeiling: bigint;
  /**
   * What may be minted per budget epoch (one day, `MINT_EPOCH_SECONDS`) from the home chain, whatever
   * the validators sign: the most a stolen quorum can mint per day. Defaults to `mintCeiling`; set it to
   * the daily volume you expect, not more.
   */
  mintBudgetPerEpoch?: bigint;
};

export type DeployBridgeRemoteParameters = DeployBridgeBaseParameters & {
  homeChainId: bigint | number;
  wrappedTokens?: readonly WrappedTokenConfig[];
};

export type DeployBridgeRemoteReturnType = {
  validatorSet: DeployedContract;
  minter: DeployedContract;
  wrappedTokens: (DeployedContract & { homeToken: Address; symbol: string; decimals: number })[];
};

/**
 * Deploys a remote chain's ValidatorSet, BridgeMinter and one WrappedToken per home token, registers
 * the wrapped tokens and sets their mint ceilings and per-epoch mint budgets.
 *
 * @example
 * const remote = await deployBridgeRemote({
 *   walletClient, publicClient, validators, threshold: 4n, graceSeconds: 3600n, maxPauseSeconds: 86400n,
 *   homeChainId: 31337, wrappedTokens: [{ homeToken: usdc, name: "Wrapped USDC", symbol: "wUSDC", decimals: 6, mintCeiling: 10n ** 12n }],
 * });
 */
export async function deployBridgeRemote(
  parameters: DeployBridgeRemoteParameters,
): Promise<DeployBridgeRemoteReturnType> {
  const { walletClient, publicClient } = parameters;
  const validatorSet = await deployValidatorSet(parameters);
  const deployer = walletClient.account.address;
  const minterHash = await walletClient.deployContract({
    abi: bridgeMinterAbi,
    bytecode: bridgeMinterBytecode,
    args: [validatorSet.address, deployer, parameters.pauser ?? deployer, parameters.maxPauseSeconds],
  });
  const minter = await deployedContract(publicClient, minterHash, "BridgeMinter");

  const wrappedTokens: DeployBridgeRemoteReturnType["wrappedTokens"] = [];
  for (const config of parameters.wrappedTokens ?? []) {
    const tokenHash = await walletClient.deployContract({
      abi: wrappedTokenAbi,
      bytecode: wrappedTokenBytecode,
      args: [
        config.name,
        config.symbol,
        config.decimals,
        minter.address,
        config.homeToken,
        BigInt(parameters.homeChainId),
      ],
    });
    const token = await deployedContract(publicClient, tokenHash, `WrappedToken ${config.symbol}`);
    const registerHash = await walletClient.writeContract({
      address: minter.address,
      abi: bridgeMinterAbi,
      functionName: "setWrappedToken",
      args: [config.homeToken, token.address],
    });
    await confirmDeployStep(publicClient, registerHash, `setWrappedToken(${config.symbol})`);
    const ceilingHash = await walletClient.writeContract({
      address: minter.address,
      abi: bridgeMinterAbi,
      functionName: "setMintCeiling",
      args: [config.homeToken, config.mintCeiling],
    });
    await confirmDeployStep(publicClient, ceilingHash, `setMintCeiling(${config.symbol})`);
    const budgetHash = await walletClient.writeContract({
      address: minter.address,
      abi: bridgeMinterAbi,
      functionName: "setMintBudget",
      args: [
        BigInt(parameters.homeChainId),
        config.homeToken,
        config.mintBudgetPerEpoch ?? config.mintCeiling,
      ],
    });
    await confirmDeployStep(publicClient, budgetHash, `setMintBudget(${config.symbol})`);
    wrappedTokens.push({
      ...token,
      homeToken: config.homeToken,
      symbol: config.symbol,
      decimals: config.decimals,
    });
  }
  await handOver(parameters, validatorSetAbi, validatorSet.address, parameters.owner);
  await handOver(parameters, bridgeMinterAbi, minter.address, parameters.owner);
  return { validatorSet, minter, wrappedTokens };
}

export type BridgeEndpoint = BridgeClients & {
  /** The BridgeVault (home) or BridgeMinter (remote) on this client's chain. */
  bridge: Address;
};

export type WireRoutesParameters = {
  home: BridgeEndpoint;
  remotes: readonly BridgeEndpoint[];
};

/**
 * Points the vault at every remote minter and every minter at the vault (`setRoute` both ways). Each
 * endpoint's wallet must still own its bridge. Chain ids come from the wallet clients' chains.
 *
 * @example
 * await wireRoutes({
 *   home: { walletClient: walletA, publicClient: publicA, bridge: home.vault.address },
 *   remotes: [{ walletClient: walletB, publicClient: publicB, bridge: remote.minter.address }],
 * });
 */
export async function wireRoutes({ home, remotes }: WireRoutesParameters): Promise<void> {
  for (const remote of remotes) {
    const toRemote = await home.walletClient.writeContract({
      address: home.bridge,
      abi: bridgeVaultAbi,
      functionName: "setRoute",
      args: [BigInt(remote.walletClient.chain.id), remote.bridge],
    });
    await confirmDeployStep(home.publicClient, toRemote, `vault setRoute(${remote.walletClient.chain.id})`);
    const toHome = await remote.walletClient.writeContract({
      address: remote.bridge,
      abi: bridgeMinterAbi,
      functionName: "setRoute",
      args: [BigInt(home.walletClient.chain.id), home.bridge],
    });
    await confirmDeployStep(remote.publicClient, toHome, `minter setRoute(${home.walletClient.chain.id})`);
  }
}
