import {
  type Address,
  type Hex,
  type PublicClient,
  parseEventLogs,
  TransactionNotFoundError,
  TransactionReceiptNotFoundError,
} from "viem";
import { outboundEvents } from "../lib/attestationApi.js";
import type { FinalityRule } from "../lib/networks.js";

/** The stuck reason of a message whose Locked/Burned log a reorg removed after the relayer saw it. */
export const REORGED_OUT_REASON = "source log no longer canonical (reorged out)";

export type SourceLogState =
  /** The log is in a canonical block at or below the source chain's finality point. */
  | { state: "final"; blockHash: Hex; blockNumber: bigint }
  /** Too early to tell (not final yet, or the transaction is back in the mempool after a reorg). */
  | { state: "pending" }
  /** The chain is final past the log's block and no canonical block holds the log. */
  | { state: "reorged"; detail: string };

/** The highest block the chain's finality rule treats as final. */
export async function finalizedBlockNumber(
  client: PublicClient,
  finality: FinalityRule,
  head?: bigint,
  /** How stale a head read may be (viem's block-number cache), in milliseconds. */
  cacheTime = 0,
): Promise<bigint> {
  if (finality.kind === "tag") return (await client.getBlock({ blockTag: finality.tag })).number;
  const latest = head ?? (await client.getBlockNumber({ cacheTime }));
  return latest - BigInt(finality.blocks);
}

/**
 * Re-checks a message's source log by transaction hash and block hash: the receipt must still carry
 * the Locked/Burned log with this message id, and its block hash must be the canonical block at that
 * height. Only when the chain is final past the block the relayer first saw is a missing log a verdict.
 *
 * @example
 * const check = await checkSourceLog({ client, finality, bridge, id, txHash, block: 120n });
 * if (check.state === "reorged") markDead(REORGED_OUT_REASON);
 */
export async function checkSourceLog(parameters: {
  client: PublicClient;
  finality: FinalityRule;
  bridge: Address;
  id: Hex;
  txHash: Hex;
  /** The block the log was first seen in. */
  block: bigint;
}): Promise<SourceLogState> {
  const { client, id } = parameters;
  const finalized = await finalizedBlockNumber(client, parameters.finality);
  if (parameters.block > finalized) return { state: "pending" };
  // Only the node's "not found" answers mean the transaction left the chain. Any other failure (a
  // timeout, a 5xx, a truncated response) says nothing about the log: it is thrown, so the job retries,
  // instead of being read as a reorg and failing a canonical message for good.
  const receipt = await client
    .getTransactionReceipt({ hash: parameters.txHash })
    .catch(undefinedIf(TransactionReceiptNotFoundError));
  if (!receipt) {
    const pending = await client
      .getTransaction({ hash: parameters.txHash })
      .catch(undefinedIf(TransactionNotFoundError));
    if (pending && pending.blockNumber === null) return { state: "pending" };
    return { state: "reorged", detail: `transaction ${parameters.txHash} is no longer on chain` };
  }
  if (receipt.blockNumber > finalized) return { state: "pending" };
  const canonical = await client.getBlock({ blockNumber: receipt.blockNumber });
  if (canonical.hash !== receipt.blockHash) {
    return {
      state: "reorged",
      detail: `block ${receipt.blockHash} of transaction ${parameters.txHash} is not canonical`,
    };
  }
  const carries = parseEventLogs({ abi: outboundEvents, logs: receipt.logs, strict: true }).some(
    (log) =>
      log.address.toLowerCase() === parameters.bridge.toLowerCase() &&
      log.args.messageId.toLowerCase() === id.toLowerCase(),
  );
  if (!carries)
    return { state: "reorged", detail: `transaction ${parameters.txHash} no longer emits message ${id}` };
  return { state: "final", blockHash: receipt.blockHash, blockNumber: receipt.blockNumber };
}

/** A promise rejection handler that turns errors of one class into undefined and rethrows the rest. */
function undefinedIf(errorClass: new (...args: never[]) => Error) {
  return (error: unknown): undefined => {
    if (error instanceof errorClass) return undefined;
    throw error;
  };
}
