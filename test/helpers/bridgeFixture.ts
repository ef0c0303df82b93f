import {
  type Account,
  type Address,
  BaseError,
  type Chain,
  ContractFunctionRevertedError,
  createPublicClient,
  createTestClient,
  createWalletClient,
  defineChain,
  getAddress,
  type Hex,
  http,
  type PublicClient,
  parseEventLogs,
  type TestClient,
  type Transport,
  type WalletClient,
} from "viem";
import { type HDAccount, mnemonicToAccount } from "viem/accounts";
import {
  bridgeMinterAbi,
  bridgeTestTokenAbi,
  bridgeTestTokenBytecode,
  bridgeVaultAbi,
} from "../../contracts/generated/index.js";
import { deployBridgeHome, deployBridgeRemote, wireRoutes } from "../../deploy/bridge.js";
import { type AnvilInstance, startAnvil } from "../../devnet/anvil.js";
import { type BridgeMessage, messageFromBurnedLog, messageFromLockedLog } from "../../lib/bridge/message.js";
import { attestationTypedData, sortAddresses } from "../../lib/bridge/typedData.js";

export const ANVIL_MNEMONIC = "test test test test test test test test test test test junk";
export const HOME_CHAIN_ID = 1337;
export const REMOTE_CHAIN_ID = 1338;
/** A second remote chain with byte-identical deployments, for cross-chain replay tests. */
export const TWIN_CHAIN_ID = 1339;
export const USDC_UNIT = 10n ** 6n;
export const GRACE_SECONDS = 600n;
export const MAX_PAUSE_SECONDS = 3600n;
export const MINT_CEILING = 1_000_000n * USDC_UNIT;

/** Accounts derived from anvil's mnemonic; indices 10+ hold no ether and only sign. */
function account(index: number): HDAccount {
  return mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: index });
}

function sortAccounts(accounts: HDAccount[]): HDAccount[] {
  const order = sortAddresses(accounts.map((a) => a.address));
  return order.map((address) => accounts.find((a) => a.address === address)!);
}

export type ChainContext = {
  anvil: AnvilInstance;
  chain: Chain;
  publicClient: PublicClient;
  testClient: TestClient<"anvil">;
  wallet(account: Account): WalletClient<Transport, Chain, Account>;
  /** Advances the chain clock and mines a block, so the next transaction sees the new time. */
  travel(seconds: number): Promise<void>;
  timestamp(): Promise<bigint>;
};

async function startChain(chainId: number): Promise<ChainContext> {
  const anvil = await startAnvil({ chainId });
  const chain = defineChain({
    id: chainId,
    name: `bridge-test-${chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [anvil.rpcUrl] } },
  });
  const transport = http(anvil.rpcUrl);
  const publicClient = createPublicClient({ chain, transport, pollingInterval: 50 }) as PublicClient;
  const testClient = createTestClient({ mode: "anvil", chain, transport });
  return {
    anvil,
    chain,
    publicClient,
    testClient,
    wallet: (account) => createWalletClient({ account, chain, transport }),
    travel: async (seconds) => {
      await testClient.increaseTime({ seconds });
      await testClient.mine({ blocks: 1 });
    },
    timestamp: async () => (await publicClient.getBlock()).timestamp,
  };
}

export type BridgeFixture = {
  home: ChainContext;
  remote: ChainContext;
  /** Present with `{ twin: true }`: same contracts at the same addresses on chain TWIN_CHAIN_ID. */
  twin: ChainContext | undefined;
  owner: HDAccount;
  pauser: HDAccount;
  user: HDAccount;
  /** The 5 validators of epoch 1, sorted by address; threshold 4. */
  validators: HDAccount[];
  /** 5 more keys, sorted, that are not validators (a would-be next set, or attackers). */
  outsiders: HDAccount[];
  usdc: Address;
  homeValidatorSet: Address;
  remoteValidatorSet: Address;
  vault: Address;
  minter: Address;
  wrappedUsdc: Address;
  /** Signatures of `signers` (default: the first 4 validators) in the given order. */
  signAttestation(
    message: BridgeMessage,
    options?: { epoch?: bigint; signers?: HDAccount[] },
  ): Promise<Hex[]>;
  /** `user` locks USDC toward the remote chain; returns the message rebuilt from the Locked log. */
  lock(amount: bigint, options?: { destinationChainId?: number }): Promise<BridgeMessage>;
  /** `user` burns wrapped USDC toward home; returns the message rebuilt from the Burned log. */
  burn(amount: bigint): Promise<BridgeMessage>;
  /** Mints on the remote chain with a 4-of-5 quorum. */
  mint(message: BridgeMessage): Promise<void>;
  stop(): Promise<void>;
};

/**
 * Starts a home and a remote anvil chain (plus a twin remote when asked), deploys a test USDC, the
 * vault, the minter, wrapped USDC and 4-of-5 validator sets, and wires the routes. Call `stop` in
 * afterAll.
 */
export async function startBridgeFixture(options: { twin?: boolean } = {}): Promise<BridgeFixture> {
  const [home, remote, twin] = await Promise.all([
    startChain(HOME_CHAIN_ID),
    startChain(REMOTE_CHAIN_ID),
    options.twin ? startChain(TWIN_CHAIN_ID) : Promise.resolve(undefined),
  ]);
  const owner = account(0);
  const pauser = account(1);
  const user = account(2);
  const validators = sortAccounts([10, 11, 12, 13, 14].map(account));
  const outsiders = sortAccounts([15, 16, 17, 18, 19].map(account));
  const validatorSetConfig = {
    validators: validators.map((v) => v.address),
    threshold: 4n,
    graceSeconds: GRACE_SECONDS,
    pauser: pauser.address,
    maxPauseSeconds: MAX_PAUSE_SECONDS,
  };

  const homeOwner = home.wallet(owner);
  const usdcHash = await homeOwner.deployContract({
    abi: bridgeTestTokenAbi,
    bytecode: bridgeTestTokenBytecode,
    args: ["USD Coin", "USDC", 6],
  });
  const usdc = getAddress(
    (await home.publicClient.waitForTransactionReceipt({ hash: usdcHash })).contractAddress!,
  );
  const homeDeployment = await deployBridgeHome({
    walletClient: homeOwner,
    publicClient: home.publicClient,
    ...validatorSetConfig,
    tokens: [usdc],
  });

  const remotes = [remote, ...(twin ? [twin] : [])];
  const remoteDeployments = await Promise.all(
    remotes.map((chain) =>
      deployBridgeRemote({
        walletClient: chain.wallet(owner),
        publicClient: chain.publicClient,
        ...validatorSetConfig,
        homeChainId: HOME_CHAIN_ID,
        wrappedTokens: [
          {
            homeToken: usdc,
            name: "Wrapped USD Coin",
            symbol: "wUSDC",
            decimals: 6,
            mintCeiling: MINT_CEILING,
          },
        ],
      }),
    ),
  );
  const remoteDeployment = remoteDeployments[0]!;
  await wireRoutes({
    home: { walletClient: homeOwner, publicClient: home.publicClient, bridge: homeDeployment.vault.address },
    remotes: remotes.map((chain, i) => ({
      walletClient: chain.wallet(owner),
      publicClient: chain.publicClient,
      bridge: remoteDeployments[i]!.minter.address,
    })),
  });

  const vault = homeDeployment.vault.address;
  const minter = remoteDeployment.minter.address;
  const wrappedUsdc = remoteDeployment.wrappedTokens[0]!.address;
  const homeUser = home.wallet(user);
  for (const hash of [
    await homeUser.writeContract({
      address: usdc,
      abi: bridgeTestTokenAbi,
      functionName: "mint",
      args: [user.address, 10_000_000n * USDC_UNIT],
    }),
    await homeUser.writeContract({
      address: usdc,
      abi: bridgeTestTokenAbi,
      functionName: "approve",
      args: [vault, 2n ** 256n - 1n],
    }),
  ]) {
    await home.publicClient.waitForTransactionReceipt({ hash });
  }

  const signAttestation: BridgeFixture["signAttestation"] = async (message, { epoch = 1n, signers } = {}) => {
    const typedData = attestationTypedData(message, epoch);
    return Promise.all((signers ?? validators.slice(0, 4)).map((signer) => signer.signTypedData(typedData)));
  };

  return {
    home,
    remote,
    twin,
    owner,
    pauser,
    user,
    validators,
    outsiders,
    usdc,
    homeValidatorSet: homeDeployment.validatorSet.address,
    remoteValidatorSet: remoteDeployment.validatorSet.address,
    vault,
    minter,
    wrappedUsdc,
    signAttestation,
    lock: async (amount, { destinationChainId = REMOTE_CHAIN_ID } = {}) => {
      const hash = await homeUser.writeContract({
        address: vault,
        abi: bridgeVaultAbi,
        functionName: "lock",
        args: [usdc, amount, BigInt(destinationChainId), user.address],
      });
      const receipt = await home.publicClient.waitForTransactionReceipt({ hash });
      const [log] = parseEventLogs({ abi: bridgeVaultAbi, eventName: "Locked", logs: receipt.logs });
      return messageFromLockedLog({ log: log!, sourceChainId: HOME_CHAIN_ID });
    },
    burn: async (amount) => {
      const hash = await remote.wallet(user).writeContract({
        address: minter,
        abi: bridgeMinterAbi,
        functionName: "burn",
        args: [wrappedUsdc, amount, BigInt(HOME_CHAIN_ID), user.address],
      });
      const receipt = await remote.publicClient.waitForTransactionReceipt({ hash });
      const [log] = parseEventLogs({ abi: bridgeMinterAbi, eventName: "Burned", logs: receipt.logs });
      return messageFromBurnedLog({ log: log!, sourceChainId: REMOTE_CHAIN_ID });
    },
    mint: async (message) => {
      const hash = await remote.wallet(user).writeContract({
        address: minter,
        abi: bridgeMinterAbi,
        functionName: "mint",
        args: [message, 1n, await signAttestation(message)],
      });
      await remote.publicClient.waitForTransactionReceipt({ hash });
    },
    stop: async () => {
      await Promise.all([home.anvil.stop(), remote.anvil.stop(), twin?.anvil.stop()]);
    },
  };
}

/** The custom error a contract call reverted with, decoded by viem, or a failure if it did not revert. */
export async function revertOf(
  call: Promise<unknown>,
): Promise<{ errorName: string; args: readonly unknown[] }> {
  try {
    await call;
  } catch (error) {
    if (error instanceof BaseError) {
      const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
      if (reverted instanceof ContractFunctionRevertedError) {
        return { errorName: reverted.data?.errorName ?? "(undecoded)", args: reverted.data?.args ?? [] };
      }
    }
    throw error;
  }
  throw new Error("expected the call to revert, but it succeeded");
}
