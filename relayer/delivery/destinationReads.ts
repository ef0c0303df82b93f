import type { Hex } from "viem";
import { bridgeMinterAbi } from "../../contracts/generated/BridgeMinter.js";
import { readValidatorSets } from "../../lib/attestationApi.js";
import type { BridgeMessage } from "../../lib/bridge/message.js";
import type { DestinationChain } from "./types.js";

/**
 * Whether the destination delivered `message` (by us or anyone, by either path): the nonce bitmap is
 * the one record both the per-message and the root path set, so it is the truth for exactly-once.
 */
export async function isDelivered(destination: DestinationChain, message: BridgeMessage): Promise<boolean> {
  return destination.client.readContract({
    address: destination.deployment.bridge.address,
    abi: bridgeMinterAbi,
    functionName: "isNonceDelivered",
    args: [message.sourceChainId, message.sourceBridge, message.nonce],
  });
}

/** The range a root is stored with on the destination and its epoch; lastNonce 0 when not stored. */
export async function storedRootRange(
  destination: DestinationChain,
  sourceChainId: bigint,
  sourceBridge: Hex,
  root: Hex,
): Promise<{ firstNonce: bigint; lastNonce: bigint; epoch: bigint }> {
  return destination.client.readContract({
    address: destination.deployment.bridge.address,
    abi: bridgeMinterAbi,
    functionName: "rootRange",
    args: [sourceChainId, sourceBridge, root],
  });
}

/** When the inbound bucket will hold `message.amount`, from its refill rate (chain time ~ wall time). */
export async function rateLimitClearsAt(
  destination: DestinationChain,
  message: BridgeMessage,
  available: bigint,
): Promise<Date | undefined> {
  const [, refillPerSecond] = await destination.client.readContract({
    address: destination.deployment.bridge.address,
    abi: bridgeMinterAbi,
    functionName: "rateLimitOf",
    args: [message.sourceChainId, message.token, 1],
  });
  if (refillPerSecond === 0n) return undefined;
  const seconds = (message.amount - available + refillPerSecond - 1n) / refillPerSecond;
  return new Date(Date.now() + Number(seconds) * 1000 + 1000);
}

const setReads = new WeakMap<DestinationChain, { at: number; sets: ReturnType<typeof readValidatorSets> }>();

/**
 * The destination's accepted validator sets, read at most once a second per destination: every ready
 * message needs them, and a rotation seen a second late only costs a retry (EpochExpired/UnknownEpoch
 * make the job collect again).
 */
export function validatorSetsOf(destination: DestinationChain): ReturnType<typeof readValidatorSets> {
  const cached = setReads.get(destination);
  if (cached && Date.now() - cached.at < 1_000) return cached.sets;
  const sets = readValidatorSets(destination.client, destination.deployment.validatorSet.address);
  setReads.set(destination, { at: Date.now(), sets });
  sets.catch(() => setReads.delete(destination));
  return sets;
}
