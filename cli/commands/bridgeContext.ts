import { resolve } from "node:path";
import {
  type Account,
  type Chain,
  createPublicClient,
  createWalletClient,
  defineChain,
  type Hex,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { devnetKeys } from "../../lib/devnet/accounts.js";
import { type OutboundLog, outboundEvents } from "../../lib/attestationApi.js";
import { type ChainDeployment, type Deployment, readDeployment } from "../../lib/deployments.js";
import { BridgeError } from "../../lib/errors.js";
import { httpWithGasMargin } from "../../lib/gasMarginTransport.js";
import { getNetwork, type NetworkDefinition, resolveRpcUrl } from "../../lib/networks.js";

/** Bad command-line input: reported before anything is sent. */
export class InvalidInputError extends BridgeError {
  constructor(readonly problems: string[]) {
    super(
      problems.length === 1 ? problems[0]! : `Invalid input:\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    );
  }
}

export type ChainHandle = {
  deployment: ChainDeployment;
  network: NetworkDefinition;
  client: PublicClient;
  wallet(account: Account): WalletClient<Transport, Chain, Account>;
};

/** What every bridge command shares: the deployments file, RPC clients by network, keys, service URLs. */
export type BridgeContext = {
  deployment: Deployment;
  chain(nameOrId: string | number): ChainHandle;
  account(): Account;
  validatorUrls(): string[];
  relayerUrl(): string;
};

export const DEFAULT_DEVNET_VALIDATOR_URLS = [7101, 7102, 7103, 7104, 7105].map(
  (port) => `http://127.0.0.1:${port}`,
);

export function bridgeContext(
  options: { deployment?: string },
  env: NodeJS.ProcessEnv = process.env,
): BridgeContext {
  const deployment = readDeployment(
    resolve(options.deployment ?? env.DEPLOYMENT_FILE ?? "deployments/devnet.json"),
  );
  const handles = new Map<number, ChainHandle>();
  const allDevnet = deployment.chains.every((c) => c.network.startsWith("devnet"));
  return {
    deployment,
    chain(nameOrId) {
      const entry = deployment.chains.find(
        (c) => c.network === nameOrId || String(c.chainId) === String(nameOrId),
      );
      if (!entry) {
        throw new InvalidInputError([
          `unknown chain "${nameOrId}": this deployment has ${deployment.chains.map((c) => c.network).join(", ")}`,
        ]);
      }
      const cached = handles.get(entry.chainId);
      if (cached) return cached;
      const network = getNetwork(entry.network);
      const rpcUrl = resolveRpcUrl(network, env);
      const chain = defineChain({
        id: entry.chainId,
        name: network.label,
        nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
        rpcUrls: { default: { http: [rpcUrl] } },
      });
      const transport = httpWithGasMargin(rpcUrl, { retryCount: 3 });
      const handle: ChainHandle = {
        deployment: entry,
        network,
        client: createPublicClient({ chain, transport, pollingInterval: 250 }) as PublicClient,
        wallet: (account) => createWalletClient({ account, chain, transport }),
      };
      handles.set(entry.chainId, handle);
      return handle;
    },
    account() {
      const key = env.BRIDGE_PRIVATE_KEY;
      if (key) {
        if (!/^0x[0-9a-fA-F]{64}$/.test(key))
          throw new InvalidInputError(["BRIDGE_PRIVATE_KEY must be a 0x-prefixed 32-byte hex key"]);
        return privateKeyToAccount(key as Hex);
      }
      if (allDevnet) return privateKeyToAccount(devnetKeys.users[0]);
      throw new InvalidInputError([
        "BRIDGE_PRIVATE_KEY is required outside the devnet (it signs and pays for your transactions)",
      ]);
    },
    validatorUrls() {
      const list = env.VALIDATOR_URLS?.split(",")
        .map((s) => s.trim())
        .filter(Boolean);
      if (list && list.length > 0) return list;
      if (allDevnet) return DEFAULT_DEVNET_VALIDATOR_URLS;
      throw new InvalidInputError([
        "VALIDATOR_URLS is required outside the devnet (comma-separated validator URLs)",
      ]);
    },
    relayerUrl() {
      return env.RELAYER_URL ?? "http://127.0.0.1:7200";
    },
  };
}

/** The Locked/Burned log of a message, searched on every chain of the deployment by its indexed id. */
export async function findSourceLog(
  context: BridgeContext,
  id: Hex,
): Promise<{ chain: ChainHandle; log: OutboundLog } | undefined> {
  for (const entry of context.deployment.chains) {
    const chain = context.chain(entry.chainId);
    const logs = (await chain.client.getLogs({
      address: entry.bridge.address,
      // Vaults emit Locked, minters Burned; the id is an indexed topic, so the node filters for us.
      event: outboundEvents[entry.role === "home" ? 0 : 1],
      args: { messageId: id },
      fromBlock: BigInt(entry.bridge.startBlock),
      toBlock: "latest",
      strict: true,
    })) as OutboundLog[];
    const log = logs.find((l) => l.args.messageId.toLowerCase() === id.toLowerCase());
    if (log) return { chain, log };
  }
  return undefined;
}
