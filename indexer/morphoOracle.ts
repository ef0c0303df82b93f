/**
 * The price ChainlinkMorphoOracle (contracts/src/morpho) returns, from its immutables and the feeds' latest
 * answers: collateralAnswer * SCALE_FACTOR / loanAnswer (loan answer 1 when the oracle has no loan feed).
 * Pure, so the indexer's readers and the tests compute it the same way from indexed answers. Null when an
 * answer is unknown or not positive: the oracle reverts then, and a position priced by it is unpriced,
 * never healthy.
 *
 * @example
 * chainlinkMorphoOraclePrice({ collateralAnswer: 2000_00000000n, loanAnswer: 1_00000000n, scaleFactor: 10n ** 20n });
 */
export function chainlinkMorphoOraclePrice(parameters: {
  collateralAnswer: bigint | null | undefined;
  /** The loan feed's answer; `undefined` when the oracle has no loan feed (loan token = quote currency). */
  loanAnswer?: bigint | null;
  hasLoanFeed: boolean;
  scaleFactor: bigint;
}): bigint | null {
  const { collateralAnswer, loanAnswer, hasLoanFeed, scaleFactor } = parameters;
  if (collateralAnswer === null || collateralAnswer === undefined || collateralAnswer <= 0n) return null;
  if (!hasLoanFeed) return collateralAnswer * scaleFactor;
  if (loanAnswer === null || loanAnswer === undefined || loanAnswer <= 0n) return null;
  return (collateralAnswer * scaleFactor) / loanAnswer;
}
