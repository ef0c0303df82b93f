/** A Chainlink feed's answer with the decimals it is given in. */
export type FeedAnswer = { answer: bigint; decimals: number };

/**
 * The price ChainlinkMorphoOracle (contracts/src/morpho) reports: one collateral token in loan tokens,
 * scaled by 1e36 and the tokens' decimals as Morpho's IOracle requires. `loan` undefined means the loan
 * token is the feeds' quote currency. Null when an answer is not positive: the oracle reverts then, and
 * the engine reports such a position as unpriced, never as healthy.
 */
export function chainlinkMorphoPrice(parameters: {
  collateral: FeedAnswer;
  collateralDecimals: number;
  loan?: FeedAnswer;
  loanDecimals: number;
}): bigint | null {
  const { collateral, loan } = parameters;
  if (collateral.answer <= 0n || (loan !== undefined && loan.answer <= 0n)) return null;
  const exponent =
    36 +
    parameters.loanDecimals +
    (loan?.decimals ?? 0) -
    parameters.collateralDecimals -
    collateral.decimals;
  if (exponent < 0 || exponent > 77) throw new RangeError(`oracle scale 10^${exponent} is out of range`);
  return (collateral.answer * 10n ** BigInt(exponent)) / (loan?.answer ?? 1n);
}
