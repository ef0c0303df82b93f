import type { Queue } from "bullmq";
import type { DeliveryJobData } from "./delivery/types.js";

export const DELIVERY_QUEUE = "deliveries";

/** Adds a delivery job whose id is the message id, so enqueueing one message twice is harmless. */
export async function enqueueDelivery(queue: Queue<DeliveryJobData>, data: DeliveryJobData): Promise<void> {
  await queue.add("deliver", data, { jobId: data.id });
}
