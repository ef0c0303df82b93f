import type { Deployment } from "../../../deployments.js";
import type { RiskDexPool } from "../../index.js";
import type { IndexerRows } from "./indexerRows.js";

const lower = (a: string) => a.toLowerCase();
const chainKey = (chainId: number, address: string) => `${chainId}:${lower(address)}`;

/**
 * The cascade's Uniswap v3 pools from the indexer's `uniswap_pool` and `uniswap_tick` rows, read with the
 * rest of the snapshot (same checkpoints, same block). A pool is used to sell the one of its tokens that
 * is a bridge's wrapped token (into the other, the chain's stablecoin on the devnet); a pool of two
 * wrapped tokens or of none says nothing about what liquidators of a bridged collateral get for it, and
 * is left out, as is a pool not yet initialized (no price) or whose tokens the deployments file does not
 * list (no decimals).
 *
 * @example
 * const dexPools = dexPoolsFromRows(deployment, rows);
 */
export function dexPoolsFromRows(
  deployment: Deployment,
  rows: Pick<IndexerRows, "uniswapPools" | "uniswapTicks">,
): RiskDexPool[] {
  const tokens = new Map(
    deployment.chains.flatMap((c) => c.tokens.map((t) => [chainKey(c.chainId, t.address), t] as const)),
  );
  const ticksByPool = new Map<string, { tick: number; liquidityNet: bigint }[]>();
  for (const t of rows.uniswapTicks) {
    if (t.liquidityGross === 0n) continue;
    const list = ticksByPool.get(t.pool) ?? [];
    list.push({ tick: t.tick, liquidityNet: t.liquidityNet });
    ticksByPool.set(t.pool, list);
  }
  const pools: RiskDexPool[] = [];
  for (const p of rows.uniswapPools) {
    if (p.sqrtPriceX96 === null || p.tick === null) continue;
    const t0 = tokens.get(chainKey(p.chainId, p.token0));
    const t1 = tokens.get(chainKey(p.chainId, p.token1));
    if (!t0 || !t1) continue;
    const sold0 = t0.kind === "wrapped";
    if (sold0 === (t1.kind === "wrapped")) continue;
    const [sold, quote] = sold0 ? [t0, t1] : [t1, t0];
    pools.push({
      chainId: p.chainId,
      address: lower(p.address),
      token0: lower(p.token0),
      token1: lower(p.token1),
      token: lower(sold.address),
      tokenDecimals: sold.decimals,
      quoteDecimals: quote.decimals,
      sqrtPriceX96: p.sqrtPriceX96,
      tick: p.tick,
      liquidity: p.liquidity,
      fee: p.fee,
      tickSpacing: p.tickSpacing,
      ticks: (ticksByPool.get(p.id) ?? []).sort((a, b) => a.tick - b.tick),
    });
  }
  return pools;
}
