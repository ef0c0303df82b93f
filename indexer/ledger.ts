import type { Context } from "ponder:registry";
import { assetSupply, routeTotals, supplyViolation, tokenSupply, transfer } from "ponder:schema";
import { and, eq, lt, sum } from "ponder";
import type { Hex } from "viem";
import { INBOUND, OUTBOUND } from "../lib/bridge/rateLimitBucket.js";
import { currentDeployment, key } from "./deployment.js";
import { spendRateLimit } from "./rateLimits.js";

/**
 * Bookkeeping shared by the BridgeVault and BridgeMinter handlers: the transfer row that joins a
 * message's two legs, the per-route totals and the cross-chain supply check. Legs can be indexed in
 * either order, so every update is written relative to what the other leg already recorded.
 */

type Db = Context["db"];

export type LegEvent = {
  id: string;
  chainId: number;
  blockNumber: bigint;
  timestamp: bigint;
  transactionHash: Hex;
};

export type BridgeLeg = {
  kind: "Locked" | "Burned" | "Minted" | "Released";
  messageId: Hex;
  asset: Hex;
  amount: bigint;
  sourceChainId: number;
  destinationChainId: number;
  recipient: Hex;
  sender?: Hex;
  nonce?: bigint;
  wrappedToken?: Hex;
};

const isSourceLeg = (kind: BridgeLeg["kind"]) => kind === "Locked" || kind === "Burned";

/** Seconds a destination leg may wait for its source leg before the supply check stops excusing it. */
export function supplyGraceSeconds(env: NodeJS.ProcessEnv = process.env): bigint {
  return BigInt(env.INDEXER_SUPPLY_GRACE_SECONDS ?? 600);
}

/** Records one leg of a bridge message and everything that follows from it. */
export async function recordLeg(db: Db, leg: BridgeLeg, event: LegEvent): Promise<void> {
  const { homeChainId } = currentDeployment();
  const asset = leg.asset.toLowerCase() as Hex;
  const remoteChainId = leg.sourceChainId === homeChainId ? leg.destinationChainId : leg.sourceChainId;
  const source = isSourceLeg(leg.kind);
  // The transaction spent this chain's bucket for the route: outbound at the source, inbound at the end.
  await spendRateLimit(
    db,
    {
      chainId: event.chainId,
      remoteChainId: source ? leg.destinationChainId : leg.sourceChainId,
      asset,
      direction: source ? OUTBOUND : INBOUND,
    },
    leg.amount,
    { number: event.blockNumber, timestamp: event.timestamp },
  );

  const legColumns = source
    ? {
        sender: leg.sender?.toLowerCase() as Hex,
        nonce: leg.nonce,
        sourceBlock: event.blockNumber,
        sourceTx: event.transactionHash,
        sourceTimestamp: event.timestamp,
      }
    : {
        wrappedToken: leg.wrappedToken?.toLowerCase() as Hex | undefined,
        destinationBlock: event.blockNumber,
        destinationTx: event.transactionHash,
        destinationTimestamp: event.timestamp,
      };

  // inFlight: source seen, destination not. awaitingSource: destination seen, source not.
  // One store call: insert the message, or (the other leg came first) complete it. The callback sees the
  // stored row, so it also tells which case this was.
  let existing: TransferRow | undefined;
  let duplicateLeg = false;
  await db
    .insert(transfer)
    .values({
      id: leg.messageId,
      asset,
      direction: leg.sourceChainId === homeChainId ? "to_remote" : "to_home",
      amount: leg.amount,
      sourceChainId: leg.sourceChainId,
      destinationChainId: leg.destinationChainId,
      remoteChainId,
      recipient: leg.recipient.toLowerCase() as Hex,
      status: source ? "pending" : "awaiting_source",
      ...legColumns,
    })
    .onConflictDoUpdate((row) => {
      existing = row;
      // The same leg twice cannot happen on chain (each id is processed once); ignore rather than double-count.
      duplicateLeg = source ? row.sourceBlock != null : row.destinationBlock != null;
      if (duplicateLeg) return {};
      const otherTimestamp = source ? row.destinationTimestamp : row.sourceTimestamp;
      const sourceTs = source ? event.timestamp : row.sourceTimestamp;
      const destinationTs = source ? row.destinationTimestamp : event.timestamp;
      return {
        ...legColumns,
        status: otherTimestamp != null ? "delivered" : row.status,
        latencySeconds:
          sourceTs != null && destinationTs != null ? Number(destinationTs - sourceTs) : row.latencySeconds,
      };
    });
  if (duplicateLeg) return;
  const inFlightDelta = existing ? (source ? 0n : -leg.amount) : source ? leg.amount : 0n;
  const awaitingDelta = existing ? (source ? -leg.amount : 0n) : source ? 0n : leg.amount;
  const delivered = existing ? 1 : 0;

  const locked = leg.kind === "Locked" ? leg.amount : 0n;
  const released = leg.kind === "Released" ? leg.amount : 0n;
  const minted = leg.kind === "Minted" ? leg.amount : 0n;
  const burned = leg.kind === "Burned" ? leg.amount : 0n;
  const newMessage = existing ? 0 : 1;

  await db
    .insert(routeTotals)
    .values({
      id: `${asset}:${remoteChainId}`,
      asset,
      homeChainId,
      remoteChainId,
      locked,
      released,
      minted,
      burned,
      outstanding: minted - burned,
      inFlight: inFlightDelta,
      messages: newMessage,
      delivered,
    })
    .onConflictDoUpdate((row) => ({
      locked: row.locked + locked,
      released: row.released + released,
      minted: row.minted + minted,
      burned: row.burned + burned,
      outstanding: row.outstanding + minted - burned,
      inFlight: row.inFlight + inFlightDelta,
      messages: row.messages + newMessage,
      delivered: row.delivered + delivered,
    }));

  if (minted !== 0n || burned !== 0n) {
    const wrapped =
      leg.wrappedToken ?? currentDeployment().localTokenByAsset.get(key(event.chainId, asset))?.address;
    if (wrapped) await addTokenSupply(db, event.chainId, wrapped, asset, { bridge: minted - burned });
  }

  // One store call for the asset's running sums and the check's verdict (the backfill's cost is mostly
  // Ponder store calls per event). The stored row Ponder hands over is a copy-on-write Proxy: spreading it
  // costs a trap per column, so the row after the leg is built field by field and only the columns this
  // leg changes are returned to the store.
  const applyLeg = (previous: AssetSupplyRow): AssetSupplyRow => {
    const awaitingSource = previous.awaitingSource + awaitingDelta;
    return {
      id: previous.id,
      homeChainId: previous.homeChainId,
      custody: previous.custody + locked - released,
      remoteOutstanding: previous.remoteOutstanding + minted - burned,
      inFlight: previous.inFlight + inFlightDelta,
      awaitingSource,
      awaitingSince:
        awaitingSource === 0n
          ? null
          : previous.awaitingSource === 0n
            ? event.timestamp
            : previous.awaitingSince,
      violations: previous.violations,
      excess: previous.excess,
      healthy: previous.healthy,
      lastCheckChainId: previous.lastCheckChainId,
      lastCheckBlock: previous.lastCheckBlock,
      lastCheckTimestamp: previous.lastCheckTimestamp,
    };
  };
  // The columns to store after this leg, from the stored row (or an empty one for a new asset); the
  // verdict of the last call is the one stored.
  let verdict: SupplyVerdict | undefined;
  const columnsAfterLeg = (previous: AssetSupplyRow) => {
    const supply = applyLeg(previous);
    verdict = supplyVerdict(supply, event);
    return {
      custody: supply.custody,
      remoteOutstanding: supply.remoteOutstanding,
      inFlight: supply.inFlight,
      awaitingSource: supply.awaitingSource,
      awaitingSince: supply.awaitingSince,
      ...verdict.columns,
    };
  };
  const empty = emptySupply(asset, homeChainId, event);
  await db
    .insert(assetSupply)
    .values({ ...empty, ...columnsAfterLeg(empty) })
    .onConflictDoUpdate(columnsAfterLeg);
  if (verdict?.worsened) await recordViolation(db, verdict, event, leg.kind, leg.messageId);
}

type AssetSupplyRow = typeof assetSupply.$inferSelect;

type TransferRow = typeof transfer.$inferSelect;

function emptySupply(asset: Hex, homeChainId: number, event: LegEvent): AssetSupplyRow {
  return {
    id: asset,
    homeChainId,
    custody: 0n,
    remoteOutstanding: 0n,
    inFlight: 0n,
    awaitingSource: 0n,
    awaitingSince: null,
    violations: 0,
    excess: 0n,
    healthy: true,
    lastCheckChainId: event.chainId,
    lastCheckBlock: event.blockNumber,
    lastCheckTimestamp: event.timestamp,
  };
}

/** What a supply check decided: the columns to store on the asset's row, and the figures of a violation. */
export type SupplyVerdict = {
  columns: Partial<AssetSupplyRow>;
  /** The check started failing or its excess grew: one supply_violation row is due. */
  worsened: boolean;
  excess: bigint;
  supply: AssetSupplyRow;
};

/**
 * The supply check: remoteOutstanding <= custody + awaitingSource. A destination leg indexed before its
 * source (ordering is by block timestamp; chain clocks can disagree, and a release and its burn often
 * share a second) is excused for `supplyGraceSeconds`; a forged mint has no source leg at all, so once
 * that window passes it counts. Finding the stale legs takes a SQL query, which flushes Ponder's write
 * cache, so event handlers never do it: the periodic SupplyCheck block handler does (`staleAmount`,
 * from `staleAwaitingAmount`), and only when some awaiting leg may be older than the window.
 * A violation row is written when the check starts failing and whenever the excess grows, not on every
 * later event, so one incident is one row (plus one per further unbacked mint). Pure: the caller stores
 * `columns` with its own changes in one store call and records the violation when `worsened`.
 */
export function supplyVerdict(
  supply: AssetSupplyRow,
  event: Pick<LegEvent, "chainId" | "blockNumber" | "timestamp">,
  staleAmount?: bigint,
): SupplyVerdict {
  const includeStale = staleAmount !== undefined;
  const excess = supply.remoteOutstanding - supply.custody - supply.awaitingSource + (staleAmount ?? 0n);
  const healthy = excess <= 0n;
  const checkedAt = {
    lastCheckChainId: event.chainId,
    lastCheckBlock: event.blockNumber,
    lastCheckTimestamp: event.timestamp,
  };
  // Between periodic checks an event handler cannot see stale legs; it must not clear a violation that
  // only the periodic check can confirm, so it keeps the previous verdict when it would need that query.
  if (!includeStale && healthy && !supply.healthy && mayHaveStaleLegs(supply, event.timestamp))
    return { columns: checkedAt, worsened: false, excess, supply };
  const worsened = !healthy && (supply.healthy || excess > supply.excess);
  return {
    columns: {
      // Without the stale legs an event handler sees only part of an excess the periodic check found.
      excess: healthy ? 0n : includeStale || excess > supply.excess ? excess : supply.excess,
      healthy,
      violations: supply.violations + (worsened ? 1 : 0),
      ...checkedAt,
    },
    worsened,
    excess,
    supply,
  };
}

const mayHaveStaleLegs = (supply: AssetSupplyRow, now: bigint) =>
  supply.awaitingSince != null && supply.awaitingSince < now - supplyGraceSeconds();

/**
 * The amount of destination legs still awaiting their source past the grace window, when it can matter
 * (the asset is only excused by such legs; 0 otherwise, without a query). A SQL query: block handlers only.
 */
export async function staleAwaitingAmount(db: Db, supply: AssetSupplyRow, now: bigint): Promise<bigint> {
  const excess = supply.remoteOutstanding - supply.custody - supply.awaitingSource;
  if (!mayHaveStaleLegs(supply, now) || excess > 0n || supply.remoteOutstanding <= supply.custody) return 0n;
  const [stale] = await db.sql
    .select({ amount: sum(transfer.amount) })
    .from(transfer)
    .where(
      and(
        eq(transfer.asset, supply.id),
        eq(transfer.status, "awaiting_source"),
        lt(transfer.destinationTimestamp, now - supplyGraceSeconds()),
      ),
    );
  return BigInt(stale?.amount ?? 0);
}

/** The supply_violation row of a check that worsened. */
export async function recordViolation(
  db: Db,
  verdict: SupplyVerdict,
  event: LegEvent,
  trigger: string,
  messageId?: Hex,
): Promise<void> {
  const { supply } = verdict;
  await db.insert(supplyViolation).values({
    id: `${event.id}:${trigger}`,
    asset: supply.id,
    chainId: event.chainId,
    blockNumber: event.blockNumber,
    blockTimestamp: event.timestamp,
    transactionHash: event.transactionHash,
    trigger,
    messageId,
    remoteOutstanding: supply.remoteOutstanding,
    custody: supply.custody,
    awaitingSource: supply.awaitingSource,
    excess: verdict.excess,
  });
}

/** Adds to a token's supply on one chain: `total` from its Transfer events, `bridge` from Minted/Burned. */
export async function addTokenSupply(
  db: Db,
  chainId: number,
  token: Hex,
  asset: Hex | undefined,
  delta: { total?: bigint; bridge?: bigint },
): Promise<void> {
  const total = delta.total ?? 0n;
  const bridge = delta.bridge ?? 0n;
  const counted = delta.total !== undefined ? 1 : 0;
  await db
    .insert(tokenSupply)
    .values({
      id: key(chainId, token),
      chainId,
      token: token.toLowerCase() as Hex,
      asset: asset?.toLowerCase() as Hex | undefined,
      totalSupply: total,
      bridgeSupply: bridge,
      transfers: counted,
    })
    .onConflictDoUpdate((row) => ({
      totalSupply: row.totalSupply + total,
      bridgeSupply: row.bridgeSupply + bridge,
      transfers: row.transfers + counted,
    }));
}

/** The parts of a Ponder event the ledger records about where a leg happened. */
export function legEventOf(
  event: { id: string; block: { number: bigint; timestamp: bigint }; transaction: { hash: Hex } },
  chainId: number,
): LegEvent {
  return {
    id: event.id,
    chainId,
    blockNumber: event.block.number,
    timestamp: event.block.timestamp,
    transactionHash: event.transaction.hash,
  };
}
