import type { Hash, PublicClient } from "viem";
import type { Wallet } from "./localChain.js";

export type { Wallet } from "./localChain.js";

type WriteParameters = Parameters<Wallet["writeContract"]>[0];

/**
 * Sends a contract call from `wallet`, waits for it and fails loudly if it reverted. The estimate (which
 * also surfaces a revert with its decoded Aave error) gets a margin: a transaction mined one second later
 * than estimated accrues interest on more reserves and can take a costlier path.
 */
export async function send(
  fixture: { publicClient: PublicClient },
  wallet: Wallet,
  // biome-ignore lint/suspicious/noExplicitAny: viem's generic write parameters, checked at the call site's abi
  call: Omit<WriteParameters, "chain" | "account"> & { args?: readonly any[] },
) {
  const estimate = await fixture.publicClient.estimateContractGas({
    ...(call as WriteParameters),
    account: wallet.account,
  } as Parameters<PublicClient["estimateContractGas"]>[0]);
  const hash: Hash = await wallet.writeContract({
    ...call,
    gas: (estimate * 13n) / 10n + 50_000n,
  } as WriteParameters);
  const receipt = await fixture.publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") {
    // The estimate passed a moment earlier; the mined block is later, so interest accrued and a call at
    // the edge of a rule (a borrow up to the health-factor limit) can fail. Replay it in the mined block
    // to name the rule; without a reason the revert stays unexplained and fails loudly.
    let reason: string | undefined;
    try {
      await fixture.publicClient.simulateContract({
        ...(call as WriteParameters),
        account: wallet.account,
        blockNumber: receipt.blockNumber,
      } as Parameters<PublicClient["simulateContract"]>[0]);
    } catch (error) {
      reason = revertReason(error);
    }
    throw new TransactionRevertedError(hash, reason);
  }
  return receipt;
}

/** A mined transaction that reverted; `reason` is the rule that rejected it, when a replay names it. */
export class TransactionRevertedError extends Error {
  constructor(
    readonly hash: Hash,
    readonly reason: string | undefined,
  ) {
    super(`transaction ${hash} reverted${reason ? ` (${reason})` : ""}`);
    this.name = "TransactionRevertedError";
  }
}

/**
 * What a failed call reverted with: the custom error name, or for Aave v3.0 (which reverts with numeric
 * string codes such as "35") the reason string. Undefined when the call succeeded; rethrows other errors.
 */
export async function revertName(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    const reason = revertReason(error);
    if (reason !== undefined) return reason;
    throw error;
  }
  return undefined;
}

/** The revert reason or custom error name inside a viem error chain, if there is one. */
export function revertReason(error: unknown): string | undefined {
  let current: unknown = error;
  while (current && typeof current === "object") {
    const data = (current as { data?: { errorName?: string; args?: unknown[] } }).data;
    if (data && typeof data === "object" && typeof data.errorName === "string") {
      return data.errorName === "Error" && typeof data.args?.[0] === "string" ? data.args[0] : data.errorName;
    }
    const reason = (current as { reason?: unknown }).reason;
    if (typeof reason === "string") return reason;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
