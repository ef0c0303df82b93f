import { type Address, type Hex, recoverTypedDataAddress, type TypedDataDefinition } from "viem";
import type { BridgeMessage } from "./message.js";

export const attestationTypes = {
  Attestation: [
    { name: "version", type: "uint8" },
    { name: "sourceChainId", type: "uint64" },
    { name: "destinationChainId", type: "uint64" },
    { name: "sourceBridge", type: "address" },
    { name: "destinationBridge", type: "address" },
    { name: "nonce", type: "uint64" },
    { name: "token", type: "address" },
    { name: "sender", type: "address" },
    { name: "recipient", type: "address" },
    { name: "amount", type: "uint256" },
    { name: "epoch", type: "uint64" },
  ],
} as const;

export const rotationTypes = {
  Rotation: [
    { name: "newEpoch", type: "uint64" },
    { name: "validators", type: "address[]" },
    { name: "threshold", type: "uint256" },
  ],
} as const;

export const rootAttestationTypes = {
  RootAttestation: [
    { name: "sourceChainId", type: "uint64" },
    { name: "sourceBridge", type: "address" },
    { name: "destinationChainId", type: "uint64" },
    { name: "destinationBridge", type: "address" },
    { name: "epoch", type: "uint64" },
    { name: "firstNonce", type: "uint64" },
    { name: "lastNonce", type: "uint64" },
    { name: "root", type: "bytes32" },
  ],
} as const;

export type AttestationTypedData = TypedDataDefinition<typeof attestationTypes, "Attestation">;
export type RootAttestationTypedData = TypedDataDefinition<typeof rootAttestationTypes, "RootAttestation">;
export type RotationTypedData = TypedDataDefinition<typeof rotationTypes, "Rotation">;

/**
 * The EIP-712 attestation validators sign for a message under a validator-set epoch. The domain is bound
 * to the destination chain and the destination bridge, so a signature is only good there.
 *
 * @example
 * const signature = await validator.signTypedData(attestationTypedData(message, 1n));
 */
export function attestationTypedData(message: BridgeMessage, epoch: bigint): AttestationTypedData {
  return {
    domain: {
      name: "CrossChainBridge",
      version: "1",
      chainId: message.destinationChainId,
      verifyingContract: message.destinationBridge,
    },
    types: attestationTypes,
    primaryType: "Attestation",
    message: { ...message, epoch },
  };
}

/** A Merkle root over the contiguous nonce range of one route (see lib/bridge/merkle.ts). */
export type RootAttestation = {
  sourceChainId: bigint;
  sourceBridge: Address;
  destinationChainId: bigint;
  destinationBridge: Address;
  epoch: bigint;
  firstNonce: bigint;
  lastNonce: bigint;
  root: Hex;
};

/**
 * The EIP-712 root attestation validators sign once for many messages. Same domain as the per-message
 * attestation (destination chain and bridge), another primary type, so neither can stand for the other.
 *
 * @example
 * const tree = buildMessageTree(messages);
 * const signature = await validator.signTypedData(rootAttestationTypedData({ ...route, epoch: 1n, firstNonce: tree.firstNonce, lastNonce: tree.lastNonce, root: tree.root }));
 */
export function rootAttestationTypedData(attestation: RootAttestation): RootAttestationTypedData {
  return {
    domain: {
      name: "CrossChainBridge",
      version: "1",
      chainId: attestation.destinationChainId,
      verifyingContract: attestation.destinationBridge,
    },
    types: rootAttestationTypes,
    primaryType: "RootAttestation",
    message: attestation,
  };
}

/**
 * The `RootAttestation` struct the contracts' `submitRoot` takes: the destination fields are implicit
 * there (the contract itself).
 */
export function rootAttestationArgument(attestation: RootAttestation) {
  const { sourceChainId, sourceBridge, epoch, firstNonce, lastNonce, root } = attestation;
  return { sourceChainId, sourceBridge, epoch, firstNonce, lastNonce, root };
}

export type RotationTypedDataParameters = {
  /** Chain of the ValidatorSet contract being rotated. */
  chainId: bigint | number;
  validatorSet: Address;
  /** The epoch being installed: the current epoch + 1. */
  newEpoch: bigint;
  /** New validators, strictly ascending (see `sortAddresses`). */
  validators: readonly Address[];
  threshold: bigint;
};

/**
 * The EIP-712 rotation a quorum of the current set signs to install the next set.
 *
 * @example
 * const typedData = rotationTypedData({ chainId: 31337, validatorSet, newEpoch: 2n, validators, threshold: 4n });
 * const signature = await validator.signTypedData(typedData);
 */
export function rotationTypedData(parameters: RotationTypedDataParameters): RotationTypedData {
  return {
    domain: {
      name: "CrossChainBridgeValidatorSet",
      version: "1",
      chainId: BigInt(parameters.chainId),
      verifyingContract: parameters.validatorSet,
    },
    types: rotationTypes,
    primaryType: "Rotation",
    message: {
      newEpoch: parameters.newEpoch,
      validators: parameters.validators,
      threshold: parameters.threshold,
    },
  };
}

/**
 * Sorts addresses the way the contracts compare them (as uint160), ascending.
 *
 * @example
 * const validators = sortAddresses(accounts.map((a) => a.address));
 */
export function sortAddresses(addresses: readonly Address[]): Address[] {
  return [...addresses].sort((a, b) => {
    const x = BigInt(a);
    const y = BigInt(b);
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

export type SignedBy = { signer: Address; signature: Hex };

/**
 * Recovers the signer of each signature over `typedData`, sorts by signer ascending and keeps one
 * signature per signer: the order `ValidatorSet.verify` requires.
 *
 * @example
 * const sorted = await sortSignaturesBySigner(attestationTypedData(message, 1n), signatures);
 * await walletClient.writeContract({ ..., functionName: "mint", args: [message, 1n, sorted.map((s) => s.signature)] });
 */
export async function sortSignaturesBySigner(
  typedData: AttestationTypedData | RotationTypedData | RootAttestationTypedData,
  signatures: readonly Hex[],
): Promise<SignedBy[]> {
  const recovered = await Promise.all(
    signatures.map(async (signature) => ({
      signer: await recoverTypedDataAddress({ ...typedData, signature } as Parameters<
        typeof recoverTypedDataAddress
      >[0]),
      signature,
    })),
  );
  const bySigner = new Map<string, SignedBy>();
  for (const entry of recovered) {
    const key = entry.signer.toLowerCase();
    if (!bySigner.has(key)) bySigner.set(key, entry);
  }
  const sortedSigners = sortAddresses([...bySigner.values()].map((entry) => entry.signer));
  return sortedSigners.map((signer) => bySigner.get(signer.toLowerCase())!);
}
