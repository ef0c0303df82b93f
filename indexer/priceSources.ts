import type { Context } from "ponder:registry";
import { market, priceAggregator, priceCheck, priceSource, reserve } from "ponder:schema";
import { and, eq } from "ponder";
import type { Address, Hex } from "viem";
import { eacAggregatorProxyAbi } from "../contracts/generated/index.js";
import { DEFAULT_FEED_HEARTBEAT_SECONDS } from "../lib/aave/oracle.js";
import { type ConfiguredSource, currentDeployment, key, lower } from "./deployment.js";

/**
 * Chainlink proxies as AaveOracle's sources. The proxy forwards reads to its current aggregator and emits
 * nothing, not even when it is switched to another aggregator; the aggregator emits AnswerUpdated. So:
 * - when a source is first seen (AaveOracle's AssetSourceUpdated, or the deployments file) its
 *   `aggregator()`, `decimals()` and `latestRoundData()` are read once;
 * - AnswerUpdated of an aggregator updates every source currently forwarding to it (price_aggregator);
 * - a block interval re-reads every proxy's `aggregator()`; on a switch it reads the proxy's latest round,
 *   so the new aggregator's price is used from that check on even if it emits nothing for a while.
 * RPC reads happen only in these rare paths, never per AnswerUpdated.
 */

type ReadContext = Pick<Context, "db" | "client" | "chain">;
type Db = Context["db"];
type SourceRow = typeof priceSource.$inferSelect;

export const sourceId = (chainId: number, proxy: string) => key(chainId, proxy);

export type SourceRead = {
  /** The proxy's aggregator; the address itself when it has no `aggregator()` (an aggregator used directly). */
  aggregator: Address | null;
  decimals: number | null;
  description: string | null;
  round: { roundId: bigint; answer: bigint; updatedAt: bigint } | null;
};

/** Reads what a source forwards to, at `blockNumber`. Failed reads are null, never thrown. */
export async function readSource(
  context: ReadContext,
  proxy: Address,
  blockNumber: bigint,
  what: { aggregatorOnly?: boolean } = {},
): Promise<SourceRead> {
  const read = <T>(functionName: "aggregator" | "decimals" | "description" | "latestRoundData") =>
    context.client
      // retryEmptyResponse: a source without the function (or not deployed yet at this block) answers
      // "0x"; Ponder would otherwise retry that for minutes before giving up.
      .readContract({
        abi: eacAggregatorProxyAbi,
        address: proxy,
        functionName,
        blockNumber,
        retryEmptyResponse: false,
      })
      .then((value) => value as T)
      .catch(() => null);
  const aggregator = await read<Address>("aggregator");
  const direct = aggregator === null && (await read<number>("decimals")) !== null;
  const resolved = aggregator ? lower(aggregator) : direct ? lower(proxy) : null;
  if (what.aggregatorOnly) return { aggregator: resolved, decimals: null, description: null, round: null };
  const [decimals, description, round] = await Promise.all([
    read<number>("decimals"),
    read<string>("description"),
    read<readonly [bigint, bigint, bigint, bigint, bigint]>("latestRoundData"),
  ]);
  return {
    aggregator: resolved,
    decimals: decimals === null ? null : Number(decimals),
    description,
    round: round ? { roundId: round[0], answer: round[1], updatedAt: round[3] } : null,
  };
}

async function link(db: Db, chainId: number, aggregator: Address, id: string): Promise<void> {
  await db
    .insert(priceAggregator)
    .values({ id: key(chainId, aggregator), chainId, aggregator, sources: [id] })
    .onConflictDoUpdate((row) => ({
      sources: row.sources.includes(id) ? row.sources : [...row.sources, id],
    }));
}

async function unlink(db: Db, chainId: number, aggregator: Address, id: string): Promise<void> {
  const row = await db.find(priceAggregator, { id: key(chainId, aggregator) });
  if (row)
    await db.update(priceAggregator, { id: row.id }).set({ sources: row.sources.filter((s) => s !== id) });
}

function configuredSource(chainId: number, proxy: string): ConfiguredSource | undefined {
  return currentDeployment()
    .configuredSources.get(chainId)
    ?.find((s) => lower(s.proxy) === lower(proxy));
}

/**
 * Reads a source and records it: created on first sight, re-linked to its aggregator, answer taken from
 * the read. `checkedBy` says why ("source-set", "config", "answer-updated").
 */
export async function refreshSource(
  context: ReadContext,
  proxy: Address,
  blockNumber: bigint,
  checkedBy: string,
  asset?: Address,
): Promise<SourceRow> {
  const chainId = context.chain.id;
  const id = sourceId(chainId, proxy);
  const read = await readSource(context, proxy, blockNumber);
  const existing = await context.db.find(priceSource, { id });
  const configured = configuredSource(chainId, proxy);
  const answer = read.round
    ? {
        answer: read.round.answer,
        roundId: read.round.roundId,
        updatedAt: read.round.updatedAt,
        answerFrom: checkedBy,
      }
    : { answerFrom: "unreadable" };
  const values = {
    aggregator: read.aggregator,
    decimals: read.decimals,
    description: read.description,
    asset: asset ? lower(asset) : (existing?.asset ?? (configured ? lower(configured.asset) : null)),
    symbol: existing?.symbol ?? configured?.symbol ?? null,
    ...answer,
    checkedAtBlock: blockNumber,
    checkedBy,
  };
  if (existing?.aggregator && existing.aggregator !== read.aggregator)
    await unlink(context.db, chainId, existing.aggregator, id);
  if (read.aggregator) await link(context.db, chainId, read.aggregator, id);
  const switched = existing?.aggregator && read.aggregator !== existing.aggregator ? 1 : 0;
  if (!existing)
    await context.db
      .insert(priceCheck)
      .values({ chainId, sources: [id], checkedAtBlock: 0n })
      .onConflictDoUpdate((row) => ({ sources: [...row.sources, id] }));
  return context.db
    .insert(priceSource)
    .values({
      id,
      chainId,
      proxy: lower(proxy),
      heartbeatSeconds: configured?.heartbeatSeconds ?? DEFAULT_FEED_HEARTBEAT_SECONDS,
      switches: 0,
      ...values,
    })
    .onConflictDoUpdate((row) => ({ ...values, switches: row.switches + switched }));
}

/**
 * AnswerUpdated of `aggregator`: the new answer of every source forwarding to it. An aggregator nobody
 * forwards to is ignored, unless the deployments file names it (its proxy has not been seen yet, e.g. the
 * first answers arrive before the first interval check): then the proxy is read once and recorded.
 */
export async function applyAnswer(
  context: ReadContext,
  aggregator: Address,
  answer: { current: bigint; roundId: bigint; updatedAt: bigint },
  blockNumber: bigint,
): Promise<void> {
  const chainId = context.chain.id;
  const row = await context.db.find(priceAggregator, { id: key(chainId, aggregator) });
  if (!row) {
    const configured = currentDeployment()
      .configuredSources.get(chainId)
      ?.filter((s) => lower(s.aggregator ?? s.proxy) === lower(aggregator));
    if (!configured?.length) return;
    for (const s of configured) await refreshSource(context, s.proxy, blockNumber, "config");
    // The reads above already saw this block's answer; nothing more to apply.
    return;
  }
  for (const id of row.sources) {
    await context.db.update(priceSource, { id }).set({
      answer: answer.current,
      roundId: answer.roundId,
      updatedAt: answer.updatedAt,
      answerFrom: "answer-updated",
    });
  }
}

/**
 * The interval check of one chain: every known source's `aggregator()` re-read at this block; a switch
 * re-reads the whole source (decimals, latest round) and the problems of the reserves it prices. Sources
 * named by the deployments file and not yet seen are recorded on the way.
 */
export async function checkSources(context: ReadContext, blockNumber: bigint): Promise<void> {
  const chainId = context.chain.id;
  let check = await context.db.find(priceCheck, { chainId });
  const known = new Set(check?.sources ?? []);
  for (const s of currentDeployment().configuredSources.get(chainId) ?? []) {
    if (!known.has(sourceId(chainId, s.proxy))) await refreshSource(context, s.proxy, blockNumber, "config");
  }
  check = await context.db.find(priceCheck, { chainId });
  const rows = await Promise.all((check?.sources ?? []).map((id) => context.db.find(priceSource, { id })));
  const reads = await Promise.all(
    rows.map((r) => (r ? readSource(context, r.proxy, blockNumber, { aggregatorOnly: true }) : null)),
  );
  for (const [i, row] of rows.entries()) {
    if (!row || reads[i]!.aggregator === row.aggregator) continue;
    const updated = await refreshSource(context, row.proxy, blockNumber, "aggregator-switch");
    if (updated.decimals !== row.decimals) await refreshProblemsOfSource(context.db, chainId, row.proxy);
  }
  await context.db
    .insert(priceCheck)
    .values({ chainId, sources: [], checkedAtBlock: blockNumber })
    .onConflictDoUpdate({ checkedAtBlock: blockNumber });
}

/** Re-derives the problems of every reserve priced by `proxy` (after its decimals changed). */
async function refreshProblemsOfSource(db: Db, chainId: number, proxy: Hex): Promise<void> {
  const reserves = await db.sql
    .select()
    .from(reserve)
    .where(and(eq(reserve.chainId, chainId), eq(reserve.priceSource, proxy)));
  for (const r of reserves) await refreshReserveProblems(db, r.id);
}

/**
 * What is wrong with a reserve's price: no source, an unreadable one, or one answering in other decimals
 * than the market's base currency unit. Such a price is used as AaveOracle returns it (the Pool does the
 * same); the problem is recorded so the risk engine can flag the reserve instead of trusting it.
 */
export function priceProblems(
  source: Pick<SourceRow, "proxy" | "decimals" | "aggregator"> | undefined,
  baseCurrencyUnit: bigint,
): string[] {
  if (!source) return ["no price source set in AaveOracle"];
  if (source.aggregator === null) return [`price source ${source.proxy} has no readable aggregator`];
  if (source.decimals === null) return [`price source ${source.proxy} has no readable decimals()`];
  if (10n ** BigInt(source.decimals) !== baseCurrencyUnit)
    return [
      `price source ${source.proxy} has ${source.decimals} decimals but the market's base currency unit is ${baseCurrencyUnit}: answers are used as returned, not rescaled`,
    ];
  return [];
}

export async function refreshReserveProblems(db: Db, reserveId: string): Promise<void> {
  const row = await db.find(reserve, { id: reserveId });
  if (!row) return;
  const marketRow = await db.find(market, { id: row.protocol });
  const source = row.priceSource
    ? await db.find(priceSource, { id: sourceId(row.chainId, row.priceSource) })
    : undefined;
  const problems = priceProblems(
    source ?? (row.priceSource ? { proxy: row.priceSource, decimals: null, aggregator: null } : undefined),
    marketRow?.baseCurrencyUnit ?? 10n ** 8n,
  );
  await db.update(reserve, { id: reserveId }).set({ problems });
}
