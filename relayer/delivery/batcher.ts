import type { Hash, Hex } from "viem";
import type { BridgeMessage } from "../../lib/bridge/message.js";
import { errorSummary } from "../../lib/errors.js";
import type { Logger } from "../../lib/logger.js";
import { withGasMargin } from "./gasPolicy.js";
import { submitWithReplacement } from "./submission.js";
import { batchData } from "./transaction.js";
import type { DeliveryContext, DestinationChain } from "./types.js";

export type ReadyMessage = { id: Hex; message: BridgeMessage; epoch: bigint; signatures: Hex[]; gas: bigint };
export type Submitted = { nonce: number; hashes: Hash[] };

/**
 * Collects messages that are ready to submit on one destination for `windowMs` (or until `maxMessages`)
 * and sends them as one `mintBatch`/`releaseBatch` per epoch: the contract applies every check of
 * `mint`/`release` to each message and skips ids someone else delivered meanwhile, so a batch costs
 * one transaction's overhead instead of one per message. Every job then follows the shared transaction.
 */
export class SubmissionBatcher {
  private readonly pending = new Map<
    number,
    {
      items: { ready: ReadyMessage; resolve(s: Submitted): void; reject(e: unknown): void }[];
      timer?: NodeJS.Timeout;
    }
  >();

  constructor(private readonly options: { maxMessages: number; windowMs: number }) {}

  submit(
    context: DeliveryContext,
    destination: DestinationChain,
    ready: ReadyMessage,
    log: Logger,
  ): Promise<Submitted> {
    return new Promise<Submitted>((resolve, reject) => {
      let queue = this.pending.get(destination.chainId);
      if (!queue) {
        queue = { items: [] };
        this.pending.set(destination.chainId, queue);
      }
      queue.items.push({ ready, resolve, reject });
      const flush = () => void this.flush(context, destination, log);
      if (queue.items.length >= this.options.maxMessages) {
        clearTimeout(queue.timer);
        flush();
      } else if (!queue.timer) {
        queue.timer = setTimeout(flush, this.options.windowMs);
      }
    });
  }

  private async flush(context: DeliveryContext, destination: DestinationChain, log: Logger): Promise<void> {
    const queue = this.pending.get(destination.chainId);
    if (!queue) return;
    this.pending.delete(destination.chainId);
    clearTimeout(queue.timer);
    const byEpoch = new Map<bigint, typeof queue.items>();
    for (const item of queue.items) {
      const group = byEpoch.get(item.ready.epoch) ?? [];
      group.push(item);
      byEpoch.set(item.ready.epoch, group);
    }
    await Promise.all(
      [...byEpoch].map(async ([epoch, items]) => {
        try {
          const fees = await destination.client.estimateFeesPerGas();
          const batchGas =
            items.length === 1
              ? items[0]!.ready.gas
              : await destination.client
                  .estimateGas({
                    account: destination.wallet.account,
                    to: destination.deployment.bridge.address,
                    data: batchData(
                      destination,
                      epoch,
                      items.map((i) => i.ready),
                    ),
                  })
                  .then(withGasMargin)
                  .catch((error: unknown) => {
                    // Messages that pass alone can fail together (a rate-limit bucket or mint ceiling
                    // they share): send them one by one, and let each job handle its own revert.
                    log.warn(
                      {
                        err: errorSummary(error),
                        size: items.length,
                      },
                      "batch would revert; sending its messages alone",
                    );
                    return undefined;
                  });
          const groups = batchGas === undefined ? items.map((i) => [i]) : [items];
          for (const group of groups) {
            try {
              const ids = group.map((i) => i.ready.id);
              const data = batchData(
                destination,
                epoch,
                group.map((i) => i.ready),
              );
              const gas =
                group.length === items.length && batchGas !== undefined ? batchGas : group[0]!.ready.gas;
              const submitted = await submitWithReplacement(
                context,
                destination,
                ids,
                data,
                gas,
                fees,
                log.child({ batch: ids.length }),
              );
              context.metrics.batchSize.observe({ destination: String(destination.chainId) }, ids.length);
              for (const item of group) item.resolve(submitted);
            } catch (error) {
              for (const item of group) item.reject(error);
            }
          }
        } catch (error) {
          for (const item of items) item.reject(error);
        }
      }),
    );
  }
}
