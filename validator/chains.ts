import { createPublicClient, http, type PublicClient } from "viem";
import { validatorSetAbi } from "../contracts/generated/ValidatorSet.js";
import type { ChainDeployment, Deployment } from "../lib/deployments.js";
import { BridgeError } from "../lib/errors.js";

export type ValidatorChains = {
  clientOf(chainId: number): PublicClient;
  chainOf(chainId: number): ChainDeployment;
  /** The current epoch of each chain's ValidatorSet, as last read (scans refresh it). */
  epochs: Map<number, bigint>;
  /** The destination's current epoch: the last one read, else read now. */
  destinationEpoch(chainId: number): Promise<bigint>;
};

/** RPC clients and deployment entries of the chains a validator watches, by chain id. */
export function validatorChains(
  deployment: Deployment,
  chains: readonly { chainId: number; rpcUrl: string }[],
): ValidatorChains {
  const clients = new Map<number, PublicClient>(
    chains.map((c) => [
      c.chainId,
      createPublicClient({ transport: http(c.rpcUrl, { timeout: 10_000, retryCount: 2, retryDelay: 200 }) }),
    ]),
  );
  const clientOf = (chainId: number): PublicClient => {
    const client = clients.get(chainId);
    if (!client) throw new BridgeError(`Validator has no RPC for chain ${chainId}.`);
    return client;
  };
  const chainOf = (chainId: number): ChainDeployment => {
    const chain = deployment.chains.find((c) => c.chainId === chainId);
    if (!chain) throw new BridgeError(`Chain ${chainId} is not in deployment ${deployment.name}.`);
    return chain;
  };
  const epochs = new Map<number, bigint>();
  return {
    clientOf,
    chainOf,
    epochs,
    async destinationEpoch(chainId) {
      const known = epochs.get(chainId);
      if (known !== undefined) return known;
      const epoch = await clientOf(chainId).readContract({
        address: chainOf(chainId).validatorSet.address,
        abi: validatorSetAbi,
        functionName: "epoch",
      });
      epochs.set(chainId, epoch);
      return epoch;
    },
  };
}
