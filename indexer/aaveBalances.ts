import { rayDiv } from "../lib/aave/wadRayMath.js";

/**
 * How Aave v3.0 tokens (core-v3 1.19.3, ScaledBalanceTokenBase / StableDebtToken) change a holder's stored
 * balance, read back from the events they emit. Pure, so the rules are unit-tested on their own.
 *
 * aToken and variable debt token keep `scaled = amount.rayDiv(index)` per holder:
 * - `_mintScaled(amount)` adds `amount.rayDiv(index)` and emits Mint(value = amount + balanceIncrease).
 * - `_burnScaled(amount)` removes `amount.rayDiv(index)`; when the interest accrued since the holder's last
 *   action exceeds `amount` it emits Mint(value = balanceIncrease - amount) instead of Burn, otherwise
 *   Burn(value = amount - balanceIncrease). So a Mint with value < balanceIncrease is a burn.
 * - `_transfer` moves `amount.rayDiv(index)` and emits BalanceTransfer(value = that scaled amount).
 */

/** Scaled balance change of `onBehalfOf` for an aToken / variable debt token Mint. */
export function scaledDeltaOfMint(value: bigint, balanceIncrease: bigint, index: bigint): bigint {
  if (value > balanceIncrease) return rayDiv(value - balanceIncrease, index);
  if (value < balanceIncrease) return -rayDiv(balanceIncrease - value, index);
  return 0n;
}

/** Scaled balance change of `from` for an aToken / variable debt token Burn. */
export function scaledDeltaOfBurn(value: bigint, balanceIncrease: bigint, index: bigint): bigint {
  return -rayDiv(value + balanceIncrease, index);
}

export type StableDebtState = { principal: bigint; rate: bigint; timestamp: bigint };

/**
 * StableDebtToken.mint: the principal grows by `amount + balanceIncrease` (the emitted value), the user's
 * rate becomes the emitted average and the timestamp the block's. StableDebtToken.burn with interest larger
 * than the repayment emits the same Mint shape (rate unchanged, carried in the event), so one rule fits both.
 */
export function stableAfterMint(
  state: StableDebtState,
  value: bigint,
  newRate: bigint,
  blockTimestamp: bigint,
): StableDebtState {
  return { principal: state.principal + value, rate: newRate, timestamp: blockTimestamp };
}

/**
 * StableDebtToken.burn: the principal shrinks by the emitted value (`amount - balanceIncrease`); repaying
 * the whole balance (`amount == currentBalance`) also clears the user's rate and timestamp.
 */
export function stableAfterBurn(
  state: StableDebtState,
  value: bigint,
  currentBalance: bigint,
  balanceIncrease: bigint,
  blockTimestamp: bigint,
): StableDebtState {
  const repaidAll = value + balanceIncrease === currentBalance;
  return {
    principal: state.principal - value,
    rate: repaidAll ? 0n : state.rate,
    timestamp: repaidAll ? 0n : blockTimestamp,
  };
}
