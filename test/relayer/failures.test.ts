import { ContractFunctionRevertedError, encodeErrorResult } from "viem";
import { describe, expect, it } from "vitest";
import { bridgeMinterAbi } from "../../contracts/generated/index.js";
import { classifyRevert } from "../../relayer/delivery/failures.js";

/** A revert as viem reports it from a simulated minter call, decoded against the minter's ABI. */
function revert(errorName: string, args: readonly unknown[]) {
  const data = encodeErrorResult({
    abi: bridgeMinterAbi,
    errorName: errorName as never,
    args: args as never,
  });
  return new ContractFunctionRevertedError({
    abi: bridgeMinterAbi,
    data,
    functionName: "mintBatchWithProof",
  });
}

describe("classifyRevert", () => {
  it("waits for the next budget window when the route's mint budget is spent, rather than failing the message", () => {
    const outcome = classifyRevert(revert("MintBudgetExceeded", [5n, 10n]));
    expect(outcome).toMatchObject({ kind: "wait" });
    if (outcome.kind !== "wait") return;
    expect(outcome.reason).toMatch(
      /^destination mint budget for this route and token spent \(5 left\); refills at /,
    );
    expect(outcome.retryInMs).toBeGreaterThan(0);
    expect(outcome.retryInMs).toBeLessThanOrEqual(86_400_000);
  });

  it("counts a nonce someone else delivered as delivered, and a bad proof as unrecoverable", () => {
    expect(
      classifyRevert(revert("NonceAlreadyDelivered", [1n, "0x0000000000000000000000000000000000000001", 7n])),
    ).toEqual({ kind: "processed" });
    expect(classifyRevert(revert("InvalidMultiProof", []))).toEqual({
      kind: "unrecoverable",
      reason: "destination rejects this message: InvalidMultiProof",
    });
  });
});
