/** The indexed transfer row fields the detail page reads (GraphQL names). */
export type TransferRow = {
  id: string;
  status: "pending" | "delivered" | "awaiting_source";
  asset: string;
  amount: string;
  direction: string;
  sourceChainId: number;
  destinationChainId: number;
  sender: string | null;
  recipient: string;
  nonce: string | null;
  sourceBlock: string | null;
  sourceTx: string | null;
  sourceTimestamp: string | null;
  destinationBlock: string | null;
  destinationTx: string | null;
  destinationTimestamp: string | null;
  latencySeconds: number | null;
  /** Present once the indexer records batched Merkle-root attestations. */
  root?: string | null;
};

/** GET /explorer/api/progress/:id (indexer/messageProgress.ts). */
export type Progress = {
  finality: { rule: string; blocksToGo: number } | null;
  signatures: { valid: number; threshold: number; missing: { url: string; reason: string }[] };
  relayer: {
    status: string;
    stuckReason: string | null;
    history: { status: string; reason: string | null; at: string }[];
  } | null;
  relayerError: string | null;
};

/**
 * Why an undelivered transfer waits, in words, from the indexed row and the live progress; null once
 * delivered. Same order of causes as `bridge status`: source leg, finality, signatures, relayer.
 */
export function waitingReason(row: TransferRow, progress: Progress | null): string | null {
  if (row.status === "delivered") return null;
  if (row.status === "awaiting_source")
    return "the destination leg is indexed but its source leg is not (yet): the indexer is catching up on the source chain";
  if (!progress) return "waiting: the live state of validators and relayer could not be read";
  if (progress.finality && progress.finality.blocksToGo > 0) {
    const n = progress.finality.blocksToGo;
    return `waiting for source finality (${progress.finality.rule}): ${n} block${n === 1 ? "" : "s"} to go`;
  }
  const { valid, threshold, missing } = progress.signatures;
  if (threshold === 0 || valid < threshold) {
    const unreachable = missing.filter((m) => m.reason !== "not signed yet").length;
    const tail =
      unreachable > 0
        ? `; ${unreachable} of ${missing.length + valid} validators unreachable`
        : "; the validators have not signed yet";
    return `waiting for validators: ${valid} of ${threshold || "?"} signatures${tail}`;
  }
  if (progress.relayer?.stuckReason && !/ of \d+ signatures$/.test(progress.relayer.stuckReason))
    return `relayer ${progress.relayer.status}: ${progress.relayer.stuckReason}`;
  return "signed by a quorum; waiting for a relayer to submit it";
}

export function relayCommand(id: string): string {
  return `npx bridge relay ${id}`;
}
