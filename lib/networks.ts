import { BridgeError } from "./errors.js";

/**
 * When a validator may treat a source-chain log as final: after N confirmations on top of its block,
 * or once the block is at or below the chain's `finalized`/`safe` tag.
 */
export type FinalityRule =
  | { kind: "confirmations"; blocks: number }
  | { kind: "tag"; tag: "finalized" | "safe" };

export type NetworkDefinition = {
  /** Stable name used on the command line and in deployments files. */
  name: string;
  chainId: number;
  /** Human label for output. */
  label: string;
  /** Where the RPC URL comes from: a fixed local URL (devnet) or an environment variable (testnets). */
  rpc: { kind: "fixed"; url: string } | { kind: "env"; variable: string };
  finality: FinalityRule;
  /** Expected seconds between blocks, for latency floors and polling intervals. */
  blockTimeSeconds: number;
  /**
   * For tag rules: how long a block usually takes to fall under the tag, in seconds (the `--wait`
   * default is derived from it). Confirmation rules derive it from blocks × block time.
   */
  finalitySeconds?: number;
  testnet: boolean;
  explorer?: string;
};

/** The three local chains `npm start` runs. Distinct chain ids (Ponder requires it), 1 s blocks. */
export const devnetNetworks = [
  {
    name: "devnet-a",
    chainId: 31337,
    label: "Devnet A (home of USDC, WETH)",
    rpc: { kind: "fixed", url: "http://127.0.0.1:8545" },
    finality: { kind: "confirmations", blocks: 2 },
    blockTimeSeconds: 1,
    testnet: false,
  },
  {
    name: "devnet-b",
    chainId: 31338,
    label: "Devnet B (remote, lending protocol #1)",
    rpc: { kind: "fixed", url: "http://127.0.0.1:8546" },
    finality: { kind: "confirmations", blocks: 2 },
    blockTimeSeconds: 1,
    testnet: false,
  },
  {
    name: "devnet-c",
    chainId: 31339,
    label: "Devnet C (remote, lending protocol #2)",
    rpc: { kind: "fixed", url: "http://127.0.0.1:8547" },
    finality: { kind: "confirmations", blocks: 2 },
    blockTimeSeconds: 1,
    testnet: false,
  },
] as const satisfies readonly NetworkDefinition[];

/**
 * Public testnets. Sepolia publishes `finalized` (about 13 minutes); the OP-stack and Arbitrum
 * testnets post to Sepolia, so for them we wait for their `safe` head, which is already derived from
 * data on L1. Change a rule here and every validator follows it.
 */
export const testnetNetworks = [
  {
    name: "sepolia",
    chainId: 11155111,
    label: "Ethereum Sepolia",
    rpc: { kind: "env", variable: "SEPOLIA_RPC_URL" },
    finality: { kind: "tag", tag: "finalized" },
    blockTimeSeconds: 12,
    // Finalized two epochs after the block's epoch closes: 64 to 96 slots of 12 s, plus a margin.
    finalitySeconds: 1_260,
    testnet: true,
    explorer: "https://sepolia.etherscan.io",
  },
  {
    name: "base-sepolia",
    chainId: 84532,
    label: "Base Sepolia",
    rpc: { kind: "env", variable: "BASE_SEPOLIA_RPC_URL" },
    finality: { kind: "tag", tag: "safe" },
    blockTimeSeconds: 2,
    // The safe head follows the batches the sequencer posts to Sepolia (every few minutes).
    finalitySeconds: 900,
    testnet: true,
    explorer: "https://sepolia.basescan.org",
  },
  {
    name: "arbitrum-sepolia",
    chainId: 421614,
    label: "Arbitrum Sepolia",
    rpc: { kind: "env", variable: "ARBITRUM_SEPOLIA_RPC_URL" },
    finality: { kind: "tag", tag: "safe" },
    blockTimeSeconds: 1,
    // The safe head follows the batches posted to Sepolia; Arbitrum posts less often than OP chains.
    finalitySeconds: 1_200,
    testnet: true,
    explorer: "https://sepolia.arbiscan.io",
  },
  {
    name: "op-sepolia",
    chainId: 11155420,
    label: "OP Sepolia",
    rpc: { kind: "env", variable: "OP_SEPOLIA_RPC_URL" },
    finality: { kind: "tag", tag: "safe" },
    blockTimeSeconds: 2,
    // As Base Sepolia: the safe head follows the batches posted to Sepolia.
    finalitySeconds: 900,
    testnet: true,
    explorer: "https://sepolia-optimism.etherscan.io",
  },
] as const satisfies readonly NetworkDefinition[];

export const networks: readonly NetworkDefinition[] = [...devnetNetworks, ...testnetNetworks];

export class UnknownNetworkError extends BridgeError {
  constructor(name: string) {
    super(`Unknown network "${name}".`, {
      details: `Known networks: ${networks.map((n) => n.name).join(", ")}.`,
    });
  }
}

export class MissingRpcUrlError extends BridgeError {
  constructor(network: NetworkDefinition, variable: string) {
    super(`No RPC URL for ${network.name}: set ${variable}.`, {
      details: `Example: ${variable}=https://<provider>/<key> (any JSON-RPC endpoint for chain id ${network.chainId}).`,
    });
  }
}

/** The network with this name; throws UnknownNetworkError listing the known names otherwise. */
export function getNetwork(name: string): NetworkDefinition {
  const network = networks.find((n) => n.name === name);
  if (!network) throw new UnknownNetworkError(name);
  return network;
}

/** The network with this chain id, if any. */
export function findNetworkByChainId(chainId: number): NetworkDefinition | undefined {
  return networks.find((n) => n.chainId === chainId);
}

/**
 * The RPC URL to use for a network. `<NAME>_RPC_URL` (e.g. DEVNET_A_RPC_URL, SEPOLIA_RPC_URL) always
 * wins, so any network can be pointed elsewhere; testnets have no default.
 */
export function resolveRpcUrl(network: NetworkDefinition, env: NodeJS.ProcessEnv = process.env): string {
  const variable = rpcUrlVariable(network);
  const fromEnv = env[variable];
  if (fromEnv && fromEnv.length > 0) return fromEnv;
  if (network.rpc.kind === "fixed") return network.rpc.url;
  throw new MissingRpcUrlError(network, variable);
}

/** The environment variable that overrides a network's RPC URL. */
export function rpcUrlVariable(network: NetworkDefinition): string {
  return network.rpc.kind === "env"
    ? network.rpc.variable
    : `${network.name.toUpperCase().replace(/-/g, "_")}_RPC_URL`;
}

/** How long a block of this network usually takes to become final under its rule, in seconds. */
export function finalitySeconds(network: NetworkDefinition): number {
  if (network.finality.kind === "confirmations") return network.finality.blocks * network.blockTimeSeconds;
  return network.finalitySeconds ?? 64 * network.blockTimeSeconds;
}
