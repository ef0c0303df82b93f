import type { Address, Hex, LocalAccount } from "viem";
import { validatorSetAbi } from "../contracts/generated/ValidatorSet.js";
import { rotationTypedData, sortAddresses } from "../lib/bridge/typedData.js";
import { BridgeError } from "../lib/errors.js";
import type { Logger } from "../lib/logger.js";
import type { ValidatorChains } from "./chains.js";

export class RotationRefusedError extends BridgeError {}

/**
 * Signs a ValidatorSet rotation to `newEpoch` for an operator, after checking that the set address is
 * the deployed one and that `newEpoch` is the next epoch on chain (RotationRefusedError otherwise).
 */
export async function signRotation(
  context: { chains: ValidatorChains; account: LocalAccount; log: Logger },
  request: {
    chainId: number;
    validatorSet: string;
    newEpoch: number;
    validators: string[];
    threshold: number;
  },
): Promise<{ signer: Address; signature: Hex }> {
  const { chains, account, log } = context;
  const chain = chains.chainOf(request.chainId);
  if (chain.validatorSet.address.toLowerCase() !== request.validatorSet.toLowerCase()) {
    throw new RotationRefusedError("validatorSet is not the deployed ValidatorSet of that chain");
  }
  const current = await chains.clientOf(request.chainId).readContract({
    address: chain.validatorSet.address,
    abi: validatorSetAbi,
    functionName: "epoch",
  });
  if (BigInt(request.newEpoch) !== current + 1n) {
    throw new RotationRefusedError(`newEpoch must be ${current + 1n} (the current epoch + 1)`);
  }
  const validators = sortAddresses(request.validators as Address[]);
  const signature = await account.signTypedData(
    rotationTypedData({
      chainId: request.chainId,
      validatorSet: chain.validatorSet.address,
      newEpoch: BigInt(request.newEpoch),
      validators,
      threshold: BigInt(request.threshold),
    }),
  );
  log.info(
    { chain: request.chainId, newEpoch: request.newEpoch, validators, threshold: request.threshold },
    "signed rotation",
  );
  return { signer: account.address, signature };
}
