/** Gas limit over the estimate: state can change between estimation and inclusion. */
export function withGasMargin(estimate: bigint): bigint {
  return (estimate * 12n) / 10n;
}

export type Fees = { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint };

/** Fees for a replacement at the same nonce: +25% (nodes require at least +10% to replace). */
export function bumpFees(fees: Fees): Fees {
  return {
    maxFeePerGas: (fees.maxFeePerGas * 125n) / 100n,
    maxPriorityFeePerGas: (fees.maxPriorityFeePerGas * 125n) / 100n,
  };
}
