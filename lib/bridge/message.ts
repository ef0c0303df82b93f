import { type Address, encodeAbiParameters, getAddress, type Hex, keccak256 } from "viem";

/** The message format version the contracts accept (`Message.version`). */
export const MESSAGE_VERSION = 1;

/**
 * One cross-chain transfer, shaped exactly like the Solidity `Message` struct so it can be passed to
 * `mint` / `release` as is. Chain ids and the nonce are `bigint` because viem decodes `uint64` as
 * `bigint`; `version` is a `number` (`uint8`). `token` is always the home-chain token address, on every
 * leg, so one asset has one identity on every chain.
 */
export type BridgeMessage = {
  version: number;
  sourceChainId: bigint;
  destinationChainId: bigint;
  sourceBridge: Address;
  destinationBridge: Address;
  nonce: bigint;
  token: Address;
  sender: Address;
  recipient: Address;
  amount: bigint;
};

/** ABI parameters of the message, in struct order: `abi.encode(message)` in Solidity. */
export const messageAbiParameters = [
  { name: "version", type: "uint8" },
  { name: "sourceChainId", type: "uint64" },
  { name: "destinationChainId", type: "uint64" },
  { name: "sourceBridge", type: "address" },
  { name: "destinationBridge", type: "address" },
  { name: "nonce", type: "uint64" },
  { name: "token", type: "address" },
  { name: "sender", type: "address" },
  { name: "recipient", type: "address" },
  { name: "amount", type: "uint256" },
] as const;

/**
 * The message id the contracts use: keccak256 of the ABI-encoded fields.
 *
 * @example
 * const id = messageId(message); // equals the Locked/Burned event's `messageId`
 */
export function messageId(message: BridgeMessage): Hex {
  return keccak256(
    encodeAbiParameters(messageAbiParameters, [
      message.version,
      message.sourceChainId,
      message.destinationChainId,
      message.sourceBridge,
      message.destinationBridge,
      message.nonce,
      message.token,
      message.sender,
      message.recipient,
      message.amount,
    ]),
  );
}

/** The fields of a decoded `Locked` or `Burned` event that a message is built from. */
export type OutboundLogArgs = {
  token: Address;
  sender: Address;
  destinationChainId: bigint;
  destinationBridge: Address;
  nonce: bigint;
  recipient: Address;
  amount: bigint;
};

export type MessageFromLogParameters = {
  /** A decoded log: its emitting contract (the source bridge) and its arguments. */
  log: { address: Address; args: OutboundLogArgs };
  /** Chain id of the chain the log was read from. */
  sourceChainId: bigint | number;
};

function messageFromOutboundLog({ log, sourceChainId }: MessageFromLogParameters): BridgeMessage {
  return {
    version: MESSAGE_VERSION,
    sourceChainId: BigInt(sourceChainId),
    destinationChainId: log.args.destinationChainId,
    sourceBridge: getAddress(log.address),
    destinationBridge: log.args.destinationBridge,
    nonce: log.args.nonce,
    token: log.args.token,
    sender: log.args.sender,
    recipient: log.args.recipient,
    amount: log.args.amount,
  };
}

/**
 * Rebuilds the message of a vault `Locked` log (lock on the home chain, mint on a remote chain).
 *
 * @example
 * const [log] = parseEventLogs({ abi: bridgeVaultAbi, eventName: "Locked", logs: receipt.logs });
 * const message = messageFromLockedLog({ log, sourceChainId: 31337 });
 * messageId(message) === log.args.messageId; // true
 */
export function messageFromLockedLog(parameters: MessageFromLogParameters): BridgeMessage {
  return messageFromOutboundLog(parameters);
}

/**
 * Rebuilds the message of a minter `Burned` log (burn on a remote chain, release on the home chain).
 * `token` in the log is already the home token.
 *
 * @example
 * const [log] = parseEventLogs({ abi: bridgeMinterAbi, eventName: "Burned", logs: receipt.logs });
 * const message = messageFromBurnedLog({ log, sourceChainId: 31338 });
 */
export function messageFromBurnedLog(parameters: MessageFromLogParameters): BridgeMessage {
  return messageFromOutboundLog(parameters);
}
