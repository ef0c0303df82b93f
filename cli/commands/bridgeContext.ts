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
import { type OutboundLog, outboundEvents } from "../../lib/attestationApi.js";
import { type ChainDeployment, type Deployment, readDeployment } from "../../lib/deployments.js";
import { devnetKeys } from "../../lib/devnet/accounts.js";
import { devnetServiceUrls } from "../../lib/devnet/ports.js";
import { BridgeError } from "../../lib/errors.js";
import { httpWithGasMargin } from "../../lib/gasMarginTransport.js";
import { getNetwork, type NetworkDefinition, resolveRpcUrl, rpcUrlVariable } from "../../lib/networks.js";

/**
 * Problems found before anything is sent, reported together: one problem is the message itself;
 * several get a count and one line each.
 */
export class InvalidInputError extends BridgeError {
  constructor(readonly problems: string[]) {
    super(problems.length === 1 ? problems[0]! : `${problems.length} problems, nothing was sent:`, {
      metaMessages: problems.length === 1 ? undefined : problems.map((p) => `- ${p}`),
    });
  }
}

export type ChainHandle = {
  deployment: ChainDeployment;
  network: NetworkDefinition;
  rpcUrl: string;
  /** The environment variable that overrides rpcUrl, named in errors. */
  rpcVariable: string;
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
        rpcUrl,
        rpcVariable: rpcUrlVariable(network),
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
      if (list && list.length > 0) {
        const bad = list.filter((url) => !isHttpUrl(url));
        if (bad.length > 0)
          throw new InvalidInputError([
            `VALIDATOR_URLS has ${bad.map((u) => `"${u}"`).join(", ")}, not an http(s) URL`,
          ]);
        return list;
      }
      if (allDevnet) return devnetServiceUrls(env).validators;
      throw new InvalidInputError([
        "VALIDATOR_URLS is required outside the devnet (comma-separated validator URLs, e.g. http://validator-1:7101)",
      ]);
    },
    relayerUrl() {
      const url = env.RELAYER_URL;
      if (url) {
        if (!isHttpUrl(url)) throw new InvalidInputError([`RELAYER_URL "${url}" is not an http(s) URL`]);
        return url.replace(/\/$/, "");
      }
      if (allDevnet) return devnetServiceUrls(env).relayer;
      throw new InvalidInputError([
        "RELAYER_URL is required outside the devnet (the relayer that delivers your message, e.g. http://relayer:7200)",
      ]);
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

function isHttpUrl(value: string): boolean {
  try {
    return ["http:", "https:"].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}
