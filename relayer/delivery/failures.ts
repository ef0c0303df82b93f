import { BaseError, ContractFunctionRevertedError, InsufficientFundsError } from "viem";

export type RevertOutcome =
  | { kind: "processed" }
  | { kind: "rate-limited"; available: bigint }
  | { kind: "wait"; reason: string; retryInMs?: number }
  | { kind: "unrecoverable"; reason: string }
  | { kind: "unknown" };

/** Sorts a failed simulation into what the relayer should do about it. */
export function classifyRevert(error: unknown): RevertOutcome {
  if (!(error instanceof BaseError)) return { kind: "unknown" };
  if (error.walk((e) => e instanceof InsufficientFundsError)) {
    return { kind: "wait", reason: "out of gas funds" };
  }
  const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
  if (!(reverted instanceof ContractFunctionRevertedError)) return { kind: "unknown" };
  const name = reverted.data?.errorName;
  const args = (reverted.data?.args ?? []) as readonly unknown[];
  switch (name) {
    case "AlreadyProcessed":
    case "NonceAlreadyDelivered":
      return { kind: "processed" };
    case "UnknownRoot":
      // Our submitRoot (or another relayer's) is not mined yet: look again shortly.
      return { kind: "wait", reason: "root not stored on the destination yet", retryInMs: 1_000 };
    case "RateLimited":
      return { kind: "rate-limited", available: args[0] as bigint };
    case "Paused": {
      const until = new Date(Number(args[0] as bigint) * 1000);
      return {
        kind: "wait",
        reason: `destination paused until ${until.toISOString()}`,
        retryInMs: Math.max(1_000, until.getTime() - Date.now()),
      };
    }
    case "MintBudgetExceeded": {
      // The route's per-day mint budget (MintBudget.sol) is spent: it refills at the next UTC day.
      const next = new Date(Math.ceil((Date.now() + 1) / 86_400_000) * 86_400_000);
      return {
        kind: "wait",
        reason: `destination mint budget for this route and token spent (${args[0] as bigint} left); refills at ${next.toISOString()}`,
        retryInMs: Math.max(1_000, next.getTime() - Date.now()),
      };
    }
    case "MintExceedsCredit":
      return { kind: "wait", reason: "destination mint ceiling reached (owner must raise it)" };
    case "ReleaseExceedsOutstanding":
      return { kind: "wait", reason: "vault holds too little locked toward this chain to release" };
    case "EpochExpired":
    case "UnknownEpoch":
    case "SignerNotInSet":
    case "BelowThreshold":
      // The set rotated between collection and submission: collect again soon.
      return {
        kind: "wait",
        reason: `signatures no longer accepted (${name}); collecting again`,
        retryInMs: 1_000,
      };
    case "UnknownRoute":
    case "WrongDestinationChain":
    case "WrongDestinationBridge":
    case "UnsupportedVersion":
    case "UnsupportedToken":
    case "WrongSourceChain":
    case "InvalidSignature":
    case "SignersNotAscending":
    case "DuplicateSigner":
    case "InvalidProof":
    case "InvalidMultiProof":
    case "NonceOutsideRoot":
    case "RootConflict":
    case "ZeroRoot":
      return { kind: "unrecoverable", reason: `destination rejects this message: ${name}` };
    default:
      return { kind: "unknown" };
  }
}
