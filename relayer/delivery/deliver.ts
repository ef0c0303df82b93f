import { DelayedError, type Job, UnrecoverableError } from "bullmq";
import { eq } from "drizzle-orm";
import { deserializeMessage } from "../../lib/attestationApi.js";
import { REORGED_OUT_REASON } from "../sourceLog.js";
import { isDelivered } from "./destinationReads.js";
import { pendingAttempt, waitForAny } from "./receipts.js";
import { markDelivered } from "./records.js";
import { observeStage } from "./stages.js";
import type { DeliveryContext, DeliveryJobData } from "./types.js";

/**
 * The delivery job of one message. It settles what it can at once (delivered already, rejected for
 * good, reorged out, an earlier transaction still pending) and otherwise hands the message to the root
 * pipeline (pipeline.ts), which waits for finality and the root, and delivers the whole root's messages
 * in batches. The job itself goes back to BullMQ's delayed set, holding no worker slot: the pipeline
 * wakes it when it settled the message, and otherwise it looks again after `holdMs` (so a message whose
 * relayer died is taken by another one, once the dead relayer's claim on the root has lapsed).
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

  const hold = async (leaseLapsesInMs?: number): Promise<never> => {
    await job.moveToDelayed(Date.now() + holdDelayMs(context.holdMs, leaseLapsesInMs), token);
    throw new DelayedError();
  };
  if (context.pipeline.holds(id)) return hold();

  await observeStage(context, job, "observed", job.timestamp);
  const { db, tables } = context.store;
  const [row] = await db
    .select({ status: tables.messages.status, reason: tables.messages.stuckReason })
    .from(tables.messages)
    .where(eq(tables.messages.id, id));
  // A reorged-out message is settled before the destination is asked: its nonce may have been reused
  // by a later lock, and the replay bitmap (keyed by nonce) would then read as "delivered".
  if (row?.status === "failed" && row.reason === REORGED_OUT_REASON) return;
  if (await isDelivered(destination, message)) return markDelivered(context, destination, id, log);
  // Settled by the pipeline: a rejection fails the job.
  if (row?.status === "failed") throw new UnrecoverableError(row.reason ?? "rejected by the destination");
  // A transaction from an earlier run (this relayer before a crash, or before a replacement) may still
  // be pending: wait for it rather than spend gas on a duplicate.
  const earlier = await pendingAttempt(context, destination, id);
  if (earlier) {
    const mined = await waitForAny(destination.client, [earlier], context.timing.receiptTimeoutMs);
    if (mined?.status === "success") return markDelivered(context, destination, id, log);
  }
  const outcome = await context.pipeline.track(job, destination, message);
  return hold(outcome.tracked ? undefined : outcome.leaseLapsesInMs);
}

/**
 * How long a delivery job waits before it looks at its message again. Normally `holdMs` plus up to 20 %
 * jitter (the jobs of one busy second do not all come back in the same instant). When another relayer
 * holds the message's root group, just after that relayer's lease would lapse (plus 100-400 ms), never
 * later than the normal hold: a live holder renews its lease, so the job only looks a little more
 * often, while a dead holder's messages are taken over as soon as its lease is gone instead of up to a
 * whole hold later (in the chaos soak a held message then waited 20 s after a relayer was back).
 */
export function holdDelayMs(holdMs: number, leaseLapsesInMs?: number, random = Math.random): number {
  const normal = Math.round(holdMs * (1 + random() * 0.2));
  if (leaseLapsesInMs === undefined) return normal;
  return Math.min(normal, Math.max(0, leaseLapsesInMs) + 100 + Math.round(random() * 300));
}
