import { type Address, getAddress, type Hex, isAddress } from "viem";
import { privateKeyToAddress } from "viem/accounts";
import { DEVNET_VALIDATOR_THRESHOLD, devnetKeys } from "../lib/devnet/accounts.js";
import { ConfigError } from "../lib/env.js";
import { getNetwork, type NetworkDefinition, resolveRpcUrl, rpcUrlVariable } from "../lib/networks.js";
import { probeChain } from "../lib/rpc.js";

export type DeployTarget = { network: NetworkDefinition; rpcUrl: string; role: "home" | "remote" };

export type DeployPlan = {
  name: string;
  targets: DeployTarget[];
  deployerKey: Hex;
  validators: { addresses: Address[]; threshold: number };
};

export type PlanDeploymentParameters = {
  /** Network names; the first is the home chain of the test tokens, the rest are remote. */
  networks: string[];
  name?: string;
  /** Comma-separated validator addresses; defaults to the devnet validators on devnet networks. */
  validators?: string;
  threshold?: number;
  env?: NodeJS.ProcessEnv;
};

/**
 * Turns command-line choices and the environment into a checked deployment plan: every network known,
 * every RPC reachable and serving the right chain id, a deployer key and a validator set. All
 * configuration problems are reported together; RPC problems are checked after, one per network.
 */
export async function planDeployment(parameters: PlanDeploymentParameters): Promise<DeployPlan> {
  const env = parameters.env ?? process.env;
  const problems: string[] = [];
  if (parameters.networks.length === 0) problems.push("--network: give at least one network");

  const resolved: { network: NetworkDefinition; rpcUrl: string }[] = [];
  for (const name of parameters.networks) {
    try {
      const network = getNetwork(name);
      resolved.push({ network, rpcUrl: resolveRpcUrl(network, env) });
    } catch (error) {
      problems.push(error instanceof Error ? error.message.replace(/\n+Details: /, " ") : String(error));
    }
  }
  const names = new Set(parameters.networks);
  if (names.size !== parameters.networks.length) problems.push("--network: a network is listed twice");

  const allDevnet = resolved.length > 0 && resolved.every((r) => !r.network.testnet);
  const keyFromEnv = env.DEPLOYER_PRIVATE_KEY;
  let deployerKey: Hex | undefined;
  if (keyFromEnv) {
    if (/^0x[0-9a-fA-F]{64}$/.test(keyFromEnv)) deployerKey = keyFromEnv as Hex;
    else problems.push("DEPLOYER_PRIVATE_KEY: must be a 0x-prefixed 32-byte hex private key");
  } else if (allDevnet) {
    deployerKey = devnetKeys.deployer;
  } else {
    problems.push("DEPLOYER_PRIVATE_KEY: required to deploy to a public network (the deployer pays gas)");
  }

  let validatorAddresses: Address[] = [];
  const validatorList = parameters.validators ?? env.VALIDATOR_ADDRESSES;
  if (validatorList) {
    for (const entry of validatorList.split(",").map((s) => s.trim())) {
      if (isAddress(entry, { strict: false })) validatorAddresses.push(getAddress(entry));
      else problems.push(`--validators: "${entry}" is not an address`);
    }
  } else if (allDevnet) {
    validatorAddresses = devnetKeys.validators.map((key) => privateKeyToAddress(key));
  } else {
    problems.push("--validators (or VALIDATOR_ADDRESSES): required on public networks, e.g. 0xabc…,0xdef…");
  }
  validatorAddresses.sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
  const n = validatorAddresses.length;
  const threshold =
    parameters.threshold ?? (validatorList ? Math.floor((2 * n) / 3) + 1 : DEVNET_VALIDATOR_THRESHOLD);
  if (n > 0 && (threshold > n || threshold * 3 <= 2 * n)) {
    problems.push(`--threshold: ${threshold} of ${n} is not allowed; it must be above 2n/3 and at most n`);
  }

  if (problems.length > 0) throw new ConfigError(problems);

  for (const target of resolved) {
    await probeChain({
      rpcUrl: target.rpcUrl,
      expectedChainId: target.network.chainId,
      label: target.network.name,
      variable: rpcUrlVariable(target.network),
    });
  }

  return {
    name: parameters.name ?? (allDevnet ? "devnet" : resolved.map((r) => r.network.name).join("+")),
    targets: resolved.map((r, index) => ({ ...r, role: index === 0 ? "home" : "remote" })),
    deployerKey: deployerKey as Hex,
    validators: { addresses: validatorAddresses, threshold },
  };
}
