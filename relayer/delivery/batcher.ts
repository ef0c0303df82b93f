import type { Hash, Hex } from "viem";
import type { BridgeMessage } from "../../lib/bridge/message.js";
import { BridgeError, errorSummary } from "../../lib/errors.js";
import type { Logger } from "../../lib/logger.js";
import type { RootQuorum } from "../../lib/rootApi.js";
import { withGasMargin } from "./gasPolicy.js";
import { waitForAny } from "./receipts.js";
import { submitWithReplacement } from "./submission.js";
import { batchProofData, estimateProofCall } from "./transaction.js";
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

/** A batch whose estimate exceeds the configured gas cap: it is cut to a prefix that fits. */
export class BatchOverGasCapError extends BridgeError {}

/** The base cost of a transaction, paid once per batch rather than once per message. */
const TRANSACTION_BASE_GAS = 21_000n;

type Item = { ready: ReadyMessage; resolve(s: Submitted): void; reject(e: unknown): void };
type Pending = { items: Item[]; gas: bigint; timer?: NodeJS.Timeout };

/**
 * Joins ready messages of one (destination, root) into `mintBatchWithProof`/`releaseBatchWithProof`
 * transactions with one multiproof. A batch closes when its estimated gas reaches the cap or after
 * `windowMs` (bounded by the destination's block time). Before sending, the whole batch is estimated:
 * if it would revert (one message over a rate limit or a mint ceiling) or exceed the cap, it is split
 * (see `send`), so the other messages still go out and only a failing one is handed back to its job,
 * which classifies its own revert.
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
    // Oldest nonce first: when a shared budget (rate limit, mint ceiling) cuts the batch, the messages
    // waiting longest are the ones that go.
    const items = [...queue.items].sort((a, b) => (a.ready.message.nonce < b.ready.message.nonce ? -1 : 1));
    void this.send(context, destination, items, log);
  }

  /**
   * Sends `items` (one root, leaf order) in as few transactions as pass: the whole batch if its
   * estimate succeeds within the cap, else the longest prefix that does (binary search over prefix
   * lengths: a shared budget such as a rate limit or mint ceiling fails every longer prefix too). The
   * rest waits for that prefix to be mined and is tried again; an item that fails even alone goes back
   * to its job with the decoded revert.
   */
  private async send(
    context: DeliveryContext,
    destination: DestinationChain,
    items: Item[],
    log: Logger,
  ): Promise<void> {
    if (items.length === 0) return;
    const quorum = items[0]!.ready.quorum;
    const whole = await this.estimate(destination, items);
    let count = items.length;
    let gas = whole.gas;
    if (gas === undefined) {
      if (items.length === 1) {
        items[0]!.reject(whole.error);
        return;
      }
      let passing = 0;
      let passingGas: bigint | undefined;
      let failing = items.length;
      while (failing - passing > 1) {
        const middle = Math.floor((passing + failing) / 2);
        const trial = await this.estimate(destination, items.slice(0, middle));
        if (trial.gas === undefined) failing = middle;
        else [passing, passingGas] = [middle, trial.gas];
      }
      log.warn(
        { size: items.length, passing, err: errorSummary(whole.error) },
        "batch would revert or exceed the gas cap; sending the part that passes",
      );
      if (passing === 0) {
        // The first message fails even alone: its job classifies the revert (wait, stuck, give up).
        const alone = await this.estimate(destination, items.slice(0, 1));
        items[0]!.reject(alone.error);
        await this.send(context, destination, items.slice(1), log);
        return;
      }
      [count, gas] = [passing, passingGas];
    }
    const batch = items.slice(0, count);
    try {
      const ids = batch.map((i) => i.ready.id);
      const fees = await destination.client.estimateFeesPerGas();
      const submitted = await submitWithReplacement(
        context,
        destination,
        ids,
        batchProofData(
          destination,
          quorum,
          batch.map((i) => i.ready),
        ),
        gas!,
        fees,
        log.child({ batch: ids.length, root: quorum.attestation.root }),
      );
      context.metrics.batchSize.observe({ destination: String(destination.chainId) }, ids.length);
      for (const item of batch) item.resolve(submitted);
      if (count < items.length) {
        await waitForAny(destination.client, submitted.hashes, context.timing.receiptTimeoutMs);
        await this.send(context, destination, items.slice(count), log);
      }
    } catch (error) {
      // Items already resolved ignore this; the ones not sent yet go back to their jobs to retry.
      for (const item of items) item.reject(error);
    }
  }

  /**
   * Gas of delivering `items` in one transaction (with the margin), or the error: a revert, or a batch
   * over the cap. A single message is simulated through the ABI, so its revert comes back decoded for
   * its job to classify.
   */
  private async estimate(
    destination: DestinationChain,
    items: readonly Item[],
  ): Promise<{ gas?: bigint; error?: unknown }> {
    const quorum = items[0]!.ready.quorum;
    try {
      if (items.length === 1) {
        const { id, message } = items[0]!.ready;
        return { gas: withGasMargin(await estimateProofCall(destination, quorum, id, message)) };
      }
      const data = batchProofData(
        destination,
        quorum,
        items.map((i) => i.ready),
      );
      const gas = withGasMargin(
        await destination.client.estimateGas({
          account: destination.wallet.account,
          to: destination.deployment.bridge.address,
          data,
        }),
      );
      if (gas > this.options.gasCap && items.length > 1) {
        return { error: new BatchOverGasCapError(`Batch of ${items.length} needs ${gas} gas.`) };
      }
      return { gas };
    } catch (error) {
      return { error };
    }
  }
}
