import { randomUUID } from "node:crypto";
import type { Job } from "bullmq";
import type { Redis } from "ioredis";
import { type Hash, type Hex, parseEventLogs } from "viem";
import { bridgeMinterAbi } from "../../contracts/generated/BridgeMinter.js";
import { bridgeVaultAbi } from "../../contracts/generated/BridgeVault.js";
import { describeSignatures } from "../../lib/attestationApi.js";
import type { BridgeMessage } from "../../lib/bridge/message.js";
import { errorSummary } from "../../lib/errors.js";
import type { Logger } from "../../lib/logger.js";
import {
  collectRootQuorum,
  type FetchedRoot,
  fetchRootAttestations,
  type RootQuorum,
  waitingForRootReason,
} from "../../lib/rootApi.js";
import { setStatus } from "../db.js";
import { FinalityClock } from "../finalityClock.js";
import { checkSourceLog, finalizedBlockNumber, REORGED_OUT_REASON } from "../sourceLog.js";
import { steppedBackoff } from "./backoff.js";
import { planBatches } from "./batchPlan.js";
import { isDelivered, rateLimitClearsAt, storedRootRange, validatorSetsOf } from "./destinationReads.js";
import { classifyRevert } from "./failures.js";
import { bumpFees, type Fees, withGasMargin } from "./gasPolicy.js";
import { markDelivered, recordOutcome } from "./records.js";
import { type SimulatedCall, SimulationUnsupportedError, simulateSequence } from "./simulation.js";
import type { Stage } from "./stages.js";
import { storedRootQuorum } from "./storedRoot.js";
import { batchProofData, submitRootData } from "./transaction.js";
import type { DeliveryContext, DeliveryJobData, DestinationChain } from "./types.js";

export type PipelineOptions = {
  /** Gas one batch transaction may use; a root's messages beyond it go in further transactions. */
  gasCap: bigint;
  /** Messages one batch transaction may carry at most. */
  maxMessages: number;
  /** How long a relayer's claim on a root lasts unless renewed (a dead relayer's roots free up after it). */
  leaseMs: number;
};

/** What `track` did with a message: joined a group here, or not (another relayer's lease, or stopping). */
export type TrackOutcome = { tracked: true } | { tracked: false; leaseLapsesInMs?: number };

type PipelineDeps = Omit<DeliveryContext, "pipeline" | "holdMs"> & {
  redis: Redis;
  prefix: string;
  /**
   * Wakes the delivery job of message `id` if it waits in BullMQ's delayed set. Called for the root's
   * messages this relayer did not hold when it lets the root go: their jobs, turned away while it held
   * the lease (their relayer found it taken), look again at once instead of a whole hold later.
   */
  wakeJob?: (id: Hex) => Promise<void>;
};

type Member = {
  id: Hex;
  message: BridgeMessage;
  job?: Job<DeliveryJobData>;
  sourceTxHash: Hex;
  sourceBlock: number;
  sourceTimestamp?: number;
  stages: Set<string>;
  /** Not to be tried before this time (rate limit, pause, ceiling, a reverted batch). */
  retryAt: number;
  waits: number;
  /** The last status written for it, to skip identical database writes. */
  recorded?: string;
};

/** One route's messages of one source block: validators sign exactly one root over them. */
type Group = {
  key: string;
  destination: DestinationChain;
  sourceChainId: number;
  sourceBlock: number;
  members: Map<Hex, Member>;
  /** Every message that joined the group here (members leave it when settled). */
  joined: Set<Hex>;
  quorum?: RootQuorum;
  leaseToken: string;
  createdAt: number;
  polls: number;
  lastReorgCheck: number;
  lastStoredRootCheck: number;
  /** Our transactions not yet seen mined (per nonce, every fee level sent), from a previous step. */
  inflight: Hash[][];
  lost: boolean;
};

type Batch = { data: Hex; gas: bigint; members: Member[] };

/** A sent transaction: every hash broadcast at its nonce (fee bumps), with what it carried. */
type Sent = { nonce: number; data: Hex; gas: bigint; hashes: Hash[]; members: Member[] };

const RENEW_SCRIPT = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("pexpire", KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE_SCRIPT = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`;
/** How often a group without a quorum re-checks whether its source log was reorged out. */
const REORG_CHECK_MS = 2_000;
/** How often a group without a quorum looks whether its root is stored on the destination already. */
const STORED_ROOT_CHECK_MS = 2_000;

/**
 * The per-route root pipeline. Delivery jobs hand their message over (`track`) and go back to BullMQ's
 * delayed set, holding no worker slot while the message waits; the pipeline groups messages by route and
 * source block (the validators' cut: one root per route and finalized block) and, per group:
 *
 * 1. waits for the block to be final (one read per group, not per message);
 * 2. fetches the root from every validator once, verifies it once (tree, signers, threshold); without a
 *    quorum, a root the destination already stores does (storedRoot.ts: no submitRoot then);
 * 3. simulates `submitRoot` (unless stored) followed by the batch in one block (eth_simulateV1), splits
 *    the batch by the simulated gas (cap and message count configurable) and, when a batch would revert,
 *    to the longest prefix that passes, classifying a message that fails even alone;
 * 4. sends the root and the batches at consecutive nonces of the relayer's account under one nonce lock,
 *    so they land in the same block, replacing them with higher fees while unmined;
 * 5. records every outcome and wakes the messages' jobs, which find them delivered and complete.
 *
 * Each group is claimed in Redis by one relayer (a lease renewed while it works), so relayers sharing a
 * queue do not submit the same root's batch twice; a relayer killed mid-delivery loses its lease, and the
 * messages' delayed jobs, run again by any relayer, track them there. Exactly once is the destination's
 * nonce bitmap: a batch skips a delivered nonce.
 */
export class RootPipeline {
  private readonly groups = new Map<string, Group>();
  private readonly byMessage = new Map<Hex, Group>();
  private readonly finalityClock = new FinalityClock();
  private readonly simulateUnsupported = new Set<number>();
  private renewTimer?: NodeJS.Timeout;
  private stopped = false;
  private readonly running = new Set<Promise<void>>();
  private readonly stopping = new AbortController();
  private readonly acquiring = new Map<string, Promise<Group | { leaseLapsesInMs: number }>>();

  constructor(
    private readonly deps: PipelineDeps,
    private readonly options: PipelineOptions,
  ) {
    this.renewTimer = setInterval(() => void this.renewLeases(), Math.max(250, options.leaseMs / 4));
  }

  /** Whether this process holds message `id` in a group now. */
  holds(id: Hex): boolean {
    return this.byMessage.has(id.toLowerCase() as Hex);
  }

  /**
   * Takes the job's message into its group. When another relayer holds the group, says in how many
   * milliseconds that relayer's lease lapses unless renewed: the job looks again then, by when that
   * relayer delivered it or died and its lease expired.
   */
  async track(
    job: Job<DeliveryJobData>,
    destination: DestinationChain,
    message: BridgeMessage,
  ): Promise<TrackOutcome> {
    if (this.stopped) return { tracked: false };
    const key = `${destination.chainId}:${message.sourceChainId}:${message.sourceBridge.toLowerCase()}:${job.data.sourceBlock}`;
    let group = this.groups.get(key);
    if (!group) {
      // Jobs of one block arrive together: one lease request per group, the others wait for it.
      let acquiring = this.acquiring.get(key);
      if (!acquiring) {
        acquiring = this.open(key, destination, message, job.data.sourceBlock).finally(() =>
          this.acquiring.delete(key),
        );
        this.acquiring.set(key, acquiring);
      }
      const opened = await acquiring;
      if (!("members" in opened)) return { tracked: false, leaseLapsesInMs: opened.leaseLapsesInMs };
      group = opened;
    }
    this.add(group, job, message);
    return { tracked: true };
  }

  /**
   * Claims the group's lease and starts it; when another relayer holds it, the milliseconds until that
   * lease lapses unless renewed (Redis PTTL; 0 when it lapsed in between).
   */
  private async open(
    key: string,
    destination: DestinationChain,
    message: BridgeMessage,
    sourceBlock: number,
  ): Promise<Group | { leaseLapsesInMs: number }> {
    // The lease names its holder, so an operator (or the chaos soak) can see which relayer holds a root.
    const token = `${destination.wallet.account.address.toLowerCase()}/${randomUUID()}`;
    const taken = await this.deps.redis.set(this.leaseKey(key), token, "PX", this.options.leaseMs, "NX");
    if (taken !== "OK") {
      const remaining = await this.deps.redis.pttl(this.leaseKey(key));
      // -2: gone since the SET (look again at once); -1 (no expiry) is never set here: treat as a full lease.
      return { leaseLapsesInMs: remaining === -2 ? 0 : remaining < 0 ? this.options.leaseMs : remaining };
    }
    const group: Group = {
      key,
      destination,
      sourceChainId: Number(message.sourceChainId),
      sourceBlock,
      members: new Map(),
      joined: new Set(),
      leaseToken: token,
      createdAt: Date.now(),
      polls: 0,
      lastReorgCheck: 0,
      lastStoredRootCheck: 0,
      inflight: [],
      lost: false,
    };
    this.groups.set(key, group);
    // Started on the next turn, when the jobs waiting on this lease have added their messages.
    setImmediate(() => this.start(group));
    return group;
  }

  private add(group: Group, job: Job<DeliveryJobData>, message: BridgeMessage): void {
    const id = job.data.id.toLowerCase() as Hex;
    if (group.members.has(id)) return;
    group.joined.add(id);
    group.members.set(id, {
      id,
      message,
      job,
      sourceTxHash: job.data.sourceTxHash,
      sourceBlock: job.data.sourceBlock,
      sourceTimestamp: job.data.sourceTimestamp,
      stages: new Set(job.data.stages ?? []),
      retryAt: 0,
      waits: 0,
    });
    this.byMessage.set(id, group);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping.abort();
    clearInterval(this.renewTimer);
    await Promise.allSettled([...this.running]);
  }

  private leaseKey(key: string): string {
    return `${this.deps.prefix}:root-lease:${key}`;
  }

  private async renewLeases(): Promise<void> {
    for (const group of this.groups.values()) {
      const renewed = await this.deps.redis
        .eval(RENEW_SCRIPT, 1, this.leaseKey(group.key), group.leaseToken, String(this.options.leaseMs))
        .catch(() => undefined);
      // Lost (our event loop or Redis stalled past the lease and another relayer took it): stop working
      // the group; the messages' jobs track them again wherever the lease is now.
      if (renewed === 0) group.lost = true;
    }
  }

  private start(group: Group): void {
    const run = this.runGroup(group).finally(() => this.running.delete(run));
    this.running.add(run);
  }

  private async runGroup(group: Group): Promise<void> {
    const log = this.deps.log.child({ group: group.key });
    log.debug("root group started");
    let failures = 0;
    while (group.members.size > 0 && !this.stopped && !group.lost) {
      let delayMs: number;
      try {
        delayMs = await this.step(group, log);
        failures = 0;
      } catch (error) {
        log.warn({ err: errorSummary(error) }, "root pipeline step failed; retrying");
        // Collect again next time: a rotation may have retired the quorum's epoch meanwhile.
        group.quorum = undefined;
        for (const member of group.members.values()) {
          await this.record(member, "stuck", `retrying: ${errorSummary(error)}`).catch(() => undefined);
        }
        delayMs = steppedBackoff(failures++, this.deps.timing.backoffScale);
      }
      if (delayMs > 0 && group.members.size > 0) await sleep(delayMs, this.stopping.signal);
    }
    this.groups.delete(group.key);
    for (const id of group.members.keys()) if (this.byMessage.get(id) === group) this.byMessage.delete(id);
    await this.deps.redis
      .eval(RELEASE_SCRIPT, 1, this.leaseKey(group.key), group.leaseToken)
      .catch(() => undefined);
    // The root's other messages: their jobs may have been turned away by our lease (another relayer's
    // workers took them); with the lease gone they can be delivered now. Our own were woken when settled.
    const others = (group.quorum?.messageIds ?? []).filter(
      (id) => !group.joined.has(id.toLowerCase() as Hex),
    );
    if (this.deps.wakeJob && !this.stopped)
      await Promise.allSettled(others.map((id) => this.deps.wakeJob!(id.toLowerCase() as Hex)));
  }

  /** One pass over a group; returns how long to wait before the next. */
  private async step(group: Group, log: Logger): Promise<number> {
    const { timing } = this.deps;
    const destination = group.destination;
    if (group.inflight.length > 0) {
      const pending = await this.settleInflight(group, log);
      if (pending) return 1_000;
    }
    if (!group.quorum) {
      const source = this.deps.destinations.get(group.sourceChainId);
      if (source) {
        const finalized = await finalizedBlockNumber(source.client, source.finality, undefined, 200);
        if (BigInt(group.sourceBlock) > finalized) {
          log.debug({ block: group.sourceBlock, finalized }, "waiting for source finality");
          const blocksToGo = Number(BigInt(group.sourceBlock) - finalized);
          for (const member of group.members.values()) {
            await this.record(member, "awaiting_signatures", "waiting for source finality");
          }
          return this.finalityClock.recheckInMs({
            client: source.client,
            blocksToGo,
            profileBlockTimeMs: source.blockTimeMs,
            minMs: Math.min(timing.signaturePollMs, 100),
          });
        }
      }
      this.observeAll(group, "finalized");
      const first = group.members.values().next().value!;
      const [sets, fetched] = await Promise.all([
        validatorSetsOf(destination),
        fetchRootAttestations(this.deps.validatorUrls, first.id),
      ]);
      const collected = await collectRootQuorum({ id: first.id, fetched, sets });
      if (collected.valid > 0) this.observeAll(group, "attested");
      const quorum = collected.ok ? collected.quorum : await this.storedRoot(group, first, fetched, log);
      if (!quorum) {
        log.debug({ valid: collected.valid, threshold: collected.threshold }, "no root quorum yet");
        if (source && collected.valid === 0 && Date.now() - group.lastReorgCheck > REORG_CHECK_MS) {
          group.lastReorgCheck = Date.now();
          await this.dropReorged(group, source, log);
        }
        const age = Date.now() - group.createdAt;
        const reason =
          collected.valid === 0
            ? waitingForRootReason(first.message.nonce)
            : describeSignatures(collected.valid, collected.threshold);
        for (const member of group.members.values()) {
          await this.record(member, age > timing.stuckAfterMs ? "stuck" : "awaiting_signatures", reason, {
            signatures: collected.valid,
            threshold: collected.threshold,
          });
        }
        const polls = group.polls++;
        return polls < timing.fastPolls
          ? timing.signaturePollMs
          : steppedBackoff(polls - timing.fastPolls, timing.backoffScale);
      }
      group.quorum = quorum;
      log.debug({ root: quorum.attestation.root, members: group.members.size }, "root quorum");
      this.observeAll(group, "root_quorum");
    }
    return this.deliverGroup(group, group.quorum, log);
  }

  /**
   * Without a quorum, the root covering the group when the destination already stores it (submitted by
   * another relayer, or signed before validators went away): its messages go by proof under it, with no
   * submitRoot (storedRoot.ts). Looked for at most every STORED_ROOT_CHECK_MS per group.
   */
  private async storedRoot(
    group: Group,
    first: Member,
    fetched: FetchedRoot[],
    log: Logger,
  ): Promise<RootQuorum | undefined> {
    if (Date.now() - group.lastStoredRootCheck < STORED_ROOT_CHECK_MS) return undefined;
    group.lastStoredRootCheck = Date.now();
    // A failed look (an RPC error) leaves the group waiting for signatures, as it would without it.
    const stored = await storedRootQuorum({
      destination: group.destination,
      source: this.deps.destinations.get(group.sourceChainId),
      id: first.id,
      sourceChainId: group.sourceChainId,
      sourceBridge: first.message.sourceBridge,
      sourceBlock: group.sourceBlock,
      fetched,
    }).catch((error) => {
      log.debug({ err: errorSummary(error) }, "looking for a stored root failed");
      return undefined;
    });
    if (stored)
      log.info({ root: stored.attestation.root }, "no root quorum, but the root is stored; delivering");
    return stored;
  }

  /** Waits on transactions of an earlier pass; true while one is still pending on the node. */
  private async settleInflight(group: Group, log: Logger): Promise<boolean> {
    const client = group.destination.client;
    const still: Hash[][] = [];
    for (const hashes of group.inflight) {
      let mined = false;
      let known = false;
      for (const hash of hashes) {
        if (await client.getTransactionReceipt({ hash }).catch(() => undefined)) mined = true;
        else if (await client.getTransaction({ hash }).catch(() => undefined)) known = true;
      }
      if (!mined && known) still.push(hashes);
    }
    group.inflight = still;
    if (still.length > 0) log.debug({ pending: still.length }, "waiting for earlier transactions");
    return still.length > 0;
  }

  /** Members whose source log a reorg removed: failed with the reason, their jobs woken. */
  private async dropReorged(group: Group, source: DestinationChain, log: Logger): Promise<void> {
    for (const member of [...group.members.values()]) {
      const check = await checkMemberSource(source, member);
      if (check.state === "reorged") await this.failReorged(group, member, check.detail, log);
    }
  }

  private async failReorged(group: Group, member: Member, detail: string, log: Logger): Promise<void> {
    log.warn({ id: member.id, detail }, REORGED_OUT_REASON);
    await setStatus(this.deps.store, member.id, "failed", { reason: REORGED_OUT_REASON });
    this.release(group, member);
  }

  /**
   * A member the block's signed root does not cover: a reorg removed its log (failed for good, with the
   * reason), or moved it to another block (its job is pointed at that block, so it is tracked in the
   * group whose root covers it), or it is too early to tell (it waits here). Releasing it unchanged would
   * only bring it back to this group.
   */
  private async settleOutsideRoot(group: Group, member: Member, log: Logger): Promise<void> {
    const source = this.deps.destinations.get(group.sourceChainId);
    const check = source ? await checkMemberSource(source, member) : ({ state: "pending" } as const);
    if (check.state === "reorged") {
      await this.failReorged(group, member, check.detail, log);
    } else if (check.state === "final" && Number(check.blockNumber) !== group.sourceBlock) {
      log.info(
        { id: member.id, from: group.sourceBlock, to: Number(check.blockNumber) },
        "source log moved blocks",
      );
      await member.job?.updateData({ ...member.job.data, sourceBlock: Number(check.blockNumber) });
      await this.record(member, "awaiting_signatures", waitingForRootReason(member.message.nonce));
      this.release(group, member);
    } else {
      await this.record(member, "awaiting_signatures", waitingForRootReason(member.message.nonce));
      member.retryAt = Date.now() + REORG_CHECK_MS;
    }
  }

  /**
   * Delivers the group's ready members under the quorum's root: skips what the destination already
   * shows delivered, plans root + batches from one simulation, sends them in one nonce sequence, and
   * settles every member from the receipts. Returns the wait before the next pass.
   */
  private async deliverGroup(group: Group, quorum: RootQuorum, log: Logger): Promise<number> {
    const destination = group.destination;
    const now = Date.now();
    const leaves = new Set(quorum.messageIds.map((m) => m.toLowerCase()));
    let ready = [...group.members.values()].filter((m) => m.retryAt <= now);
    for (const member of ready.filter((m) => !leaves.has(m.id)))
      await this.settleOutsideRoot(group, member, log);
    ready = ready.filter((m) => leaves.has(m.id));
    const delivered = await Promise.all(ready.map((m) => isDelivered(destination, m.message)));
    for (const [i, member] of ready.entries()) {
      if (!delivered[i]) continue;
      await markDelivered(this.deps, destination, member.id, log);
      this.release(group, member);
    }
    ready = ready
      .filter((_, i) => !delivered[i])
      .sort((a, b) => (a.message.nonce < b.message.nonce ? -1 : 1));
    if (ready.length === 0) return this.nextWake(group);

    const funds = await this.checkFunds(destination);
    if (funds) {
      for (const member of ready) {
        await this.record(member, "stuck", funds);
        member.retryAt =
          Date.now() + steppedBackoff(Math.max(member.waits++, 3), this.deps.timing.backoffScale);
      }
      return this.nextWake(group);
    }

    const stored = await this.rootStored(destination, quorum);
    const rootData = stored ? undefined : submitRootData(quorum);
    if (rootData && this.simulateUnsupported.has(destination.chainId)) {
      // No eth_simulateV1 on this chain: the root goes first alone, the batch after it is mined.
      await this.sendAndSettle(group, [{ data: rootData, gas: undefined, members: [] }], quorum, log);
      return 0;
    }
    const { batches, rootGas } = await this.planBatches(group, quorum, ready, rootData, log);
    // Nothing passes now (every member waits or was settled): no transaction, not even the root.
    if (batches.length === 0) return this.nextWake(group);
    const txs = [
      ...(rootData ? [{ data: rootData, gas: rootGas, members: [] as Member[] }] : []),
      ...batches.map((b) => ({ data: b.data, gas: b.gas, members: b.members })),
    ];
    for (const member of batches.flatMap((b) => b.members)) {
      // A root stored without our quorum keeps the signature counts last recorded.
      const signed = quorum.signatures.length;
      const counts = signed > 0 ? { signatures: signed, threshold: signed } : {};
      await setStatus(this.deps.store, member.id, "submitting", counts);
    }
    await this.sendAndSettle(group, txs, quorum, log);
    return this.nextWake(group);
  }

  /**
   * Batches for `ready` (leaf order) from simulations of [submitRoot?, ...batches] (batchPlan.ts); a
   * message that fails even alone is settled by its revert, the ones to try after these batches are
   * mined wait a block.
   */
  private async planBatches(
    group: Group,
    quorum: RootQuorum,
    ready: Member[],
    rootData: Hex | undefined,
    log: Logger,
  ): Promise<{ batches: Batch[]; rootGas?: bigint }> {
    const destination = group.destination;
    let rootGas: bigint | undefined;
    const simulate = async (parts: Member[][]): Promise<SimulatedCall[] | undefined> => {
      const datas = parts.map((p) => batchProofData(destination, quorum, p));
      try {
        const results = await simulateSequence(destination, rootData ? [rootData, ...datas] : datas);
        if (rootData) {
          const root = results.shift()!;
          if (!root.ok) throw root.error;
          rootGas = withGasMargin(root.gasUsed);
        }
        return results;
      } catch (error) {
        if (error instanceof SimulationUnsupportedError) {
          this.simulateUnsupported.add(destination.chainId);
          if (!rootData) return estimateEach(destination, datas);
          return undefined;
        }
        throw error;
      }
    };
    const plan = await planBatches({
      messages: ready,
      gasCap: this.options.gasCap,
      maxMessages: this.options.maxMessages,
      simulate,
    });
    for (const cut of plan.cuts) {
      log.warn(
        { size: cut.size, passing: cut.passing, err: errorSummary(cut.error) },
        "batch would revert; sending the part that passes",
      );
    }
    for (const { message, error } of plan.failing) await this.settleRevert(group, message, error, log);
    for (const member of plan.deferred) member.retryAt = Date.now() + destination.blockTimeMs;
    const batches = plan.batches.map((b) => ({
      data: batchProofData(destination, quorum, b.members),
      gas: b.gas,
      members: b.members,
    }));
    return { batches, rootGas };
  }

  /** What a member's own revert means: delivered, wait with a reason, or rejected for good. */
  private async settleRevert(group: Group, member: Member, error: unknown, log: Logger): Promise<void> {
    const destination = group.destination;
    const outcome = classifyRevert(error);
    const backoff = () => steppedBackoff(member.waits++, this.deps.timing.backoffScale);
    if (outcome.kind === "processed") {
      await markDelivered(this.deps, destination, member.id, log);
      this.release(group, member);
    } else if (outcome.kind === "unrecoverable") {
      log.warn({ id: member.id, reason: outcome.reason }, "message rejected by the destination");
      await setStatus(this.deps.store, member.id, "failed", { reason: outcome.reason });
      this.release(group, member);
    } else if (outcome.kind === "wait") {
      await this.record(member, "stuck", outcome.reason);
      member.retryAt = Date.now() + (outcome.retryInMs ?? backoff());
    } else if (outcome.kind === "rate-limited") {
      const until = await rateLimitClearsAt(destination, member.message, outcome.available);
      await this.record(
        member,
        "stuck",
        until ? `rate limited until ${until.toISOString()}` : "rate limited (no refill configured)",
      );
      member.retryAt = until ? Math.max(Date.now() + 500, until.getTime()) : Date.now() + backoff();
    } else {
      await this.record(member, "stuck", `retrying: ${errorSummary(error)}`);
      member.retryAt = Date.now() + backoff();
    }
  }

  /**
   * Sends `txs` at consecutive nonces under one nonce lock (so a root and its batches share a block),
   * replaces the unmined ones with higher fees while they wait, then settles each batch's members.
   */
  private async sendAndSettle(
    group: Group,
    txs: { data: Hex; gas: bigint | undefined; members: Member[] }[],
    quorum: RootQuorum,
    log: Logger,
  ): Promise<void> {
    const destination = group.destination;
    const { store, metrics, timing } = this.deps;
    const chain = String(destination.chainId);
    let fees: Fees = await destination.client.estimateFeesPerGas();
    const sent: Sent[] = [];
    const broadcast = async (tx: Sent): Promise<void> => {
      const hash = await destination.wallet.sendTransaction({
        to: destination.deployment.bridge.address,
        data: tx.data,
        gas: tx.gas,
        nonce: tx.nonce,
        maxFeePerGas: fees.maxFeePerGas,
        maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
      });
      tx.hashes.push(hash);
      if (tx.members.length > 0) {
        await store.db.insert(store.tables.attempts).values(
          tx.members.map((m) => ({
            messageId: m.id,
            relayer: destination.wallet.account.address,
            txHash: hash,
            nonce: tx.nonce,
            maxFeePerGas: fees.maxFeePerGas.toString(),
            maxPriorityFeePerGas: fees.maxPriorityFeePerGas.toString(),
            outcome: "sent",
          })),
        );
      }
    };
    // A transaction with no simulated gas (the root alone, where eth_simulateV1 is missing) is estimated.
    for (const tx of txs) {
      if (tx.gas === undefined) {
        tx.gas = withGasMargin(
          await destination.client.estimateGas({
            account: destination.wallet.account,
            to: destination.deployment.bridge.address,
            data: tx.data,
          }),
        );
      }
    }
    await destination.nonces.withNonce(async (first) => {
      for (const [i, tx] of txs.entries()) {
        const entry: Sent = {
          nonce: first + i,
          data: tx.data,
          gas: tx.gas!,
          hashes: [],
          members: tx.members,
        };
        try {
          await broadcast(entry);
        } catch (error) {
          // Later ones would wait behind a gap: they are not sent; their members retry.
          if (sent.length === 0) throw error;
          log.warn({ err: errorSummary(error), nonce: entry.nonce }, "broadcast failed; the rest waits");
          break;
        }
        sent.push(entry);
      }
    });
    const batchCount = sent.filter((s) => s.members.length > 0).length;
    log.info(
      {
        root: quorum.attestation.root,
        nonce: sent[0]?.nonce,
        txs: sent.length,
        batches: batchCount,
        messages: sent.reduce((n, s) => n + s.members.length, 0),
      },
      "submitted",
    );
    for (const s of sent) for (const m of s.members) this.observe(m, "submitted");

    const receipts = new Map<number, Awaited<ReturnType<typeof destination.client.getTransactionReceipt>>>();
    for (let bump = 0; ; bump++) {
      const deadline = Date.now() + timing.receiptTimeoutMs;
      while (Date.now() < deadline && receipts.size < sent.length) {
        for (const s of sent) {
          if (receipts.has(s.nonce)) continue;
          for (const hash of s.hashes) {
            const receipt = await destination.client.getTransactionReceipt({ hash }).catch(() => undefined);
            if (receipt) {
              receipts.set(s.nonce, receipt);
              break;
            }
          }
        }
        if (receipts.size < sent.length) await sleep(100);
      }
      if (receipts.size === sent.length || bump >= timing.maxFeeBumps) break;
      fees = bumpFees(fees);
      for (const s of sent.filter((x) => !receipts.has(x.nonce))) {
        try {
          await broadcast(s);
          metrics.submissions.inc({ destination: chain, outcome: "replaced" });
        } catch (error) {
          // "nonce too low": one of ours at this nonce was mined meanwhile; the receipt loop finds it.
          log.warn({ err: errorSummary(error), nonce: s.nonce }, "fee bump not accepted");
        }
      }
    }

    for (const s of sent) {
      const receipt = receipts.get(s.nonce);
      if (s.members.length === 0) {
        metrics.rootSubmissions.inc({
          destination: chain,
          outcome: receipt ? (receipt.status === "success" ? "mined" : "reverted") : "unmined",
        });
        continue;
      }
      metrics.batchSize.observe({ destination: chain }, s.members.length);
      if (!receipt) {
        metrics.submissions.inc({ destination: chain, outcome: "unmined" });
        group.inflight.push(s.hashes);
        for (const m of s.members) m.retryAt = Date.now() + 1_000;
        continue;
      }
      if (receipt.status !== "success") {
        metrics.submissions.inc({ destination: chain, outcome: "reverted" });
        for (const m of s.members) {
          await recordOutcome(this.deps, m.id, receipt.transactionHash, "reverted");
          m.retryAt = Date.now() + steppedBackoff(m.waits++, timing.backoffScale);
        }
        continue;
      }
      metrics.submissions.inc({ destination: chain, outcome: "mined" });
      const ours = new Set(
        parseEventLogs({ abi: [...bridgeMinterAbi, ...bridgeVaultAbi], logs: receipt.logs })
          .filter((l) => l.eventName === "Minted" || l.eventName === "Released")
          .map((l) => (l.args as { messageId: Hex }).messageId.toLowerCase()),
      );
      for (const m of s.members) {
        await recordOutcome(this.deps, m.id, receipt.transactionHash, "mined");
        if (ours.has(m.id)) {
          this.observe(m, "confirmed");
          await markDelivered(this.deps, destination, m.id, log, {
            txHash: receipt.transactionHash,
            block: Number(receipt.blockNumber),
            root: quorum.attestation.root,
          });
          this.release(group, m);
        } else if (await isDelivered(destination, m.message)) {
          // A batch skips ids someone else delivered first.
          await markDelivered(this.deps, destination, m.id, log);
          this.release(group, m);
        } else {
          m.retryAt = Date.now() + steppedBackoff(m.waits++, timing.backoffScale);
        }
      }
    }
  }

  private async rootStored(destination: DestinationChain, quorum: RootQuorum): Promise<boolean> {
    const { sourceChainId, sourceBridge, root } = quorum.attestation;
    return (await storedRootRange(destination, sourceChainId, sourceBridge, root)).lastNonce !== 0n;
  }

  /** A reason to wait when the relayer cannot pay for a full block of gas at today's fees. */
  private async checkFunds(destination: DestinationChain): Promise<string | undefined> {
    const fees = await destination.client.estimateFeesPerGas();
    const balance = await destination.client.getBalance({ address: destination.wallet.account.address });
    const needed = 500_000n * fees.maxFeePerGas;
    if (balance >= needed) return undefined;
    return `out of gas funds on chain ${destination.chainId} (relayer ${destination.wallet.account.address} has ${balance} wei, needs ${needed})`;
  }

  private nextWake(group: Group): number {
    if (group.members.size === 0) return 0;
    const next = Math.min(...[...group.members.values()].map((m) => m.retryAt));
    return Math.max(50, next - Date.now());
  }

  /** The member leaves the group (settled); its job is woken to see the outcome and finish. */
  private release(group: Group, member: Member): void {
    group.members.delete(member.id);
    if (this.byMessage.get(member.id) === group) this.byMessage.delete(member.id);
    member.job?.promote().catch(() => undefined);
  }

  private async record(
    member: Member,
    status: "awaiting_signatures" | "stuck",
    reason: string,
    extra: { signatures?: number; threshold?: number } = {},
  ): Promise<void> {
    const recorded = `${status}|${reason}|${extra.signatures ?? ""}|${extra.threshold ?? ""}`;
    if (recorded === member.recorded) return;
    member.recorded = recorded;
    await setStatus(this.deps.store, member.id, status, { reason, ...extra });
  }

  private observeAll(group: Group, stage: Stage): void {
    for (const member of group.members.values()) this.observe(member, stage);
  }

  /** Observes a stage once per message in this process (from its source block's timestamp). */
  private observe(member: Member, stage: Stage): void {
    if (member.stages.has(stage) || member.sourceTimestamp === undefined) return;
    member.stages.add(stage);
    this.deps.metrics.stageLatency.observe(
      {
        stage,
        origin: String(member.message.sourceChainId),
        destination: String(member.message.destinationChainId),
      },
      Math.max(0, Date.now() / 1000 - member.sourceTimestamp),
    );
  }
}

/** The member's source log as the source chain shows it now (sourceLog.ts). */
function checkMemberSource(source: DestinationChain, member: Member) {
  return checkSourceLog({
    client: source.client,
    finality: source.finality,
    bridge: member.message.sourceBridge,
    id: member.id,
    txHash: member.sourceTxHash,
    block: BigInt(member.sourceBlock),
  });
}

/** Gas of each call estimated on its own (nodes without eth_simulateV1, root already stored). */
async function estimateEach(destination: DestinationChain, datas: readonly Hex[]): Promise<SimulatedCall[]> {
  const results: SimulatedCall[] = [];
  for (const data of datas) {
    try {
      const gas = await destination.client.estimateGas({
        account: destination.wallet.account,
        to: destination.deployment.bridge.address,
        data,
      });
      results.push({ ok: true, gasUsed: gas });
    } catch (error) {
      results.push({ ok: false, error });
    }
  }
  return results;
}

/** Resolves after `ms`, or at once when `signal` aborts (the pipeline stopping). */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
