import type { Hash, Hex } from "viem";
import type { BridgeMessage } from "../../lib/bridge/message.js";
import { errorSummary } from "../../lib/errors.js";
import type { Logger } from "../../lib/logger.js";
import type { RootQuorum } from "../../lib/rootApi.js";
import { withGasMargin } from "./gasPolicy.js";
import { submitWithReplacement } from "./submission.js";
import { batchProofData } from "./transaction.js";
import type { DeliveryContext, DestinationChain } from "./types.js";

/** A message whose root is stored on the destination; `gas` is its own single-proof estimate. */
export type ReadyMessage = { id: Hex; message: BridgeMessage; quorum: RootQuorum; gas: bigint };
export type Submitted = { nonce: number; hashes: Hash[] };

export type BatchOptions = {
  /** Gas a batch transaction may use: the default fills an Ethereum-sized block (30M). */
  gasCap: bigint;
  /** Longest a message waits for more of its root; never longer than one destination block. */
  windowMs: number;
};

/** The base cost of a transaction, paid once per batch rather than once per message. */
const TRANSACTION_BASE_GAS = 21_000n;

type Item = { ready: ReadyMessage; resolve(s: Submitted): void; reject(e: unknown): void };
type Pending = { items: Item[]; gas: bigint; timer?: NodeJS.Timeout };

/**
 * Joins ready messages of one (destination, root) into `mintBatchWithProof`/`releaseBatchWithProof`
 * transactions with one multiproof. A batch closes when its estimated gas reaches the cap or after
 * `windowMs` (bounded by the destination's block time). Before sending, the whole batch is estimated:
 * if it would revert (one message over a rate limit, a mint ceiling) or exceed the cap, it is split in
 * halves until every part passes, so the other messages still go out and only the failing one is
 * handed back to its job, which classifies its own revert.
 */
export class RootBatcher {
  private readonly pending = new Map<string, Pending>();

  constructor(private readonly options: BatchOptions) {}

  submit(
    context: DeliveryContext,
    destination: DestinationChain,
    ready: ReadyMessage,
    log: Logger,
  ): Promise<Submitted> {
    return new Promise<Submitted>((resolve, reject) => {
      const key = `${destination.chainId}:${ready.quorum.attestation.root}`;
      const marginal = ready.gas > TRANSACTION_BASE_GAS ? ready.gas - TRANSACTION_BASE_GAS : ready.gas;
      let queue = this.pending.get(key);
      if (queue && queue.gas + marginal > this.options.gasCap) {
        this.flush(key, context, destination, log);
        queue = undefined;
      }
      if (!queue) {
        queue = { items: [], gas: TRANSACTION_BASE_GAS };
        this.pending.set(key, queue);
      }
      queue.items.push({ ready, resolve, reject });
      queue.gas += marginal;
      if (queue.gas >= this.options.gasCap) this.flush(key, context, destination, log);
      else if (!queue.timer) {
        const windowMs = Math.min(this.options.windowMs, destination.blockTimeMs);
        queue.timer = setTimeout(() => this.flush(key, context, destination, log), windowMs);
      }
    });
  }

  private flush(key: string, context: DeliveryContext, destination: DestinationChain, log: Logger): void {
    const queue = this.pending.get(key);
    if (!queue) return;
    this.pending.delete(key);
    clearTimeout(queue.timer);
    void this.send(context, destination, queue.items, log);
  }

  private async send(
    context: DeliveryContext,
    destination: DestinationChain,
    items: Item[],
    log: Logger,
  ): Promise<void> {
    const quorum = items[0]!.ready.quorum;
    let data: Hex;
    let gas: bigint | undefined;
    let failure: unknown;
    try {
      data = batchProofData(
        destination,
        quorum,
        items.map((i) => i.ready),
      );
      gas = await destination.client
        .estimateGas({ account: destination.wallet.account, to: destination.deployment.bridge.address, data })
        .then(withGasMargin);
    } catch (error) {
      failure = error;
      data = "0x";
    }
    if (gas === undefined || (gas > this.options.gasCap && items.length > 1)) {
      if (items.length === 1) {
        items[0]!.reject(failure);
        return;
      }
      log.warn(
        {
          size: items.length,
          gas: gas?.toString(),
          err: failure === undefined ? undefined : errorSummary(failure),
        },
        gas === undefined ? "batch would revert; splitting it" : "batch over the gas cap; splitting it",
      );
      const half = Math.ceil(items.length / 2);
      await Promise.all([
        this.send(context, destination, items.slice(0, half), log),
        this.send(context, destination, items.slice(half), log),
      ]);
      return;
    }
    try {
      const ids = items.map((i) => i.ready.id);
      const fees = await destination.client.estimateFeesPerGas();
      const submitted = await submitWithReplacement(
        context,
        destination,
        ids,
        data,
        gas,
        fees,
        log.child({ batch: ids.length, root: quorum.attestation.root }),
      );
      context.metrics.batchSize.observe({ destination: String(destination.chainId) }, ids.length);
      for (const item of items) item.resolve(submitted);
    } catch (error) {
      for (const item of items) item.reject(error);
    }
  }
}
