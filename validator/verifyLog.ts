import { type Address, erc20Abi, type Hex, type PublicClient, parseEventLogs, zeroAddress } from "viem";
import { bridgeMinterAbi } from "../contracts/generated/BridgeMinter.js";
import type { OutboundLog } from "../lib/attestationApi.js";
import {
  type BridgeMessage,
  messageFromBurnedLog,
  messageFromLockedLog,
  messageId,
} from "../lib/bridge/message.js";
import type { ChainDeployment, Deployment } from "../lib/deployments.js";
import { BridgeError } from "../lib/errors.js";

/** The log changed under us (reorg deeper than the finality rule, or an RPC serving a fork): rescan. */
export class NotCanonicalError extends BridgeError {}

export type VerifiedMessage = { id: Hex; message: BridgeMessage; blockTimestamp: bigint };
export type Rejection = { rejected: string };

/**
 * Decides whether a finalized outbound log may be signed. Re-reads the transaction receipt and the
 * block at the log's height: both must still carry the log's block hash (it is canonical), the
 * transaction must have succeeded, and the custody side must have moved the tokens in that same
 * transaction (ERC-20 Transfer into the vault for a lock; the wrapped token burned for a burn). A
 * validator that only trusted the event would sign for any contract that emits a look-alike.
 *
 * Returns a rejection (never sign) for a log that is final but wrong, and throws NotCanonicalError for
 * one that may still turn out right after a rescan.
 */
export async function verifyOutboundLog(parameters: {
  client: PublicClient;
  deployment: Deployment;
  chain: ChainDeployment;
  log: OutboundLog;
  /** Transfer logs already matched to earlier messages of the same transaction (log indexes). */
  usedTransfers: Set<string>;
  /** Shared receipt and block reads when a whole range of logs is verified at once. */
  reads?: SourceReads;
}): Promise<VerifiedMessage | Rejection> {
  const { client, deployment, chain, log } = parameters;
  if (log.address.toLowerCase() !== chain.bridge.address.toLowerCase())
    return { rejected: "log not from the bridge" };
  const isLock = log.eventName === "Locked";
  if (isLock !== (chain.role === "home")) return { rejected: `${log.eventName} on a ${chain.role} chain` };

  const build = isLock ? messageFromLockedLog : messageFromBurnedLog;
  const message = build({ log: { address: log.address, args: log.args }, sourceChainId: chain.chainId });
  const id = messageId(message);
  if (id !== log.args.messageId) return { rejected: "event message id does not match its fields" };

  const destination = deployment.chains.find((c) => BigInt(c.chainId) === message.destinationChainId);
  if (!destination) return { rejected: `unknown destination chain ${message.destinationChainId}` };
  if (destination.bridge.address.toLowerCase() !== message.destinationBridge.toLowerCase()) {
    return { rejected: "destination bridge is not the deployed one" };
  }

  const reads = parameters.reads ?? sourceReads(client);
  const [receipt, block] = await Promise.all([
    reads.receipt(log.transactionHash),
    reads.block(log.blockNumber),
  ]);
  if (receipt.blockHash !== log.blockHash || block.hash !== log.blockHash) {
    throw new NotCanonicalError(`Log of ${id} is no longer in block ${log.blockHash}.`);
  }
  if (receipt.status !== "success") return { rejected: "transaction reverted" };

  const custodyToken: Address = isLock
    ? message.token
    : await client.readContract({
        address: chain.bridge.address,
        abi: bridgeMinterAbi,
        functionName: "wrappedTokenOf",
        args: [message.token],
        blockNumber: log.blockNumber,
      });
  const expectedTo = isLock ? chain.bridge.address : zeroAddress;
  const expectedFrom = isLock ? undefined : message.sender;
  const transfers = parseEventLogs({
    abi: erc20Abi,
    eventName: "Transfer",
    logs: receipt.logs,
    strict: true,
  });
  const match = transfers.find(
    (t) =>
      !parameters.usedTransfers.has(`${t.transactionHash}:${t.logIndex}`) &&
      t.address.toLowerCase() === custodyToken.toLowerCase() &&
      t.args.to.toLowerCase() === expectedTo.toLowerCase() &&
      (expectedFrom === undefined || t.args.from.toLowerCase() === expectedFrom.toLowerCase()) &&
      t.args.value === message.amount,
  );
  if (!match)
    return { rejected: isLock ? "vault did not receive the tokens" : "wrapped tokens were not burned" };
  parameters.usedTransfers.add(`${match.transactionHash}:${match.logIndex}`);
  return { id, message, blockTimestamp: block.timestamp };
}

type Receipt = Awaited<ReturnType<PublicClient["getTransactionReceipt"]>>;
type Block = Awaited<ReturnType<PublicClient["getBlock"]>>;

/** Memoized receipt and block reads: one request per transaction and per block, however many logs. */
export type SourceReads = { receipt(hash: Hex): Promise<Receipt>; block(number: bigint): Promise<Block> };

export function sourceReads(client: PublicClient): SourceReads {
  const receipts = new Map<Hex, Promise<Receipt>>();
  const blocks = new Map<bigint, Promise<Block>>();
  return {
    receipt(hash) {
      let read = receipts.get(hash);
      if (!read) {
        read = client.getTransactionReceipt({ hash });
        receipts.set(hash, read);
      }
      return read;
    },
    block(number) {
      let read = blocks.get(number);
      if (!read) {
        read = client.getBlock({ blockNumber: number });
        blocks.set(number, read);
      }
      return read;
    },
  };
}
