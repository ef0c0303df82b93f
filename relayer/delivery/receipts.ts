import { and, eq } from "drizzle-orm";
import type { Hash, Hex, PublicClient } from "viem";
import type { DeliveryContext, DestinationChain } from "./types.js";

export type Receipt = Awaited<ReturnType<PublicClient["getTransactionReceipt"]>>;

/** The receipt of whichever of `hashes` gets mined first, or undefined after `timeoutMs`. */
export async function waitForAny(
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
export async function pendingAttempt(
  context: Pick<DeliveryContext, "store" | "metrics">,
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
