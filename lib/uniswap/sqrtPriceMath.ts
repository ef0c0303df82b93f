import { divRoundingUp, MAX_UINT160, MAX_UINT256, mulDiv, mulDivRoundingUp, Q96 } from "./fullMath.js";

/**
 * Uniswap v3's SqrtPriceMath in bigint: prices after adding or removing an amount of one token at a
 * given liquidity, and the token amounts between two prices, each rounded the way the pool rounds it
 * (always in the pool's favour).
 */

export class InsufficientLiquidityError extends RangeError {}

/** token0 in or out moves the price by L*sqrtP / (L +- amount*sqrtP), rounded up. */
export function getNextSqrtPriceFromAmount0RoundingUp(
  sqrtPriceX96: bigint,
  liquidity: bigint,
  amount: bigint,
  add: boolean,
): bigint {
  if (amount === 0n) return sqrtPriceX96;
  const numerator1 = liquidity << 96n;
  const product = amount * sqrtPriceX96;
  if (add) {
    // The pool takes the precise form only when neither the product nor the sum overflows 256 bits.
    if (product <= MAX_UINT256 && numerator1 + product <= MAX_UINT256) {
      return mulDivRoundingUp(numerator1, sqrtPriceX96, numerator1 + product);
    }
    return divRoundingUp(numerator1, numerator1 / sqrtPriceX96 + amount);
  }
  if (product > MAX_UINT256 || numerator1 <= product) {
    throw new InsufficientLiquidityError("not enough token0 liquidity for that output");
  }
  return toUint160(mulDivRoundingUp(numerator1, sqrtPriceX96, numerator1 - product));
}

/** token1 in or out moves the price by amount / L, rounded down. */
export function getNextSqrtPriceFromAmount1RoundingDown(
  sqrtPriceX96: bigint,
  liquidity: bigint,
  amount: bigint,
  add: boolean,
): bigint {
  if (add) return toUint160(sqrtPriceX96 + mulDiv(amount, Q96, liquidity));
  const quotient = mulDivRoundingUp(amount, Q96, liquidity);
  if (sqrtPriceX96 <= quotient)
    throw new InsufficientLiquidityError("not enough token1 liquidity for that output");
  return sqrtPriceX96 - quotient;
}

export function getNextSqrtPriceFromInput(
  sqrtPriceX96: bigint,
  liquidity: bigint,
  amountIn: bigint,
  zeroForOne: boolean,
): bigint {
  return zeroForOne
    ? getNextSqrtPriceFromAmount0RoundingUp(sqrtPriceX96, liquidity, amountIn, true)
    : getNextSqrtPriceFromAmount1RoundingDown(sqrtPriceX96, liquidity, amountIn, true);
}

/** token0 between two prices: L * (sqrtB - sqrtA) / (sqrtA * sqrtB). */
export function getAmount0Delta(sqrtA: bigint, sqrtB: bigint, liquidity: bigint, roundUp: boolean): bigint {
  const [lower, upper] = sqrtA > sqrtB ? [sqrtB, sqrtA] : [sqrtA, sqrtB];
  const numerator1 = liquidity << 96n;
  const numerator2 = upper - lower;
  return roundUp
    ? divRoundingUp(mulDivRoundingUp(numerator1, numerator2, upper), lower)
    : mulDiv(numerator1, numerator2, upper) / lower;
}

/** token1 between two prices: L * (sqrtB - sqrtA). */
export function getAmount1Delta(sqrtA: bigint, sqrtB: bigint, liquidity: bigint, roundUp: boolean): bigint {
  const [lower, upper] = sqrtA > sqrtB ? [sqrtB, sqrtA] : [sqrtA, sqrtB];
  return roundUp ? mulDivRoundingUp(liquidity, upper - lower, Q96) : mulDiv(liquidity, upper - lower, Q96);
}

function toUint160(value: bigint): bigint {
  if (value > MAX_UINT160) throw new InsufficientLiquidityError("sqrt price beyond uint160");
  return value;
}
