import type { Abi, Address, TransactionReceipt } from "viem";
import type { Clients } from "./system.js";

export type TransactRequest = { address: Address; abi: Abi; functionName: string; args?: readonly unknown[] };

/**
 * Sends a contract call with a gas margin and waits for a successful receipt.
 *
 * Why the margin: a call estimated in one second and mined in the next can take a more expensive path
 * (interest indexes and rate-limit buckets update with the block timestamp), and an exact estimate then
 * runs out of gas under load. Estimation also surfaces a revert, with its decoded custom error, before
 * anything is sent.
 */
export async function transact(
  clients: Clients,
  request: TransactRequest,
  what: string,
): Promise<TransactionReceipt> {
  const { publicClient, walletClient } = clients;
  const estimate = await publicClient.estimateContractGas({
    ...request,
    account: walletClient.account,
  } as never);
  const hash = await walletClient.writeContract({
    ...request,
    gas: (estimate * 13n) / 10n + 50_000n,
    chain: walletClient.chain,
    account: walletClient.account,
  } as never);
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`${what} reverted (${hash})`);
  return receipt;
}
