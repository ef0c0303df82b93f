import { mulDiv, mulDivRoundingUp } from "./fullMath.js";
import { getAmount0Delta, getAmount1Delta, getNextSqrtPriceFromInput } from "./sqrtPriceMath.js";

/** Fees are in hundredths of a basis point: 3000 = 0.3%. */
const FEE_DENOMINATOR = 1_000_000n;

export type SwapStep = { sqrtPriceNextX96: bigint; amountIn: bigint; amountOut: bigint; feeAmount: bigint };

/**
 * One step of an exact-input swap inside a single liquidity range (the pool's SwapMath.computeSwapStep
 * for a non-negative amount): how far towards `sqrtPriceTargetX96` the remaining input moves the price,
 * what goes in (fee excluded), what comes out and the fee.
 */
export function computeSwapStepExactIn(
  sqrtPriceCurrentX96: bigint,
  sqrtPriceTargetX96: bigint,
  liquidity: bigint,
  amountRemaining: bigint,
  feePips: number,
): SwapStep {
  const fee = BigInt(feePips);
  const zeroForOne = sqrtPriceCurrentX96 >= sqrtPriceTargetX96;
  const amountRemainingLessFee = mulDiv(amountRemaining, FEE_DENOMINATOR - fee, FEE_DENOMINATOR);
  const inToTarget = zeroForOne
    ? getAmount0Delta(sqrtPriceTargetX96, sqrtPriceCurrentX96, liquidity, true)
    : getAmount1Delta(sqrtPriceCurrentX96, sqrtPriceTargetX96, liquidity, true);
  const reachesTarget = amountRemainingLessFee >= inToTarget;
  const sqrtPriceNextX96 = reachesTarget
    ? sqrtPriceTargetX96
    : getNextSqrtPriceFromInput(sqrtPriceCurrentX96, liquidity, amountRemainingLessFee, zeroForOne);
  // The pool decides by the price reached, not by the comparison above: an input that falls short but
  // lands exactly on the target is charged as a full step.
  const atTarget = sqrtPriceNextX96 === sqrtPriceTargetX96;
  const amountIn = atTarget
    ? inToTarget
    : zeroForOne
      ? getAmount0Delta(sqrtPriceNextX96, sqrtPriceCurrentX96, liquidity, true)
      : getAmount1Delta(sqrtPriceCurrentX96, sqrtPriceNextX96, liquidity, true);
  const amountOut = zeroForOne
    ? getAmount1Delta(sqrtPriceNextX96, sqrtPriceCurrentX96, liquidity, false)
    : getAmount0Delta(sqrtPriceCurrentX96, sqrtPriceNextX96, liquidity, false);
  // Short of the target, all that remains is the fee (the pool keeps the rounding remainder).
  const feeAmount = atTarget
    ? mulDivRoundingUp(amountIn, fee, FEE_DENOMINATOR - fee)
    : amountRemaining - amountIn;
  return { sqrtPriceNextX96, amountIn, amountOut, feeAmount };
}
