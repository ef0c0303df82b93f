import type { Hex } from "viem";
import { bridgeMinterAbi } from "../../contracts/generated/BridgeMinter.js";
import { readValidatorSets } from "../../lib/attestationApi.js";
import type { BridgeMessage } from "../../lib/bridge/message.js";
import type { DestinationChain } from "./types.js";

/** Whether the destination bridge already processed message `id` (by us or anyone). */
export async function isProcessed(destination: DestinationChain, id: Hex): Promise<boolean> {
  return destination.client.readContract({
    address: destination.deployment.bridge.address,
    abi: bridgeMinterAbi,
    functionName: "processed",
    args: [id],
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
