import type { Hex, LocalAccount } from "viem";
import { validatorSetAbi } from "../contracts/generated/ValidatorSet.js";
import { type OutboundLog, outboundEvents, serializeMessage } from "../lib/attestationApi.js";
import type { Deployment } from "../lib/deployments.js";
import type { Logger } from "../lib/logger.js";
import type { ValidatorChains } from "./chains.js";
import type { ValidatorMetrics } from "./metrics.js";
import { ConflictingRootError, type RootStore } from "./rootStore.js";
import { signRootsOf, type VerifiedInBlock } from "./roots.js";
import type { ValidatorChainConfig } from "./service.js";
import { attest } from "./signing.js";
import { ConflictingMessageError, type SignedAttestation, type ValidatorStore } from "./store.js";
import { sourceReads, type VerifiedMessage, verifyOutboundLog } from "./verifyLog.js";

export type ChainHealth = { head: number; processed: number; lastScanAt: number; error?: string };

export type ScanContext = {
  deployment: Deployment;
  chains: ValidatorChains;
  store: ValidatorStore;
  roots: RootStore;
  metrics: ValidatorMetrics;
  log: Logger;
  account: LocalAccount;
  /** Per chain: head seen, last block processed, when, and the last scan error. */
  health: Map<number, ChainHealth>;
  /** Blocks per getLogs request while catching up. */
  maxRange: bigint;
};

/**
 * One scan of `chain`: reads its finalized range after the cursor (at most `maxRange` blocks), verifies
 * every Locked/Burned log in it, signs the verified ones under their destination's epoch with one
 * fsync, and moves the cursor. Returns true when more final blocks wait (catching up).
 */
export async function scanOnce(context: ScanContext, chain: ValidatorChainConfig): Promise<boolean> {
  const { chains, store, metrics, log, account, health, deployment } = context;
  const { clientOf, chainOf } = chains;
  const client = clientOf(chain.chainId);
  const deployed = chainOf(chain.chainId);
  const [head, epoch] = await Promise.all([
    client.getBlockNumber({ cacheTime: 0 }),
    client.readContract({
      address: deployed.validatorSet.address,
      abi: validatorSetAbi,
      functionName: "epoch",
    }),
  ]);
  chains.epochs.set(chain.chainId, epoch);
  metrics.observedHead.set({ chain: String(chain.chainId) }, Number(head));
  const finalized =
    chain.finality.kind === "confirmations"
      ? head - BigInt(chain.finality.blocks)
      : (await client.getBlock({ blockTag: chain.finality.tag })).number;
  const cursor = store.cursor(chain.chainId);
  const from = cursor === undefined ? BigInt(deployed.bridge.startBlock) : BigInt(cursor) + 1n;
  const state = health.get(chain.chainId);
  health.set(chain.chainId, {
    head: Number(head),
    processed: cursor ?? deployed.bridge.startBlock - 1,
    lastScanAt: Date.now(),
  });
  if (finalized < from) return false;
  const to = finalized - from + 1n > context.maxRange ? from + context.maxRange - 1n : finalized;
  const logs = (await client.getLogs({
    address: deployed.bridge.address,
    events: outboundEvents,
    fromBlock: from,
    toBlock: to,
    strict: true,
  })) as OutboundLog[];
  const usedTransfers = new Set<string>();
  // Read every receipt and block of the range at once, then verify in log order (the Transfer
  // matching depends on it) and sign the whole range with one fsync.
  const reads = sourceReads(client);
  for (let i = 0; i < logs.length; i += 32) {
    await Promise.all(
      logs.slice(i, i + 32).flatMap((l) => [reads.receipt(l.transactionHash), reads.block(l.blockNumber)]),
    );
  }
  const toSign: { verdict: VerifiedMessage; entry: SignedAttestation }[] = [];
  const nonces = new Map<string, Hex>();
  // Every message of the range this validator would vouch for, signed now or before: the roots cover
  // whole blocks whatever a crash left half done.
  const verified: VerifiedInBlock[] = [];
  for (const entry of logs) {
    const verdict = await verifyOutboundLog({
      client,
      deployment,
      chain: deployed,
      log: entry,
      usedTransfers,
      reads,
    });
    if ("rejected" in verdict) {
      metrics.refused.inc({ origin: String(chain.chainId), reason: verdict.rejected });
      log.warn(
        { chain: chain.chainId, tx: entry.transactionHash, reason: verdict.rejected },
        "refused to sign log",
      );
      continue;
    }
    const destination = Number(verdict.message.destinationChainId);
    const epoch = await chains.destinationEpoch(destination);
    const serialized = serializeMessage(verdict.message);
    if (store.attestations(verdict.id).some((a) => BigInt(a.epoch) === epoch)) {
      verified.push({ id: verdict.id, message: verdict.message, block: entry.blockNumber });
      continue;
    }
    const nonceKey = `${serialized.sourceChainId}:${serialized.nonce}`;
    try {
      store.assertSignable(serialized, verdict.id);
      const other = nonces.get(nonceKey);
      if (other !== undefined && other !== verdict.id) {
        throw new ConflictingMessageError(serialized.sourceChainId, serialized.nonce, other, verdict.id);
      }
    } catch (error) {
      if (!(error instanceof ConflictingMessageError)) throw error;
      metrics.refused.inc({ origin: String(chain.chainId), reason: "conflicting message for nonce" });
      log.error({ err: error, id: verdict.id }, "refused a conflicting message for a signed nonce");
      continue;
    }
    nonces.set(nonceKey, verdict.id);
    verified.push({ id: verdict.id, message: verdict.message, block: entry.blockNumber });
    toSign.push({ verdict, entry: await attest(account, verdict.message, epoch) });
  }
  store.appendMany(toSign.map((s) => s.entry));
  const signedRoots = await signRootsOf({
    verified,
    roots: context.roots,
    account,
    epochOf: (destination) => chains.destinationEpoch(destination),
  });
  // A root contradicting one served before (only a reorg past finality can cause it) is refused, not
  // retried: the scan must move on, and the messages keep their per-message signatures.
  const roots = signedRoots.filter((root) => {
    try {
      context.roots.assertSignable(root);
      return true;
    } catch (error) {
      if (!(error instanceof ConflictingRootError)) throw error;
      metrics.refused.inc({ origin: String(chain.chainId), reason: "conflicting root" });
      log.error({ err: error, root: root.root }, "refused a root conflicting with one already signed");
      return false;
    }
  });
  context.roots.appendMany(roots);
  for (const root of roots) {
    metrics.rootsSigned.inc({ origin: String(chain.chainId), destination: String(root.destinationChainId) });
    log.info(
      {
        root: root.root,
        origin: chain.chainId,
        destination: root.destinationChainId,
        block: root.sourceBlock,
        messages: root.messageIds.length,
      },
      "signed root",
    );
  }
  for (const { verdict } of toSign) {
    const destination = Number(verdict.message.destinationChainId);
    metrics.signed.inc({ origin: String(chain.chainId), destination: String(destination) });
    metrics.signingLag.observe(
      { origin: String(chain.chainId) },
      Math.max(0, Date.now() / 1000 - Number(verdict.blockTimestamp)),
    );
    log.info(
      { id: verdict.id, origin: chain.chainId, destination, nonce: String(verdict.message.nonce) },
      "signed",
    );
  }
  store.setCursor(chain.chainId, Number(to));
  metrics.finalizedBlock.set({ chain: String(chain.chainId) }, Number(to));
  health.set(chain.chainId, {
    ...(state ?? { head: Number(head) }),
    head: Number(head),
    processed: Number(to),
    lastScanAt: Date.now(),
  });
  return to < finalized;
}
