/**
 * Gas per bridge operation with a 4-of-5 validator set on two local anvil chains: lock (home vault),
 * mint (remote minter), burn (remote minter) and release (home vault). Each operation runs RUNS times;
 * the table shows min / median / max gas used from the receipts.
 *
 * Usage: npx tsx bench/gas-bridge.ts [runs=9]
 */
import {
  type Account,
  type Address,
  type Chain,
  createPublicClient,
  createWalletClient,
  defineChain,
  getAddress,
  type Hash,
  http,
  type PublicClient,
  parseEventLogs,
  type Transport,
  type WalletClient,
} from "viem";
import { mnemonicToAccount } from "viem/accounts";
import {
  bridgeMinterAbi,
  bridgeTestTokenAbi,
  bridgeTestTokenBytecode,
  bridgeVaultAbi,
} from "../contracts/generated/index.js";
import { deployBridgeHome, deployBridgeRemote, wireRoutes } from "../deploy/bridge.js";
import { type AnvilInstance, startAnvil } from "../devnet/anvil.js";
import { type BridgeMessage, messageFromBurnedLog, messageFromLockedLog } from "../lib/bridge/message.js";
import { attestationTypedData, sortSignaturesBySigner } from "../lib/bridge/typedData.js";

const RUNS = Number(process.argv[2] ?? 9);
const HOME = 1337;
const REMOTE = 1338;
const MNEMONIC = "test test test test test test test test test test test junk";

type Side = {
  anvil: AnvilInstance;
  publicClient: PublicClient;
  wallet: (account: Account) => WalletClient<Transport, Chain, Account>;
};

async function side(chainId: number): Promise<Side> {
  const anvil = await startAnvil({ chainId });
  const chain = defineChain({
    id: chainId,
    name: `gas-${chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [anvil.rpcUrl] } },
  });
  const transport = http(anvil.rpcUrl);
  return {
    anvil,
    publicClient: createPublicClient({ chain, transport, pollingInterval: 50 }) as PublicClient,
    wallet: (account) => createWalletClient({ account, chain, transport }),
  };
}

function median(values: bigint[]): bigint {
  const sorted = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function main() {
  const [home, remote] = await Promise.all([side(HOME), side(REMOTE)]);
  try {
    const owner = mnemonicToAccount(MNEMONIC, { addressIndex: 0 });
    const user = mnemonicToAccount(MNEMONIC, { addressIndex: 2 });
    const validators = [10, 11, 12, 13, 14].map((i) => mnemonicToAccount(MNEMONIC, { addressIndex: i }));
    const config = {
      validators: validators.map((v) => v.address),
      threshold: 4n,
      graceSeconds: 600n,
      maxPauseSeconds: 3600n,
    };
    const receipt = async (s: Side, hash: Hash) => s.publicClient.waitForTransactionReceipt({ hash });

    const usdcHash = await home.wallet(owner).deployContract({
      abi: bridgeTestTokenAbi,
      bytecode: bridgeTestTokenBytecode,
      args: ["USD Coin", "USDC", 6],
    });
    const usdc: Address = getAddress((await receipt(home, usdcHash)).contractAddress!);
    const homeDeployment = await deployBridgeHome({
      walletClient: home.wallet(owner),
      publicClient: home.publicClient,
      ...config,
      tokens: [usdc],
    });
    const remoteDeployment = await deployBridgeRemote({
      walletClient: remote.wallet(owner),
      publicClient: remote.publicClient,
      ...config,
      homeChainId: HOME,
      wrappedTokens: [
        { homeToken: usdc, name: "Wrapped USDC", symbol: "wUSDC", decimals: 6, mintCeiling: 10n ** 30n },
      ],
    });
    const vault = homeDeployment.vault.address;
    const minter = remoteDeployment.minter.address;
    const wrapped = remoteDeployment.wrappedTokens[0]!.address;
    await wireRoutes({
      home: { walletClient: home.wallet(owner), publicClient: home.publicClient, bridge: vault },
      remotes: [{ walletClient: remote.wallet(owner), publicClient: remote.publicClient, bridge: minter }],
    });
    const homeUser = home.wallet(user);
    const remoteUser = remote.wallet(user);
    await receipt(
      home,
      await homeUser.writeContract({
        address: usdc,
        abi: bridgeTestTokenAbi,
        functionName: "mint",
        args: [user.address, 10n ** 18n],
      }),
    );
    await receipt(
      home,
      await homeUser.writeContract({
        address: usdc,
        abi: bridgeTestTokenAbi,
        functionName: "approve",
        args: [vault, 2n ** 256n - 1n],
      }),
    );

    const signatures = async (message: BridgeMessage) => {
      const typedData = attestationTypedData(message, 1n);
      const signed = await Promise.all(validators.map((v) => v.signTypedData(typedData)));
      return (await sortSignaturesBySigner(typedData, signed)).slice(0, 4).map((s) => s.signature);
    };

    const gas: Record<"lock" | "mint" | "burn" | "release", bigint[]> = {
      lock: [],
      mint: [],
      burn: [],
      release: [],
    };
    for (let run = 0; run < RUNS; run++) {
      const locked = await receipt(
        home,
        await homeUser.writeContract({
          address: vault,
          abi: bridgeVaultAbi,
          functionName: "lock",
          args: [usdc, 1_000_000n, BigInt(REMOTE), user.address],
        }),
      );
      gas.lock.push(locked.gasUsed);
      const [lockLog] = parseEventLogs({ abi: bridgeVaultAbi, eventName: "Locked", logs: locked.logs });
      const lockMessage = messageFromLockedLog({ log: lockLog!, sourceChainId: HOME });

      const minted = await receipt(
        remote,
        await remoteUser.writeContract({
          address: minter,
          abi: bridgeMinterAbi,
          functionName: "mint",
          args: [lockMessage, 1n, await signatures(lockMessage)],
        }),
      );
      gas.mint.push(minted.gasUsed);

      const burned = await receipt(
        remote,
        await remoteUser.writeContract({
          address: minter,
          abi: bridgeMinterAbi,
          functionName: "burn",
          args: [wrapped, 400_000n, BigInt(HOME), user.address],
        }),
      );
      gas.burn.push(burned.gasUsed);
      const [burnLog] = parseEventLogs({ abi: bridgeMinterAbi, eventName: "Burned", logs: burned.logs });
      const burnMessage = messageFromBurnedLog({ log: burnLog!, sourceChainId: REMOTE });

      const released = await receipt(
        home,
        await homeUser.writeContract({
          address: vault,
          abi: bridgeVaultAbi,
          functionName: "release",
          args: [burnMessage, 1n, await signatures(burnMessage)],
        }),
      );
      gas.release.push(released.gasUsed);
    }

    console.log(
      `Bridge gas used, 4-of-5 validator set, ${RUNS} runs each (solc 0.8.28, optimizer 200 runs)\n`,
    );
    console.log(
      `${"operation".padEnd(10)}${"min".padStart(10)}${"median".padStart(10)}${"max".padStart(10)}`,
    );
    for (const [name, values] of Object.entries(gas)) {
      const min = values.reduce((a, b) => (a < b ? a : b));
      const max = values.reduce((a, b) => (a > b ? a : b));
      console.log(
        `${name.padEnd(10)}${String(min).padStart(10)}${String(median(values)).padStart(10)}${String(max).padStart(10)}`,
      );
    }
  } finally {
    await Promise.all([home.anvil.stop(), remote.anvil.stop()]);
  }
}

await main();
