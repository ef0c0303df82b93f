import { DelayedError, type Job, UnrecoverableError } from "bullmq";
import { and, eq } from "drizzle-orm";
import {
  type Account,
  BaseError,
  type Chain,
  ContractFunctionRevertedError,
  encodeFunctionData,
  type Hash,
  type Hex,
  InsufficientFundsError,
  type PublicClient,
  parseEventLogs,
  type Transport,
  type WalletClient,
} from "viem";
import { bridgeMinterAbi } from "../contracts/generated/BridgeMinter.js";
import { bridgeVaultAbi } from "../contracts/generated/BridgeVault.js";
import {
  collectQuorum,
  describeSignatures,
  deserializeMessage,
  fetchAttestations,
  readValidatorSets,
  type SerializedMessage,
} from "../lib/attestationApi.js";
import type { BridgeMessage } from "../lib/bridge/message.js";
import type { ChainDeployment } from "../lib/deployments.js";
import type { Logger } from "../lib/logger.js";
import type { FinalityRule } from "../lib/networks.js";
import { type RelayerStore, setStatus } from "./db.js";
import { FinalityClock } from "./finalityClock.js";
import type { RelayerMetrics } from "./metrics.js";
import type { NonceManager } from "./nonceManager.js";
import { checkSourceLog, finalizedBlockNumber, REORGED_OUT_REASON } from "./sourceLog.js";

export type DeliveryJobData = {
  id: Hex;
  message: SerializedMessage;
  sourceTxHash: Hex;
  sourceBlock: number;
  /** Times this job was put back to wait (signatures, pause, rate limit); drives the backoff step. */
  waits?: number;
  /** The last wait written to the database (status, reason, signatures), to skip identical writes. */
  recorded?: string;
};

const finalityClock = new FinalityClock();

export type DestinationChain = {
  chainId: number;
  deployment: ChainDeployment;
  client: PublicClient;
  wallet: WalletClient<Transport, Chain, Account>;
  nonces: NonceManager;
  /** This chain's finality rule as a source chain (when a missing source log is a verdict). */
  finality: FinalityRule;
  /** Expected milliseconds between blocks (how long to sleep while a source log turns final). */
  blockTimeMs: number;
};

export type DeliveryTiming = {
  /** How often to ask validators while a message is expected to be finalizing. */
  signaturePollMs: number;
  /** Polls at signaturePollMs before switching to the stepped backoff. */
  fastPolls: number;
  /** Multiplies the backoff steps (1 = 1 s, 2 s, 5 s, 10 s, 30 s, 60 s); tests shrink it. */
  backoffScale: number;
  /** A transaction not mined after this long is replaced with higher fees. */
  receiptTimeoutMs: number;
  maxFeeBumps: number;
  /** Waiting longer than this turns "awaiting_signatures" into "stuck". */
  stuckAfterMs: number;
};

export type DeliveryContext = {
  store: RelayerStore;
  destinations: Map<number, DestinationChain>;
  validatorUrls: readonly string[];
  metrics: RelayerMetrics;
  log: Logger;
  timing: DeliveryTiming;
  /** Joins ready messages for one destination into mintBatch/releaseBatch transactions. */
  batcher?: SubmissionBatcher;
};

const BACKOFF_STEPS_MS = [1_000, 2_000, 5_000, 10_000, 30_000, 60_000];

/** Stepped backoff with ±25% jitter, so a crowd of waiting messages does not poll in lockstep. */
export function steppedBackoff(step: number, scale: number): number {
  const base = BACKOFF_STEPS_MS[Math.min(step, BACKOFF_STEPS_MS.length - 1)]! * scale;
  return Math.round(base * (0.75 + Math.random() * 0.5));
}

/** Why a submission cannot go ahead now, with when to look again. */
type Wait = {
  status: "awaiting_signatures" | "stuck";
  reason: string;
  retryInMs: number;
  signatures?: number;
  threshold?: number;
};

/**
 * Delivers one message: skips it if the destination already processed it, collects a quorum of
 * validator signatures, checks pause, rate limit and gas funds, then submits `mint` or `release` and
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

  if (await isProcessed(destination, id)) return markDelivered(context, destination, id, log);
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
  const [sets, fetched] = await Promise.all([
    validatorSetsOf(destination),
    fetchAttestations(context.validatorUrls, id),
  ]);
  const quorum = await collectQuorum({ message, fetched, sets });
  if (!quorum.ok) {
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
          signatures: quorum.valid,
          threshold: quorum.threshold,
        });
        return;
      }
    }
    const age = Date.now() - job.timestamp;
    return wait({
      status: age > context.timing.stuckAfterMs ? "stuck" : "awaiting_signatures",
      reason: describeSignatures(quorum.valid, quorum.threshold),
      retryInMs: backoff(),
      signatures: quorum.valid,
      threshold: quorum.threshold,
    });
  }
  const { epoch, signatures } = quorum.quorum;
  const call = callOf(destination, message, epoch, signatures);

  let gas: bigint;
  try {
    gas = await destination.client.estimateContractGas({ ...call, account: destination.wallet.account });
  } catch (error) {
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
  }

  const fees = await destination.client.estimateFeesPerGas();
  const gasLimit = (gas * 12n) / 10n;
  const balance = await destination.client.getBalance({ address: destination.wallet.account.address });
  const needed = gasLimit * fees.maxFeePerGas;
  if (balance < needed) {
    return wait({
      status: "stuck",
      reason: `out of gas funds on chain ${destination.chainId} (relayer ${destination.wallet.account.address} has ${balance} wei, needs ${needed})`,
      retryInMs: steppedBackoff(Math.max(waits, 3), context.timing.backoffScale),
    });
  }

  await setStatus(context.store, id, "submitting", { signatures: quorum.valid, threshold: quorum.threshold });
  const { nonce, hashes } = context.batcher
    ? await context.batcher.submit(
        context,
        destination,
        { id, message, epoch, signatures, gas: gasLimit },
        log,
      )
    : await submitWithReplacement(context, destination, [id], encodeCall(call), gasLimit, fees, log);
  const receipt = await waitForAny(destination.client, hashes, context.timing.receiptTimeoutMs);
  if (receipt?.status === "success") {
    await recordOutcome(context, id, receipt.transactionHash, "mined");
    // A batch skips ids someone else delivered first: only our own event makes it "self".
    const ours = parseEventLogs({ abi: [...bridgeMinterAbi, ...bridgeVaultAbi], logs: receipt.logs }).some(
      (l) => (l.eventName === "Minted" || l.eventName === "Released") && l.args.messageId === id,
    );
    if (!ours) return markDelivered(context, destination, id, log);
    context.metrics.submissions.inc({ destination: String(destination.chainId), outcome: "mined" });
    return markDelivered(context, destination, id, log, receipt.transactionHash, Number(receipt.blockNumber));
  }
  context.metrics.submissions.inc({
    destination: String(destination.chainId),
    outcome: receipt ? "reverted" : "unmined",
  });
  if (receipt) await recordOutcome(context, id, receipt.transactionHash, "reverted");
  if (await isProcessed(destination, id)) return markDelivered(context, destination, id, log);
  // Let BullMQ retry with its backoff; the next run re-reads everything (signatures, limits, nonce).
  throw new Error(
    receipt
      ? `transaction ${receipt.transactionHash} reverted`
      : `transaction with nonce ${nonce} not mined yet`,
  );
}

type WriteCall = {
  address: Hex;
  abi: typeof bridgeMinterAbi | typeof bridgeVaultAbi;
  functionName: "mint" | "release";
  args: readonly [BridgeMessage, bigint, readonly Hex[]];
};

function callOf(
  destination: DestinationChain,
  message: BridgeMessage,
  epoch: bigint,
  signatures: Hex[],
): WriteCall {
  const home = destination.deployment.role === "home";
  return {
    address: destination.deployment.bridge.address,
    abi: home ? bridgeVaultAbi : bridgeMinterAbi,
    functionName: home ? "release" : "mint",
    args: [message, epoch, signatures],
  };
}

function encodeCall(call: WriteCall): Hex {
  return call.functionName === "mint"
    ? encodeFunctionData({ abi: bridgeMinterAbi, functionName: "mint", args: call.args })
    : encodeFunctionData({ abi: bridgeVaultAbi, functionName: "release", args: call.args });
}

async function isProcessed(destination: DestinationChain, id: Hex): Promise<boolean> {
  return destination.client.readContract({
    address: destination.deployment.bridge.address,
    abi: bridgeMinterAbi,
    functionName: "processed",
    args: [id],
  });
}

type RevertOutcome =
  | { kind: "processed" }
  | { kind: "rate-limited"; available: bigint }
  | { kind: "wait"; reason: string; retryInMs?: number }
  | { kind: "unrecoverable"; reason: string }
  | { kind: "unknown" };

/** Sorts a failed simulation into what the relayer should do about it. */
function classifyRevert(error: unknown): RevertOutcome {
  if (!(error instanceof BaseError)) return { kind: "unknown" };
  if (error.walk((e) => e instanceof InsufficientFundsError)) {
    return { kind: "wait", reason: "out of gas funds" };
  }
  const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
  if (!(reverted instanceof ContractFunctionRevertedError)) return { kind: "unknown" };
  const name = reverted.data?.errorName;
  const args = (reverted.data?.args ?? []) as readonly unknown[];
  switch (name) {
    case "AlreadyProcessed":
      return { kind: "processed" };
    case "RateLimited":
      return { kind: "rate-limited", available: args[0] as bigint };
    case "Paused": {
      const until = new Date(Number(args[0] as bigint) * 1000);
      return {
        kind: "wait",
        reason: `destination paused until ${until.toISOString()}`,
        retryInMs: Math.max(1_000, until.getTime() - Date.now()),
      };
    }
    case "MintExceedsCredit":
      return { kind: "wait", reason: "destination mint ceiling reached (owner must raise it)" };
    case "ReleaseExceedsOutstanding":
      return { kind: "wait", reason: "vault holds too little locked toward this chain to release" };
    case "EpochExpired":
    case "UnknownEpoch":
    case "SignerNotInSet":
    case "BelowThreshold":
      // The set rotated between collection and submission: collect again soon.
      return {
        kind: "wait",
        reason: `signatures no longer accepted (${name}); collecting again`,
        retryInMs: 1_000,
      };
    case "UnknownRoute":
    case "WrongDestinationChain":
    case "WrongDestinationBridge":
    case "UnsupportedVersion":
    case "UnsupportedToken":
    case "WrongSourceChain":
    case "InvalidSignature":
    case "SignersNotAscending":
    case "DuplicateSigner":
      return { kind: "unrecoverable", reason: `destination rejects this message: ${name}` };
    default:
      return { kind: "unknown" };
  }
}

/** When the inbound bucket will hold `message.amount`, from its refill rate (chain time ~ wall time). */
async function rateLimitClearsAt(
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

/**
 * Broadcasts the call, and while it sits unmined re-broadcasts it at the same nonce with fees raised
 * 25% (nodes require at least 10% to replace), up to `maxFeeBumps` times.
 */
async function submitWithReplacement(
  context: DeliveryContext,
  destination: DestinationChain,
  ids: readonly Hex[],
  data: Hex,
  gas: bigint,
  fees: { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint },
  log: Logger,
): Promise<{ nonce: number; hashes: Hash[] }> {
  let current = fees;
  const hashes: Hash[] = [];
  const send = async (nonce: number) => {
    const hash = await destination.wallet.sendTransaction({
      to: destination.deployment.bridge.address,
      data,
      gas,
      nonce,
      maxFeePerGas: current.maxFeePerGas,
      maxPriorityFeePerGas: current.maxPriorityFeePerGas,
    });
    hashes.push(hash);
    await context.store.db.insert(context.store.tables.attempts).values(
      ids.map((messageId) => ({
        messageId,
        relayer: destination.wallet.account.address,
        txHash: hash,
        nonce,
        maxFeePerGas: current.maxFeePerGas.toString(),
        maxPriorityFeePerGas: current.maxPriorityFeePerGas.toString(),
        outcome: "sent",
      })),
    );
    log.info({ tx: hash, nonce, maxFeePerGas: String(current.maxFeePerGas) }, "submitted");
    return nonce;
  };
  const nonce = await destination.nonces.withNonce(send);
  for (let bump = 0; bump < context.timing.maxFeeBumps; bump++) {
    const mined = await waitForAny(destination.client, hashes, context.timing.receiptTimeoutMs);
    if (mined) return { nonce, hashes };
    current = {
      maxFeePerGas: (current.maxFeePerGas * 125n) / 100n,
      maxPriorityFeePerGas: (current.maxPriorityFeePerGas * 125n) / 100n,
    };
    try {
      await send(nonce);
      context.metrics.submissions.inc({ destination: String(destination.chainId), outcome: "replaced" });
    } catch (error) {
      // "nonce too low" means one of ours was mined meanwhile; the caller will find its receipt.
      log.warn({ err: error }, "fee bump not accepted");
      break;
    }
  }
  return { nonce, hashes };
}

type Receipt = Awaited<ReturnType<PublicClient["getTransactionReceipt"]>>;

/** The receipt of whichever of `hashes` gets mined first, or undefined after `timeoutMs`. */
async function waitForAny(
  client: PublicClient,
  hashes: readonly Hash[],
  timeoutMs: number,
): Promise<Receipt | undefined> {
  const deadline = Date.now() + timeoutMs;
  do {
    for (const hash of hashes) {
      const receipt = await client.getTransactionReceipt({ hash }).catch(() => undefined);
      if (receipt) return receipt;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  } while (Date.now() < deadline);
  return undefined;
}

/** The last transaction we broadcast for this message if the node still knows it. */
async function pendingAttempt(
  context: DeliveryContext,
  destination: DestinationChain,
  id: Hex,
): Promise<Hash | undefined> {
  const { db, tables } = context.store;
  const rows = await db
    .select({ txHash: tables.attempts.txHash })
    .from(tables.attempts)
    .where(and(eq(tables.attempts.messageId, id), eq(tables.attempts.outcome, "sent")));
  for (const row of rows.reverse()) {
    const known = await destination.client
      .getTransaction({ hash: row.txHash as Hash })
      .catch(() => undefined);
    if (known) return row.txHash as Hash;
  }
  return undefined;
}

async function recordOutcome(
  context: DeliveryContext,
  id: Hex,
  txHash: Hash,
  outcome: string,
): Promise<void> {
  const { db, tables } = context.store;
  await db
    .update(tables.attempts)
    .set({ outcome })
    .where(and(eq(tables.attempts.messageId, id), eq(tables.attempts.txHash, txHash)));
}

async function markDelivered(
  context: DeliveryContext,
  destination: DestinationChain,
  id: Hex,
  log: Logger,
  txHash?: Hash,
  block?: number,
): Promise<void> {
  const { db, tables } = context.store;
  const [row] = await db.select().from(tables.messages).where(eq(tables.messages.id, id));
  if (!row || row.status === "delivered") return;
  let deliveredBy = txHash ? "self" : "other";
  let destinationTxHash = txHash ?? null;
  let destinationBlock = block ?? null;
  if (!txHash) {
    // Ours may have landed in a run that crashed before recording it.
    const attempts = await db.select().from(tables.attempts).where(eq(tables.attempts.messageId, id));
    for (const attempt of attempts) {
      const receipt = await destination.client
        .getTransactionReceipt({ hash: attempt.txHash as Hash })
        .catch(() => undefined);
      if (receipt?.status === "success") {
        deliveredBy = "self";
        destinationTxHash = receipt.transactionHash;
        destinationBlock = Number(receipt.blockNumber);
        await recordOutcome(context, id, receipt.transactionHash, "mined");
      }
    }
  }
  const now = new Date();
  await db
    .update(tables.messages)
    .set({
      status: "delivered",
      stuckReason: null,
      deliveredBy,
      destinationTxHash,
      destinationBlock,
      deliveredAt: now,
      updatedAt: now,
    })
    .where(eq(tables.messages.id, id));
  await db.insert(tables.statusHistory).values({
    messageId: id,
    status: "delivered",
    reason: deliveredBy === "self" ? null : "delivered by someone else",
  });
  context.metrics.deliveryLatency.observe(
    { origin: String(row.originChainId), destination: String(row.destinationChainId) },
    (now.getTime() - row.discoveredAt.getTime()) / 1000,
  );
  log.info({ tx: destinationTxHash, deliveredBy }, "delivered");
}

type ReadyMessage = { id: Hex; message: BridgeMessage; epoch: bigint; signatures: Hex[]; gas: bigint };
type Submitted = { nonce: number; hashes: Hash[] };

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
                  .then((gas) => (gas * 12n) / 10n)
                  .catch((error: unknown) => {
                    // Messages that pass alone can fail together (a rate-limit bucket or mint ceiling
                    // they share): send them one by one, and let each job handle its own revert.
                    log.warn(
                      {
                        err: error instanceof Error ? error.message.split("\n")[0] : String(error),
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

/** mint/release for one message, mintBatch/releaseBatch for several. */
function batchData(destination: DestinationChain, epoch: bigint, ready: readonly ReadyMessage[]): Hex {
  if (ready.length === 1)
    return encodeCall(callOf(destination, ready[0]!.message, epoch, ready[0]!.signatures));
  const args = [ready.map((r) => r.message), epoch, ready.map((r) => r.signatures)] as const;
  return destination.deployment.role === "home"
    ? encodeFunctionData({ abi: bridgeVaultAbi, functionName: "releaseBatch", args })
    : encodeFunctionData({ abi: bridgeMinterAbi, functionName: "mintBatch", args });
}

const setReads = new WeakMap<DestinationChain, { at: number; sets: ReturnType<typeof readValidatorSets> }>();

/**
 * The destination's accepted validator sets, read at most once a second per destination: every ready
 * message needs them, and a rotation seen a second late only costs a retry (EpochExpired/UnknownEpoch
 * make the job collect again).
 */
function validatorSetsOf(destination: DestinationChain): ReturnType<typeof readValidatorSets> {
  const cached = setReads.get(destination);
  if (cached && Date.now() - cached.at < 1_000) return cached.sets;
  const sets = readValidatorSets(destination.client, destination.deployment.validatorSet.address);
  setReads.set(destination, { at: Date.now(), sets });
  sets.catch(() => setReads.delete(destination));
  return sets;
}
