import type { Job } from "bullmq";
import type { DeliveryContext, DeliveryJobData } from "./types.js";

/** The stages a message passes on its way, in order (relayer_stage_latency_seconds{stage}). */
export type Stage = "observed" | "finalized" | "attested" | "root_quorum" | "submitted" | "confirmed";

/**
 * Observes, once per message, the seconds from its source block's timestamp to now under `stage`.
 * The stages already observed ride in the job's data, so a job re-run after a wait (or by another
 * relayer process after a crash) does not count a stage twice.
 */
export async function observeStage(
  context: DeliveryContext,
  job: Job<DeliveryJobData>,
  stage: Stage,
  at = Date.now(),
): Promise<void> {
  if (job.data.stages?.includes(stage)) return;
  const { sourceChainId, destinationChainId } = job.data.message;
  let sourceTimestamp = job.data.sourceTimestamp;
  if (sourceTimestamp === undefined) {
    const source = context.destinations.get(sourceChainId);
    if (!source) return;
    const block = await source.client.getBlock({ blockNumber: BigInt(job.data.sourceBlock) });
    sourceTimestamp = Number(block.timestamp);
  }
  context.metrics.stageLatency.observe(
    { stage, origin: String(sourceChainId), destination: String(destinationChainId) },
    Math.max(0, at / 1000 - sourceTimestamp),
  );
  await job.updateData({ ...job.data, sourceTimestamp, stages: [...(job.data.stages ?? []), stage] });
}
