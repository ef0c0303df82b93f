import { type ExactInputQuote, quoteExactInput, type UniswapPoolState } from "../uniswap/swap.js";
import { getSqrtRatioAtTick, MAX_SQRT_RATIO, MIN_SQRT_RATIO } from "../uniswap/tickMath.js";
import type { RiskDexPool } from "./snapshot.js";

/*
 * What selling a market's seized collateral does to its price: the cascade's only source of price
 * impact. Three sources, per market: a Uniswap v3 pool of the snapshot (swap math over its initialized
 * ticks, as the pool itself would swap), else the reserves' constant-product depth, else none.
 */

/** Where a market's price impact comes from. */
export type LiquiditySource = "uniswap-v3" | "constant-product" | "none";

/** A snapshot pool made ready for repeated sales (built once per book). */
export type DexMarketPool = {
  pool: RiskDexPool;
  state: UniswapPoolState;
  /** The market's token is token0: selling it moves the pool's price down. */
  zeroForOne: boolean;
  /** 10^tokenDecimals: whole tokens to base units. */
  tokenUnit: number;
  /**
   * The sqrt price at the far edge of the pool's liquidity (its lowest initialized tick when selling
   * token0, highest when selling token1), or null when no liquidity lies beyond the current price.
   * Sales are quoted with it as the price limit: see {@link sellSeizedCollateral}.
   */
  edgeSqrtPriceX96: bigint | null;
  /** Pool price of the market's token before any sale, in whole quote tokens per whole token. */
  priceBefore: number;
};

/** One market's sale of everything its liquidations seized, at one cascade round. */
export type MarketSale = {
  source: LiquiditySource;
  /** Pool address (uniswap-v3), else null. */
  pool: string | null;
  /** Whole tokens the liquidations seized and offered. */
  seizedTokens: number;
  /** Whole tokens the pool took (Uniswap: input including the fee). */
  soldTokens: number;
  /** Whole tokens no one bought: the pool's liquidity ran out first. */
  unsoldTokens: number;
  /** Uniswap: base units offered and taken, and quote-token base units paid out; else null. */
  amountOffered: bigint | null;
  amountIn: bigint | null;
  amountOut: bigint | null;
  /** Uniswap: pool price before the sale and where it stopped, whole quote tokens per token; else null. */
  poolPriceBefore: number | null;
  poolPriceReached: number | null;
  /** What the market's shocked price is multiplied by: 1 = no impact; in (0, 1]. */
  priceRatio: number;
  initializedTicksCrossed: number;
  /** The pool ran out of liquidity before taking every seized token. */
  exhausted: boolean;
};

/**
 * Prepares a snapshot pool for {@link sellSeizedCollateral}.
 *
 * @example
 * const dex = compileDexPool(snapshot.dexPools[0]);
 */
export function compileDexPool(pool: RiskDexPool): DexMarketPool {
  const zeroForOne = pool.token.toLowerCase() === pool.token0.toLowerCase();
  const state: UniswapPoolState = {
    sqrtPriceX96: pool.sqrtPriceX96,
    tick: pool.tick,
    liquidity: pool.liquidity,
    fee: pool.fee,
    tickSpacing: pool.tickSpacing,
    ticks: pool.ticks,
  };
  let edgeSqrtPriceX96: bigint | null = null;
  if (pool.ticks.length > 0) {
    const ticks = pool.ticks.map((t) => t.tick);
    // Past the last initialized tick no position has liquidity: a sale that gets there is exhausted, and
    // the price the pool can justify is the one at that tick (not the tick range's end, where an
    // unlimited quote would leave it after walking through empty ranges).
    const edge = zeroForOne
      ? maxBig(getSqrtRatioAtTick(Math.min(...ticks)), MIN_SQRT_RATIO + 1n)
      : minBig(getSqrtRatioAtTick(Math.max(...ticks)), MAX_SQRT_RATIO - 1n);
    if (zeroForOne ? edge < pool.sqrtPriceX96 : edge > pool.sqrtPriceX96) edgeSqrtPriceX96 = edge;
  }
  return {
    pool,
    state,
    zeroForOne,
    tokenUnit: 10 ** pool.tokenDecimals,
    edgeSqrtPriceX96,
    priceBefore: tokenPrice(pool, zeroForOne, pool.sqrtPriceX96),
  };
}

/**
 * Sells `seizedTokens` whole tokens of one market through its liquidity source and returns the sale and
 * the price ratio the cascade applies to the market's shocked price.
 *
 * - uniswap-v3: the amount in base units (floored) is sold exact-input through the pool's ticks with the
 *   liquidity edge as the price limit; the ratio is the pool price reached over the price before (so
 *   the market keeps its own oracle level and moves by the pool's relative impact). Equal to
 *   `quoteExactInput(state, zeroForOne, amount, edge)`, and so to QuoterV2 with that limit; equal to
 *   the unlimited quote whenever the sale is not exhausted. An exhausted sale stops at the edge: the
 *   price reached is the last price the pool's liquidity supports and `unsoldTokens` says how much had no
 *   buyer (the figure to read, since that collateral is not converted at any price).
 * - constant-product: `(x / (x + Q))^2` with the reserves' depth x (whole tokens).
 * - none: ratio 1.
 *
 * Selling more never gives a higher ratio in any of the three (the swap's price only moves one way as
 * input grows; flooring to base units is monotone), which the cascade's termination argument needs.
 *
 * @example
 * sellSeizedCollateral(compileDexPool(pool), Number.POSITIVE_INFINITY, 12.5).priceRatio;
 */
export function sellSeizedCollateral(
  dex: DexMarketPool | null,
  constantProductDepth: number,
  seizedTokens: number,
): MarketSale {
  if (dex) return sellIntoUniswap(dex, seizedTokens);
  const cp = Number.isFinite(constantProductDepth);
  const ratio =
    seizedTokens === 0 || !cp ? 1 : (constantProductDepth / (constantProductDepth + seizedTokens)) ** 2;
  return {
    source: cp ? "constant-product" : "none",
    pool: null,
    seizedTokens,
    soldTokens: seizedTokens,
    unsoldTokens: 0,
    amountOffered: null,
    amountIn: null,
    amountOut: null,
    poolPriceBefore: null,
    poolPriceReached: null,
    priceRatio: ratio,
    initializedTicksCrossed: 0,
    exhausted: false,
  };
}

function sellIntoUniswap(dex: DexMarketPool, seizedTokens: number): MarketSale {
  const amount = BigInt(Math.floor(seizedTokens * dex.tokenUnit));
  const quote: ExactInputQuote | null =
    amount > 0n && dex.edgeSqrtPriceX96 !== null
      ? quoteExactInput(dex.state, dex.zeroForOne, amount, dex.edgeSqrtPriceX96)
      : null;
  const sqrtAfter = quote?.sqrtPriceX96After ?? dex.state.sqrtPriceX96;
  const amountIn = quote?.amountIn ?? 0n;
  // Nothing can be sold when no liquidity lies beyond the price: every seized token is unsold.
  const exhausted = quote ? quote.exhausted : amount > 0n;
  const soldTokens = Number(amountIn) / dex.tokenUnit;
  const reached = tokenPrice(dex.pool, dex.zeroForOne, sqrtAfter);
  return {
    source: "uniswap-v3",
    pool: dex.pool.address,
    seizedTokens,
    soldTokens,
    unsoldTokens: exhausted ? Math.max(0, seizedTokens - soldTokens) : 0,
    amountOffered: amount,
    amountIn,
    amountOut: quote?.amountOut ?? 0n,
    poolPriceBefore: dex.priceBefore,
    poolPriceReached: reached,
    priceRatio: priceRatio(dex, sqrtAfter),
    initializedTicksCrossed: quote?.initializedTicksCrossed ?? 0,
    exhausted,
  };
}

/**
 * Pool price after / before for the sold token: (sqrt after / sqrt before)^2 when it is token0, the
 * inverse when it is token1. The decimals cancel, so this is exact up to float rounding of the two
 * sqrt prices (relative 1e-16).
 */
function priceRatio(dex: DexMarketPool, sqrtAfter: bigint): number {
  const r = Number(sqrtAfter) / Number(dex.state.sqrtPriceX96);
  const ratio = dex.zeroForOne ? r * r : 1 / (r * r);
  return ratio > 1 ? 1 : ratio;
}

const Q96 = 2 ** 96;

/**
 * Whole quote tokens per whole sold token at a sqrt price: the pool's price is token1 per token0 in base
 * units, `(sqrtPriceX96 / 2^96)^2`, scaled by the decimals, inverted when the sold token is token1.
 */
export function tokenPrice(pool: RiskDexPool, zeroForOne: boolean, sqrtPriceX96: bigint): number {
  const s = Number(sqrtPriceX96) / Q96;
  const scale = 10 ** (pool.tokenDecimals - pool.quoteDecimals);
  return zeroForOne ? s * s * scale : scale / (s * s);
}

const maxBig = (a: bigint, b: bigint) => (a > b ? a : b);
const minBig = (a: bigint, b: bigint) => (a < b ? a : b);
