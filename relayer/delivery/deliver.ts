import { DelayedError, type Job, UnrecoverableError } from "bullmq";
import { parseEventLogs } from "viem";
import { bridgeMinterAbi } from "../../contracts/generated/BridgeMinter.js";
import { bridgeVaultAbi } from "../../contracts/generated/BridgeVault.js";
import { describeSignatures, deserializeMessage } from "../../lib/attestationApi.js";
import { collectRootQuorum, fetchRootAttestations, waitingForRootReason } from "../../lib/rootApi.js";
import { setStatus } from "../db.js";
import { FinalityClock } from "../finalityClock.js";
import { checkSourceLog, finalizedBlockNumber, REORGED_OUT_REASON } from "../sourceLog.js";
import { steppedBackoff } from "./backoff.js";
import { isDelivered, rateLimitClearsAt, validatorSetsOf } from "./destinationReads.js";
import { classifyRevert } from "./failures.js";
import { withGasMargin } from "./gasPolicy.js";
import { pendingAttempt, waitForAny } from "./receipts.js";
import { markDelivered, recordOutcome } from "./records.js";
import { ensureRootStored } from "./rootSubmission.js";
import { observeStage } from "./stages.js";
import { estimateProofCall } from "./transaction.js";
import type { DeliveryContext, DeliveryJobData } from "./types.js";

/** Block times measured per source chain, shared by every delivery job of this process. */
const finalityClock = new FinalityClock();

/** Why a submission cannot go ahead now, with when to look again. */
type Wait = {
  status: "awaiting_signatures" | "stuck";
  reason: string;
  retryInMs: number;
  signatures?: number;
  threshold?: number;
};

/**
 * Delivers one message: skips it if the destination's nonce bitmap says it was delivered, collects a
 * quorum of validator signatures over the root covering it, has that root stored once (submitRoot),
 * checks pause, rate limit and gas funds by simulating its proof delivery, then hands it to the
 * batcher (one multiproof transaction per root and block) and
 * follows the transaction (replacing it with higher fees if it sits unmined). Every wait is recorded
 * with a reason a person can act on and re-scheduled through BullMQ's delayed set, so nothing blocks
 * a worker slot while waiting.
 */
export async function deliver(
  context: DeliveryContext,
  job: Job<DeliveryJobData>,
  token?: string,
): Promise<void> {
  const { id } = job.data;
  const message = deserializeMessage(job.data.message);
  const destination = context.destinations.get(Number(message.destinationChainId));
  if (!destination)
    throw new UnrecoverableError(`no RPC configured for destination chain ${message.destinationChainId}`);
  const log = context.log.child({ id, destination: destination.chainId });

  const wait = async (w: Wait): Promise<never> => {
    // Polling jobs repeat the same wait many times: write the database only when it changes.
    const recorded = `${w.status}|${w.reason}|${w.signatures ?? ""}|${w.threshold ?? ""}`;
    if (recorded !== job.data.recorded) {
      await setStatus(context.store, id, w.status, {
        reason: w.reason,
        signatures: w.signatures,
        threshold: w.threshold,
      });
    }
    await job.updateData({ ...job.data, waits: (job.data.waits ?? 0) + 1, recorded });
    await job.moveToDelayed(Date.now() + w.retryInMs, token);
    throw new DelayedError();
  };
  const waits = job.data.waits ?? 0;
  const backoff = () =>
    waits < context.timing.fastPolls
      ? context.timing.signaturePollMs
      : steppedBackoff(waits - context.timing.fastPolls, context.timing.backoffScale);

  await observeStage(context, job, "observed", job.timestamp);
  if (await isDelivered(destination, message)) return markDelivered(context, destination, id, log);
  // A transaction from an earlier run (this relayer before a crash, or before a replacement) may still
  // be pending: wait for it rather than spend gas on a duplicate.
  const earlier = await pendingAttempt(context, destination, id);
  if (earlier) {
    const mined = await waitForAny(destination.client, [earlier], context.timing.receiptTimeoutMs);
    if (mined?.status === "success") return markDelivered(context, destination, id, log);
  }

  // Validators sign only final logs: asking them earlier is wasted load on them and on us.
  const source = context.destinations.get(Number(message.sourceChainId));
  if (source) {
    const finalized = await finalizedBlockNumber(source.client, source.finality, undefined, 200);
    if (BigInt(job.data.sourceBlock) > finalized) {
      const blocksToGo = Number(BigInt(job.data.sourceBlock) - finalized);
      return wait({
        status: "awaiting_signatures",
        reason: "waiting for source finality",
        // Sleep until about when the log turns final (measured block time, bounded re-check).
        retryInMs: await finalityClock.recheckInMs({
          client: source.client,
          blocksToGo,
          profileBlockTimeMs: source.blockTimeMs,
          minMs: context.timing.signaturePollMs,
        }),
      });
    }
  }
  await observeStage(context, job, "finalized");
  const [sets, fetched] = await Promise.all([
    validatorSetsOf(destination),
    fetchRootAttestations(context.validatorUrls, id),
  ]);
  const collected = await collectRootQuorum({ id, fetched, sets });
  if (collected.valid > 0) await observeStage(context, job, "attested");
  if (!collected.ok) {
    // Validators never sign a log a reorg removed; without this check such a message would wait on
    // "0 of 4 signatures" forever.
    if (source) {
      const check = await checkSourceLog({
        client: source.client,
        finality: source.finality,
        bridge: message.sourceBridge,
        id,
        txHash: job.data.sourceTxHash,
        block: BigInt(job.data.sourceBlock),
      });
      if (check.state === "reorged") {
        log.warn({ detail: check.detail }, REORGED_OUT_REASON);
        await setStatus(context.store, id, "failed", {
          reason: REORGED_OUT_REASON,
          signatures: collected.valid,
          threshold: collected.threshold,
        });
        return;
      }
    }
    const age = Date.now() - job.timestamp;
    return wait({
      status: age > context.timing.stuckAfterMs ? "stuck" : "awaiting_signatures",
      reason:
        collected.valid === 0
          ? waitingForRootReason(message.nonce)
          : describeSignatures(collected.valid, collected.threshold),
      retryInMs: backoff(),
      signatures: collected.valid,
      threshold: collected.threshold,
    });
  }
  await observeStage(context, job, "root_quorum");
  const { quorum } = collected;

  // A simulated (or batched) proof delivery that reverts: record why it waits, or give up on it.
  const onRevert = async (error: unknown): Promise<void> => {
    const outcome = classifyRevert(error);
    if (outcome.kind === "processed") return markDelivered(context, destination, id, log);
    if (outcome.kind === "unrecoverable") throw new UnrecoverableError(outcome.reason);
    if (outcome.kind === "wait") {
      return wait({
        status: "stuck",
        reason: outcome.reason,
        retryInMs: outcome.retryInMs ?? steppedBackoff(waits, context.timing.backoffScale),
      });
    }
    if (outcome.kind === "rate-limited") {
      const until = await rateLimitClearsAt(destination, message, outcome.available);
      return wait({
        status: "stuck",
        reason: until ? `rate limited until ${until.toISOString()}` : "rate limited (no refill configured)",
        retryInMs: until
          ? Math.max(500, until.getTime() - Date.now())
          : steppedBackoff(waits, context.timing.backoffScale),
      });
    }
    throw error;
  };

  let gas: bigint;
  try {
    await ensureRootStored(context, destination, quorum, log);
    gas = await estimateProofCall(destination, quorum, id, message);
  } catch (error) {
    return onRevert(error);
  }

  const fees = await destination.client.estimateFeesPerGas();
  const gasLimit = withGasMargin(gas);
  const balance = await destination.client.getBalance({ address: destination.wallet.account.address });
  const needed = gasLimit * fees.maxFeePerGas;
  if (balance < needed) {
    return wait({
      status: "stuck",
      reason: `out of gas funds on chain ${destination.chainId} (relayer ${destination.wallet.account.address} has ${balance} wei, needs ${needed})`,
      retryInMs: steppedBackoff(Math.max(waits, 3), context.timing.backoffScale),
    });
  }

  await setStatus(context.store, id, "submitting", {
    signatures: collected.valid,
    threshold: collected.threshold,
  });
  let submitted: Awaited<ReturnType<typeof context.batcher.submit>>;
  try {
    submitted = await context.batcher.submit(
      context,
      destination,
      { id, message, quorum, gas: gasLimit },
      log,
    );
  } catch (error) {
    // The batcher hands back a message that failed even alone, with its decoded revert.
    return onRevert(error);
  }
  const { nonce, hashes } = submitted;
  await observeStage(context, job, "submitted");
  const receipt = await waitForAny(destination.client, hashes, context.timing.receiptTimeoutMs);
  if (receipt?.status === "success") {
    await recordOutcome(context, id, receipt.transactionHash, "mined");
    // A batch skips ids someone else delivered first: only our own event makes it "self".
    const ours = parseEventLogs({ abi: [...bridgeMinterAbi, ...bridgeVaultAbi], logs: receipt.logs }).some(
      (l) => (l.eventName === "Minted" || l.eventName === "Released") && l.args.messageId === id,
    );
    if (!ours) return markDelivered(context, destination, id, log);
    context.metrics.submissions.inc({ destination: String(destination.chainId), outcome: "mined" });
    await observeStage(context, job, "confirmed");
    return markDelivered(context, destination, id, log, {
      txHash: receipt.transactionHash,
      block: Number(receipt.blockNumber),
      root: quorum.attestation.root,
    });
  }
  context.metrics.submissions.inc({
    destination: String(destination.chainId),
    outcome: receipt ? "reverted" : "unmined",
  });
  if (receipt) await recordOutcome(context, id, receipt.transactionHash, "reverted");
  if (await isDelivered(destination, message)) return markDelivered(context, destination, id, log);
  // Let BullMQ retry with its backoff; the next run re-reads everything (signatures, limits, nonce).
  throw new Error(
    receipt
      ? `transaction ${receipt.transactionHash} reverted`
      : `transaction with nonce ${nonce} not mined yet`,
  );
}
