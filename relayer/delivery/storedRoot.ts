import { getAddress, type Hex } from "viem";
import { type OutboundLog, outboundEvents } from "../../lib/attestationApi.js";
import { messageFromBurnedLog, messageFromLockedLog, messageId } from "../../lib/bridge/message.js";
import { type FetchedRoot, type RootQuorum, treeOfIds } from "../../lib/rootApi.js";
import { storedRootRange } from "./destinationReads.js";
import type { DestinationChain } from "./types.js";

export type StoredRootQuorumParameters = {
  destination: DestinationChain;
  /** The source chain, to rebuild the root from its logs when no validator answers; optional. */
  source?: DestinationChain;
  /** A message of the group (the one the validators were asked about). */
  id: Hex;
  sourceChainId: number;
  sourceBridge: Hex;
  sourceBlock: number;
  /** What the validators answered, fewer than a quorum. */
  fetched: readonly FetchedRoot[];
};

/**
 * The root covering message `id` when the destination already stores it (another relayer submitted
 * it, or a quorum signed it before validators went away), for delivering by proof without a quorum.
 * The candidates are the trees the validators that did answer listed, and the tree of the source
 * block's outbound messages of the route rebuilt from the source chain's logs (the validators' cut
 * rule). The destination's store is the trust: a stored root was checked against a quorum when it was
 * submitted, and a tree that hashes to it has exactly its leaves, so no signature is needed here.
 * The quorum returned has no signatures: its root is never submitted again.
 */
export async function storedRootQuorum(
  parameters: StoredRootQuorumParameters,
): Promise<RootQuorum | undefined> {
  const { destination, id } = parameters;
  const candidates = new Map<string, Hex[]>();
  for (const entry of parameters.fetched) {
    if (!("root" in entry)) continue;
    const ids = entry.root.messageIds.map((m) => m.toLowerCase() as Hex);
    if (ids.includes(id.toLowerCase() as Hex)) candidates.set(entry.root.root.toLowerCase(), ids);
  }
  if (parameters.source) {
    const ids = await routeIdsOfBlock(parameters, parameters.source);
    if (ids.includes(id.toLowerCase() as Hex)) candidates.set(treeOfIds(ids).root.toLowerCase(), ids);
  }
  for (const messageIds of candidates.values()) {
    const tree = treeOfIds(messageIds);
    const range = await storedRootRange(
      destination,
      BigInt(parameters.sourceChainId),
      parameters.sourceBridge,
      tree.root,
    );
    if (range.lastNonce === 0n) continue;
    return {
      attestation: {
        sourceChainId: BigInt(parameters.sourceChainId),
        sourceBridge: getAddress(parameters.sourceBridge),
        destinationChainId: BigInt(destination.chainId),
        destinationBridge: destination.deployment.bridge.address,
        epoch: range.epoch,
        firstNonce: range.firstNonce,
        lastNonce: range.lastNonce,
        root: tree.root,
      },
      signatures: [],
      signers: [],
      messageIds,
      sourceBlock: parameters.sourceBlock,
      tree,
    };
  }
  return undefined;
}

/** Ids of the block's outbound messages to `destination`, in ascending nonce (the leaves' order). */
async function routeIdsOfBlock(
  parameters: StoredRootQuorumParameters,
  source: DestinationChain,
): Promise<Hex[]> {
  const block = BigInt(parameters.sourceBlock);
  const logs = (await source.client.getLogs({
    address: parameters.sourceBridge,
    events: outboundEvents,
    fromBlock: block,
    toBlock: block,
    strict: true,
  })) as OutboundLog[];
  const destinationBridge = parameters.destination.deployment.bridge.address.toLowerCase();
  const messages = logs
    .map((entry) => {
      const build = entry.eventName === "Locked" ? messageFromLockedLog : messageFromBurnedLog;
      const message = build({ log: entry, sourceChainId: parameters.sourceChainId });
      return { message, id: messageId(message), logged: entry.args.messageId };
    })
    .filter(
      ({ message, id, logged }) =>
        id === logged &&
        message.destinationChainId === BigInt(parameters.destination.chainId) &&
        message.destinationBridge.toLowerCase() === destinationBridge,
    );
  messages.sort((a, b) => (a.message.nonce < b.message.nonce ? -1 : 1));
  return messages.map((m) => m.id.toLowerCase() as Hex);
}
