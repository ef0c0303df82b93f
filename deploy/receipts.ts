import { type Address, getAddress, type Hash, type PublicClient } from "viem";
import { BridgeError } from "../lib/errors.js";

/** A deployment transaction or configuration call that reverted or created no contract. */
export class DeployError extends BridgeError {}

/** An address plus the block it was deployed in (where an indexer starts). */
export type DeployedContract = { address: Address; startBlock: number };

/** Waits for a transaction and throws `DeployError` naming `what` when it reverted. */
export async function confirmDeployStep(publicClient: PublicClient, hash: Hash, what: string) {
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") {
    throw new DeployError(`${what} failed`, { details: `transaction ${hash} reverted` });
  }
  return receipt;
}

/** Waits for a contract creation and returns its address and block. */
export async function deployedContract(
  publicClient: PublicClient,
  hash: Hash,
  what: string,
): Promise<DeployedContract> {
  const receipt = await confirmDeployStep(publicClient, hash, `deploying ${what}`);
  if (!receipt.contractAddress) {
    throw new DeployError(`deploying ${what} created no contract`, { details: `transaction ${hash}` });
  }
  return { address: getAddress(receipt.contractAddress), startBlock: Number(receipt.blockNumber) };
}
