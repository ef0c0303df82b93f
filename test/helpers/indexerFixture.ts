import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type Account,
  type Address,
  type Chain,
  createPublicClient,
  createTestClient,
  createWalletClient,
  defineChain,
  type Hash,
  type Hex,
  type PublicClient,
  parseEventLogs,
  type TestClient,
  type Transport,
  type WalletClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { bridgeMinterAbi, bridgeVaultAbi, testERC20Abi } from "../../contracts/generated/index.js";
import { deploySystem } from "../../deploy/system.js";
import { type AnvilInstance, startAnvil } from "../../devnet/anvil.js";
import {
  type BridgeMessage,
  messageFromBurnedLog,
  messageFromLockedLog,
  messageId,
} from "../../lib/bridge/message.js";
import {
  attestationTypedData,
  rootAttestationArgument,
  rootAttestationTypedData,
  sortSignaturesBySigner,
} from "../../lib/bridge/typedData.js";
import { type Deployment, writeDeployment } from "../../lib/deployments.js";
import { DEVNET_VALIDATOR_THRESHOLD, devnetKeys } from "../../lib/devnet/accounts.js";
import { httpWithGasMargin } from "../../lib/gasMarginTransport.js";
import { devnetNetworks, rpcUrlVariable } from "../../lib/networks.js";
import { multiProofOf, treeOfIds } from "../../lib/rootApi.js";

/**
 * A three-chain system for indexer tests: anvil chains named like the devnet (so ponder.config.ts resolves
 * them through <NETWORK>_RPC_URL), everything deployed by deploy/system.ts, a deployments file in a temp
 * dir, and helpers that move real tokens through the real contracts (validator signatures included).
 * Aave actions on it are in indexerAave.ts; the `ponder start` child process is in ponderProcess.ts.
 */

export type Wallet = WalletClient<Transport, Chain, Account>;

export type IndexerChain = {
  name: string;
  chainId: number;
  anvil: AnvilInstance;
  publicClient: PublicClient;
  testClient: TestClient<"anvil">;
  deployer: Wallet;
  users: Wallet[];
  liquidator: Wallet;
};

export type IndexerNet = {
  /** chains[0] is home (vault, USDC, WETH); the rest are remote (minter, wrapped tokens, lending pool). */
  chains: IndexerChain[];
  deployment: Deployment;
  deploymentFile: string;
  dir: string;
  /** DEPLOYMENT_FILE and <NETWORK>_RPC_URL for child processes. */
  env: Record<string, string>;
  homeToken(symbol: string): Address;
  wrappedToken(chainId: number, homeToken: Address): Address;
  /** Mints test tokens and locks them toward `destinationChainId`; returns the message. */
  lock(user: number, symbol: string, amount: bigint, destinationChainId: number): Promise<BridgeMessage>;
  /** Burns wrapped tokens on a remote chain toward home; returns the message. */
  burn(user: number, chainId: number, homeToken: Address, amount: bigint): Promise<BridgeMessage>;
  /** Signs with the devnet validators (4 of 5) and submits mint/release on the destination. */
  deliver(message: BridgeMessage): Promise<Hash>;
  /**
   * Delivers messages of one route to a remote chain the batched way: the first 4 validators sign a
   * root over them (leaves by ascending nonce), the deployer submits it and mints them all with one
   * multiproof. Returns the root and the mint transaction.
   */
  deliverUnderRoot(messages: readonly BridgeMessage[]): Promise<{ root: Hash; tx: Hash }>;
  /**
   * Mines past Ponder's finality depth (30 blocks on chains it does not know) on every chain, so what
   * happened so far is backfilled in one pass instead of block by block in live mode.
   */
  finalize(): Promise<void>;
  /**
   * Mines an empty block on every chain every `ms` (automine only mines on transactions). Omnichain
   * ordering processes a block only once every chain has reached its timestamp, so idle chains must
   * keep producing blocks, as real chains and the devnet's interval-mined chains do.
   */
  tick(ms?: number): void;
  stop(): Promise<void>;
};

const chainOf = (network: (typeof devnetNetworks)[number], rpcUrl: string) =>
  defineChain({
    id: network.chainId,
    name: network.name,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });

export async function confirm(chain: IndexerChain, hash: Hash | Promise<Hash>) {
  const receipt = await chain.publicClient.waitForTransactionReceipt({ hash: await hash });
  if (receipt.status !== "success") {
    // Replay the call at its block to surface the revert reason in the test output.
    const tx = await chain.publicClient.getTransaction({ hash: receipt.transactionHash });
    const reason = await chain.publicClient
      .call({ account: tx.from, to: tx.to, data: tx.input, blockNumber: receipt.blockNumber - 1n })
      .then(
        () => "no revert on replay",
        (error: Error) => error.message.split("\n").slice(0, 3).join(" "),
      );
    throw new Error(`transaction ${receipt.transactionHash} reverted: ${reason}`);
  }
  return receipt;
}

export async function startIndexerNet(options: { blockTime?: number } = {}): Promise<IndexerNet> {
  const dir = mkdtempSync(join(tmpdir(), "indexer-net-"));
  const chains = await Promise.all(
    devnetNetworks.map(async (network): Promise<IndexerChain> => {
      const anvil = await startAnvil({ chainId: network.chainId, blockTime: options.blockTime });
      const chain = chainOf(network, anvil.rpcUrl);
      const transport = httpWithGasMargin(anvil.rpcUrl);
      const wallet = (key: Hex) =>
        createWalletClient({ account: privateKeyToAccount(key), chain, transport });
      return {
        name: network.name,
        chainId: network.chainId,
        anvil,
        publicClient: createPublicClient({ chain, transport, pollingInterval: 100 }) as PublicClient,
        testClient: createTestClient({ mode: "anvil", chain, transport }),
        deployer: wallet(devnetKeys.deployer),
        users: devnetKeys.users.map(wallet),
        liquidator: wallet(devnetKeys.liquidator),
      };
    }),
  );
  const env: Record<string, string> = {};
  for (const [index, network] of devnetNetworks.entries()) {
    env[rpcUrlVariable(network)] = chains[index]!.anvil.rpcUrl;
  }
  const validators = devnetKeys.validators.map((key) => privateKeyToAccount(key));
  const input = await deploySystem({
    name: "indexer-test",
    targets: devnetNetworks.map((network, index) => ({
      network,
      rpcUrl: chains[index]!.anvil.rpcUrl,
      role: index === 0 ? "home" : "remote",
    })),
    deployerKey: devnetKeys.deployer,
    validators: { addresses: validators.map((v) => v.address), threshold: DEVNET_VALIDATOR_THRESHOLD },
  });
  const deploymentFile = join(dir, "deployment.json");
  const deployment = writeDeployment(deploymentFile, input);
  env.DEPLOYMENT_FILE = deploymentFile;

  const home = chains[0]!;
  const chainById = (id: number) => {
    const chain = chains.find((c) => c.chainId === id);
    if (!chain) throw new Error(`no chain ${id}`);
    return chain;
  };
  const entry = (id: number) => deployment.chains.find((c) => c.chainId === id)!;
  const homeToken = (symbol: string) => entry(home.chainId).tokens.find((t) => t.symbol === symbol)!.address;
  const wrappedToken = (chainId: number, token: Address) =>
    entry(chainId).tokens.find(
      (t) => t.kind === "wrapped" && t.homeToken.toLowerCase() === token.toLowerCase(),
    )!.address;

  let ticker: NodeJS.Timeout | undefined;
  return {
    chains,
    deployment,
    deploymentFile,
    dir,
    env,
    homeToken,
    wrappedToken,
    async lock(user, symbol, amount, destinationChainId) {
      const wallet = home.users[user]!;
      const token = homeToken(symbol);
      const vault = entry(home.chainId).bridge.address;
      await confirm(
        home,
        wallet.writeContract({
          address: token,
          abi: testERC20Abi,
          functionName: "mint",
          args: [wallet.account.address, amount],
        }),
      );
      await confirm(
        home,
        wallet.writeContract({
          address: token,
          abi: testERC20Abi,
          functionName: "approve",
          args: [vault, amount],
        }),
      );
      const receipt = await confirm(
        home,
        wallet.writeContract({
          address: vault,
          abi: bridgeVaultAbi,
          functionName: "lock",
          args: [token, amount, BigInt(destinationChainId), wallet.account.address],
        }),
      );
      const [log] = parseEventLogs({ abi: bridgeVaultAbi, eventName: "Locked", logs: receipt.logs });
      return messageFromLockedLog({ log: log!, sourceChainId: home.chainId });
    },
    async burn(user, chainId, token, amount) {
      const chain = chainById(chainId);
      const wallet = chain.users[user]!;
      const minter = entry(chainId).bridge.address;
      const receipt = await confirm(
        chain,
        wallet.writeContract({
          address: minter,
          abi: bridgeMinterAbi,
          functionName: "burn",
          args: [wrappedToken(chainId, token), amount, BigInt(home.chainId), wallet.account.address],
        }),
      );
      const [log] = parseEventLogs({ abi: bridgeMinterAbi, eventName: "Burned", logs: receipt.logs });
      return messageFromBurnedLog({ log: log!, sourceChainId: chainId });
    },
    async deliver(message) {
      const destination = chainById(Number(message.destinationChainId));
      const typedData = attestationTypedData(message, 1n);
      const signatures = await Promise.all(
        devnetKeys.validators
          .slice(0, DEVNET_VALIDATOR_THRESHOLD)
          .map((key) => privateKeyToAccount(key).signTypedData(typedData)),
      );
      const sorted = (await sortSignaturesBySigner(typedData, signatures)).map((s) => s.signature);
      const isHome = destination.chainId === home.chainId;
      const receipt = await confirm(
        destination,
        isHome
          ? destination.deployer.writeContract({
              address: message.destinationBridge,
              abi: bridgeVaultAbi,
              functionName: "release",
              args: [message, 1n, sorted],
            })
          : destination.deployer.writeContract({
              address: message.destinationBridge,
              abi: bridgeMinterAbi,
              functionName: "mint",
              args: [message, 1n, sorted],
            }),
      );
      return receipt.transactionHash;
    },
    async deliverUnderRoot(messages) {
      const ordered = [...messages].sort((a, b) => (a.nonce < b.nonce ? -1 : 1));
      const first = ordered[0]!;
      const destination = chainById(Number(first.destinationChainId));
      const ids = ordered.map((m) => messageId(m));
      const tree = treeOfIds(ids);
      const attestation = {
        sourceChainId: first.sourceChainId,
        sourceBridge: first.sourceBridge,
        destinationChainId: first.destinationChainId,
        destinationBridge: first.destinationBridge,
        epoch: 1n,
        firstNonce: first.nonce,
        lastNonce: ordered.at(-1)!.nonce,
        root: tree.root,
      };
      const typedData = rootAttestationTypedData(attestation);
      const signatures = await Promise.all(
        devnetKeys.validators
          .slice(0, DEVNET_VALIDATOR_THRESHOLD)
          .map((key) => privateKeyToAccount(key).signTypedData(typedData)),
      );
      const sorted = (await sortSignaturesBySigner(typedData, signatures)).map((s) => s.signature);
      const bridge = { address: first.destinationBridge, abi: bridgeMinterAbi } as const;
      await confirm(
        destination,
        destination.deployer.writeContract({
          ...bridge,
          functionName: "submitRoot",
          args: [rootAttestationArgument(attestation), sorted],
        }),
      );
      const { proof, proofFlags } = multiProofOf({ messageIds: ids, tree }, ids);
      const receipt = await confirm(
        destination,
        destination.deployer.writeContract({
          ...bridge,
          functionName: "mintBatchWithProof",
          args: [ordered, tree.root, proof, proofFlags],
        }),
      );
      return { root: tree.root, tx: receipt.transactionHash };
    },
    tick(ms = 500) {
      ticker ??= setInterval(() => {
        for (const c of chains) c.testClient.mine({ blocks: 1 }).catch(() => undefined);
      }, ms);
    },
    async finalize() {
      await Promise.all(chains.map((c) => c.testClient.mine({ blocks: 35, interval: 0 })));
    },
    async stop() {
      if (ticker) clearInterval(ticker);
      await Promise.all(chains.map((c) => c.anvil.stop()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
