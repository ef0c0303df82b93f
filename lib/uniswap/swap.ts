import { computeSwapStepExactIn } from "./swapMath.js";
import {
  getSqrtRatioAtTick,
  getTickAtSqrtRatio,
  MAX_SQRT_RATIO,
  MAX_TICK,
  MIN_SQRT_RATIO,
  MIN_TICK,
} from "./tickMath.js";

/** What the engine knows of a Uniswap v3 pool: slot0, in-range liquidity and every initialized tick. */
export type UniswapPoolState = {
  sqrtPriceX96: bigint;
  tick: number;
  liquidity: bigint;
  /** Fee in hundredths of a basis point (500, 3000, 10000). */
  fee: number;
  tickSpacing: number;
  /** Initialized ticks and their liquidityNet (from the pool's Mint and Burn), in any order. */
  ticks: readonly { tick: number; liquidityNet: bigint }[];
};

export type ExactInputQuote = {
  /** Input the pool takes, fee included; less than asked when the liquidity ran out. */
  amountIn: bigint;
  amountOut: bigint;
  sqrtPriceX96After: bigint;
  tickAfter: number;
  liquidityAfter: bigint;
  initializedTicksCrossed: number;
  /** The price reached its limit with input left: the pool could not absorb the whole sale. */
  exhausted: boolean;
};

export class InvalidSwapError extends RangeError {}

/**
 * An exact-input swap through the pool's tick liquidity, step by step as UniswapV3Pool.swap runs it:
 * steps stop at every initialized tick and at every 256-tick-spacing word boundary (the tick bitmap's
 * search window), because each step rounds on its own and the output must equal the pool's to the wei.
 * With no limit the price may go to the ends of the tick range, as QuoterV2 quotes with limit 0.
 */
export function quoteExactInput(
  pool: UniswapPoolState,
  zeroForOne: boolean,
  amountIn: bigint,
  sqrtPriceLimitX96?: bigint,
): ExactInputQuote {
  if (amountIn <= 0n) throw new InvalidSwapError(`amountIn must be positive, got ${amountIn}`);
  const limit = sqrtPriceLimitX96 ?? (zeroForOne ? MIN_SQRT_RATIO + 1n : MAX_SQRT_RATIO - 1n);
  if (
    zeroForOne
      ? limit >= pool.sqrtPriceX96 || limit <= MIN_SQRT_RATIO
      : limit <= pool.sqrtPriceX96 || limit >= MAX_SQRT_RATIO
  ) {
    throw new InvalidSwapError("the price limit is on the wrong side of the current price");
  }
  const net = new Map(pool.ticks.map((t) => [t.tick, t.liquidityNet]));
  const compressed = [...net.keys()].map((t) => compress(t, pool.tickSpacing)).sort((a, b) => a - b);

  let remaining = amountIn;
  let amountOut = 0n;
  let sqrtPrice = pool.sqrtPriceX96;
  let tick = pool.tick;
  let liquidity = pool.liquidity;
  let crossed = 0;
  while (remaining !== 0n && sqrtPrice !== limit) {
    const start = sqrtPrice;
    const next = nextTickWithinOneWord(compressed, tick, pool.tickSpacing, zeroForOne);
    const tickNext = Math.min(Math.max(next.tick, MIN_TICK), MAX_TICK);
    const sqrtNext = getSqrtRatioAtTick(tickNext);
    const target = (zeroForOne ? sqrtNext < limit : sqrtNext > limit) ? limit : sqrtNext;
    const step = computeSwapStepExactIn(sqrtPrice, target, liquidity, remaining, pool.fee);
    sqrtPrice = step.sqrtPriceNextX96;
    remaining -= step.amountIn + step.feeAmount;
    amountOut += step.amountOut;
    if (sqrtPrice === sqrtNext) {
      if (next.initialized) {
        const liquidityNet = net.get(tickNext) ?? 0n;
        liquidity += zeroForOne ? -liquidityNet : liquidityNet;
        crossed++;
      }
      tick = zeroForOne ? tickNext - 1 : tickNext;
    } else if (sqrtPrice !== start) {
      tick = getTickAtSqrtRatio(sqrtPrice);
    }
  }
  return {
    amountIn: amountIn - remaining,
    amountOut,
    sqrtPriceX96After: sqrtPrice,
    tickAfter: tick,
    liquidityAfter: liquidity,
    initializedTicksCrossed: crossed,
    exhausted: remaining !== 0n,
  };
}

/** Solidity's tick / spacing, rounded towards negative infinity as TickBitmap does. */
function compress(tick: number, spacing: number): number {
  return Math.floor(tick / spacing);
}

/**
 * TickBitmap.nextInitializedTickWithinOneWord over a sorted list of initialized compressed ticks: the
 * next initialized tick at or below (zeroForOne) or above the current one, but never past the edge of
 * the current 256-spacing word, which it returns uninitialized instead.
 */
function nextTickWithinOneWord(
  compressedTicks: number[],
  tick: number,
  spacing: number,
  lte: boolean,
): { tick: number; initialized: boolean } {
  const compressed = compress(tick, spacing);
  if (lte) {
    const wordStart = compressed - mod256(compressed);
    const found = lastAtOrBelow(compressedTicks, compressed);
    return found !== undefined && found >= wordStart
      ? { tick: found * spacing, initialized: true }
      : { tick: wordStart * spacing, initialized: false };
  }
  const from = compressed + 1;
  const wordEnd = from + (255 - mod256(from));
  const found = firstAtOrAbove(compressedTicks, from);
  return found !== undefined && found <= wordEnd
    ? { tick: found * spacing, initialized: true }
    : { tick: wordEnd * spacing, initialized: false };
}

const mod256 = (value: number): number => ((value % 256) + 256) % 256;

function lastAtOrBelow(sorted: number[], value: number): number | undefined {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (sorted[mid]! <= value) low = mid + 1;
    else high = mid;
  }
  return low > 0 ? sorted[low - 1] : undefined;
}

function firstAtOrAbove(sorted: number[], value: number): number | undefined {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (sorted[mid]! < value) low = mid + 1;
    else high = mid;
  }
  return sorted[low];
}
