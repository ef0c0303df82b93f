import { type Hex, isHex } from "viem";
import { bridgeMinterAbi } from "../../contracts/generated/BridgeMinter.js";
import { bridgeVaultAbi } from "../../contracts/generated/BridgeVault.js";
import { describeSignatures, readValidatorSets } from "../../lib/attestationApi.js";
import { type BridgeMessage, messageFromBurnedLog, messageFromLockedLog } from "../../lib/bridge/message.js";
import { finalityDistance, measureBlockTimeMs } from "../../lib/finality.js";
import { collectRootQuorum, fetchRootAttestations, waitingForRootReason } from "../../lib/rootApi.js";
import { toJson } from "../../lib/service/json.js";
import { type BridgeContext, bridgeContext, findSourceLog, InvalidInputError } from "./bridgeContext.js";

export type MessageProgress = {
  id: Hex;
  message: BridgeMessage;
  source: {
    network: string;
    txHash: Hex;
    block: bigint;
    confirmations: number;
    needed: number | "tag";
    /** The finality rule in words, e.g. "2 confirmations" or "the finalized head". */
    rule: string;
    /** Blocks until the source block is final (0 once final) and a time estimate from measured blocks. */
    blocksToFinal: number;
    secondsToFinal: number;
  };
  /** Valid validator signatures over the root covering the message (all of one root and epoch). */
  signatures: { valid: number; threshold: number; epoch?: bigint };
  /** The quorum-signed root covering the message, once there is one. */
  root?: { root: Hex; firstNonce: bigint; lastNonce: bigint; sourceBlock: number };
  destination: { network: string; delivered: boolean; txHash?: Hex };
  relayer?: { status: string; stuckReason: string | null };
  /** Where the message is, in words. */
  summary: string;
};

export function parseMessageId(value: string): Hex {
  if (!isHex(value) || value.length !== 66)
    throw new InvalidInputError([`"${value}" is not a message id (0x + 64 hex digits)`]);
  return value.toLowerCase() as Hex;
}

/** Reads a message's state from the chains, the validators and (if reachable) the relayer. */
export async function messageProgress(context: BridgeContext, id: Hex): Promise<MessageProgress | undefined> {
  const found = await findSourceLog(context, id);
  if (!found) return undefined;
  const { chain: source, log } = found;
  const build = log.eventName === "Locked" ? messageFromLockedLog : messageFromBurnedLog;
  const message = build({
    log: { address: log.address, args: log.args },
    sourceChainId: source.deployment.chainId,
  });
  const destination = context.chain(Number(message.destinationChainId));
  const rule = source.network.finality;
  const [head, distance, measuredMs] = await Promise.all([
    source.client.getBlockNumber({ cacheTime: 0 }),
    finalityDistance({ client: source.client, rule, block: log.blockNumber }),
    measureBlockTimeMs(source.client).catch(() => undefined),
  ]);
  const confirmations = Number(head - log.blockNumber);
  const needed = rule.kind === "confirmations" ? rule.blocks : ("tag" as const);
  const ruleWords = rule.kind === "confirmations" ? `${rule.blocks} confirmations` : `the ${rule.tag} head`;
  const secondsPerBlock = (measuredMs ?? source.network.blockTimeSeconds * 1000) / 1000;
  const secondsToFinal = Math.ceil(distance.blocksToGo * secondsPerBlock);

  const [delivered, sets, fetched] = await Promise.all([
    // The nonce bitmap: both delivery paths (per-message signatures, proof under a root) set it.
    destination.client.readContract({
      address: destination.deployment.bridge.address,
      abi: bridgeMinterAbi,
      functionName: "isNonceDelivered",
      args: [message.sourceChainId, message.sourceBridge, message.nonce],
    }),
    readValidatorSets(destination.client, destination.deployment.validatorSet.address),
    fetchRootAttestations(context.validatorUrls(), id, 1_500),
  ]);
  const quorum = await collectRootQuorum({ id, fetched, sets });
  let destinationTx: Hex | undefined;
  if (delivered) {
    const event =
      destination.deployment.role === "home"
        ? bridgeVaultAbi.find((i) => i.type === "event" && i.name === "Released")!
        : bridgeMinterAbi.find((i) => i.type === "event" && i.name === "Minted")!;
    const [parsed] = await destination.client.getLogs({
      address: destination.deployment.bridge.address,
      event,
      args: { messageId: id },
      fromBlock: BigInt(destination.deployment.bridge.startBlock),
      toBlock: "latest",
    });
    destinationTx = parsed?.transactionHash;
  }
  let relayer: MessageProgress["relayer"];
  try {
    const response = await fetch(`${context.relayerUrl()}/v1/messages/${id}`, {
      signal: AbortSignal.timeout(1_500),
    });
    if (response.ok) {
      const body = (await response.json()) as { message: { status: string; stuckReason: string | null } };
      relayer = { status: body.message.status, stuckReason: body.message.stuckReason };
    }
  } catch {
    // No relayer reachable: the chains and validators still tell most of the story.
  }

  const signatureWords = describeSignatures(quorum.valid, quorum.threshold);
  let summary: string;
  if (delivered) summary = "delivered";
  else if (distance.blocksToGo > 0)
    summary = `waiting for source finality (${ruleWords}): ${distance.blocksToGo} block${distance.blocksToGo === 1 ? "" : "s"} to go, about ${secondsToFinal} s at ${secondsPerBlock.toFixed(1)} s per block`;
  else if (quorum.valid === 0) summary = waitingForRootReason(message.nonce);
  else if (!quorum.ok) summary = `waiting for validators: ${signatureWords}`;
  // The relayer's record lags the validators by a poll: a signature-count or root reason is stale
  // once we have collected a quorum ourselves. Only a message the relayer gave up on is "stuck".
  else if (
    relayer?.stuckReason &&
    !/ of \d+ signatures$|^waiting for a root covering nonce/.test(relayer.stuckReason)
  )
    summary = `${relayer.status === "stuck" || relayer.status === "failed" ? "stuck" : "relayer waiting"}: ${relayer.stuckReason}`;
  else summary = "signed by a quorum; waiting for a relayer to submit (or run `bridge relay <id>`)";

  return {
    id,
    message,
    source: {
      network: source.deployment.network,
      txHash: log.transactionHash,
      block: log.blockNumber,
      confirmations,
      needed,
      rule: ruleWords,
      blocksToFinal: distance.blocksToGo,
      secondsToFinal,
    },
    signatures: {
      valid: quorum.valid,
      threshold: quorum.threshold,
      epoch: quorum.ok ? quorum.quorum.attestation.epoch : undefined,
    },
    root: quorum.ok
      ? {
          root: quorum.quorum.attestation.root,
          firstNonce: quorum.quorum.attestation.firstNonce,
          lastNonce: quorum.quorum.attestation.lastNonce,
          sourceBlock: quorum.quorum.sourceBlock,
        }
      : undefined,
    destination: { network: destination.deployment.network, delivered, txHash: destinationTx },
    relayer,
    summary,
  };
}

export function formatProgress(progress: MessageProgress): string {
  const { message } = progress;
  const lines = [
    `message      ${progress.id}`,
    `route        ${progress.source.network} -> ${progress.destination.network} (nonce ${message.nonce}, amount ${message.amount} of ${message.token})`,
    `source       tx ${progress.source.txHash} in block ${progress.source.block}, ${progress.source.confirmations} confirmations, ${progress.source.blocksToFinal === 0 ? `final (${progress.source.rule})` : `final in ${progress.source.blocksToFinal} blocks, about ${progress.source.secondsToFinal} s (${progress.source.rule})`}`,
    `signatures   ${progress.signatures.valid} valid, ${progress.signatures.threshold} required`,
    `root         ${progress.root ? `${progress.root.root} (nonces ${progress.root.firstNonce}..${progress.root.lastNonce}, source block ${progress.root.sourceBlock})` : "none signed by a quorum yet"}`,
    `destination  ${progress.destination.delivered ? `delivered${progress.destination.txHash ? ` in tx ${progress.destination.txHash}` : ""}` : "not delivered"}`,
  ];
  if (progress.relayer)
    lines.push(
      `relayer      ${progress.relayer.status}${progress.relayer.stuckReason ? `: ${progress.relayer.stuckReason}` : ""}`,
    );
  lines.push(`status       ${progress.summary}`);
  return lines.join("\n");
}

export async function statusCommand(
  rawId: string,
  options: { deployment?: string; json?: boolean },
): Promise<void> {
  const id = parseMessageId(rawId);
  const context = bridgeContext(options);
  const progress = await messageProgress(context, id);
  if (!progress)
    throw new InvalidInputError([
      `no Locked or Burned event with id ${id} on any chain of ${context.deployment.name}`,
    ]);
  process.stdout.write(options.json ? `${toJson(progress, 2)}\n` : `${formatProgress(progress)}\n`);
}
