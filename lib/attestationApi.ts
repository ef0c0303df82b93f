import type { Log, PublicClient } from "viem";
import { type Address, getAddress, type Hex, isAddress, isHex, recoverTypedDataAddress } from "viem";
import { z } from "zod";
import { bridgeMinterAbi } from "../contracts/generated/BridgeMinter.js";
import { bridgeVaultAbi } from "../contracts/generated/BridgeVault.js";
import { validatorSetAbi } from "../contracts/generated/ValidatorSet.js";
import { type BridgeMessage, messageId } from "./bridge/message.js";
import { attestationTypedData, sortAddresses } from "./bridge/typedData.js";
import { errorSummary } from "./errors.js";

/**
 * The HTTP contract between validators and whoever collects their signatures (the relayer and the
 * CLI's self-relay). It lives in lib/ because both sides import it and processes never import each
 * other; the bridge's message and typed-data encoding come from lib/bridge.
 */

/** A message as JSON: uint64/uint256 fields as decimal strings, chain ids as numbers. */
export type SerializedMessage = {
  version: number;
  sourceChainId: number;
  destinationChainId: number;
  sourceBridge: Address;
  destinationBridge: Address;
  nonce: string;
  token: Address;
  sender: Address;
  recipient: Address;
  amount: string;
};

export function serializeMessage(message: BridgeMessage): SerializedMessage {
  return {
    version: message.version,
    sourceChainId: Number(message.sourceChainId),
    destinationChainId: Number(message.destinationChainId),
    sourceBridge: message.sourceBridge,
    destinationBridge: message.destinationBridge,
    nonce: message.nonce.toString(),
    token: message.token,
    sender: message.sender,
    recipient: message.recipient,
    amount: message.amount.toString(),
  };
}

export function deserializeMessage(message: SerializedMessage): BridgeMessage {
  return {
    version: message.version,
    sourceChainId: BigInt(message.sourceChainId),
    destinationChainId: BigInt(message.destinationChainId),
    sourceBridge: getAddress(message.sourceBridge),
    destinationBridge: getAddress(message.destinationBridge),
    nonce: BigInt(message.nonce),
    token: getAddress(message.token),
    sender: getAddress(message.sender),
    recipient: getAddress(message.recipient),
    amount: BigInt(message.amount),
  };
}

const addressSchema = z.string().refine((v) => isAddress(v, { strict: false }), "not an address");
const hexSchema = z.string().refine((v) => isHex(v), "not hex");

export const serializedMessageSchema = z.object({
  version: z.number().int(),
  sourceChainId: z.number().int().positive(),
  destinationChainId: z.number().int().positive(),
  sourceBridge: addressSchema,
  destinationBridge: addressSchema,
  nonce: z.string().regex(/^\d+$/),
  token: addressSchema,
  sender: addressSchema,
  recipient: addressSchema,
  amount: z.string().regex(/^\d+$/),
});

/** Body of `GET /v1/attestations/{messageId}`. */
export const attestationResponseSchema = z.object({
  messageId: hexSchema,
  message: serializedMessageSchema,
  epoch: z.number().int().positive(),
  signer: addressSchema,
  signature: hexSchema,
  signedAt: z.string(),
});
export type AttestationResponse = z.infer<typeof attestationResponseSchema>;

/** Body of `POST /v1/rotations` (a request to sign a new validator set for one chain). */
export const rotationRequestSchema = z.object({
  chainId: z.number().int().positive(),
  validatorSet: addressSchema,
  newEpoch: z.number().int().positive(),
  validators: z.array(addressSchema).min(1),
  threshold: z.number().int().positive(),
});
export type RotationRequest = z.infer<typeof rotationRequestSchema>;
export const rotationResponseSchema = z.object({ signer: addressSchema, signature: hexSchema });

export type FetchedAttestation =
  | { url: string; attestation: AttestationResponse }
  | { url: string; error: string };

/**
 * Asks every validator for its attestation of a message. A validator that is down, slow or has not
 * signed yet is reported with a short reason instead of failing the whole collection.
 */
export async function fetchAttestations(
  validatorUrls: readonly string[],
  id: Hex,
  timeoutMs = 2_000,
): Promise<FetchedAttestation[]> {
  return Promise.all(
    validatorUrls.map(async (url): Promise<FetchedAttestation> => {
      try {
        const response = await fetch(`${url.replace(/\/$/, "")}/v1/attestations/${id}`, {
          signal: AbortSignal.timeout(timeoutMs),
        });
        if (response.status === 404) return { url, error: "not signed yet" };
        if (!response.ok) return { url, error: `HTTP ${response.status}` };
        const parsed = attestationResponseSchema.safeParse(await response.json());
        if (!parsed.success) return { url, error: "malformed response" };
        return { url, attestation: parsed.data };
      } catch (error) {
        return { url, error: errorSummary(error) };
      }
    }),
  );
}

export type Quorum = {
  epoch: bigint;
  /** Signatures sorted by signer ascending, one per signer: what `mint`/`release` expect. */
  signatures: Hex[];
  signers: Address[];
};

export type CollectQuorumParameters = {
  message: BridgeMessage;
  fetched: readonly FetchedAttestation[];
  /** The destination's validator set per epoch we are willing to use (current, and old ones in grace). */
  sets: readonly { epoch: bigint; validators: readonly Address[]; threshold: number }[];
};

export type CollectQuorumReturnType =
  | { ok: true; quorum: Quorum; valid: number; threshold: number }
  | { ok: false; valid: number; threshold: number };

/**
 * Keeps only signatures that really are over this exact message by a member of the epoch they name
 * (an untrusted relayer must not pass on junk that would only waste gas), and returns a quorum if one
 * epoch has enough of them.
 */
export async function collectQuorum(parameters: CollectQuorumParameters): Promise<CollectQuorumReturnType> {
  const id = messageId(parameters.message);
  let best = { valid: 0, threshold: parameters.sets[0]?.threshold ?? 0 };
  for (const set of parameters.sets) {
    const members = new Set(set.validators.map((v) => v.toLowerCase()));
    const bySigner = new Map<string, Hex>();
    for (const entry of parameters.fetched) {
      if (!("attestation" in entry)) continue;
      const { attestation } = entry;
      if (BigInt(attestation.epoch) !== set.epoch || attestation.messageId.toLowerCase() !== id.toLowerCase())
        continue;
      const signer = await recoverSigner(parameters.message, id, set.epoch, attestation.signature as Hex);
      if (!signer || !members.has(signer.toLowerCase())) continue;
      bySigner.set(signer.toLowerCase(), attestation.signature as Hex);
    }
    if (bySigner.size >= set.threshold) {
      const signers = sortAddresses([...bySigner.keys()].map((s) => getAddress(s))).slice(0, set.threshold);
      return {
        ok: true,
        valid: bySigner.size,
        threshold: set.threshold,
        quorum: { epoch: set.epoch, signers, signatures: signers.map((s) => bySigner.get(s.toLowerCase())!) },
      };
    }
    if (bySigner.size > best.valid || set === parameters.sets[0]) {
      best = { valid: Math.max(best.valid, bySigner.size), threshold: set.threshold };
    }
  }
  return { ok: false, ...best };
}

const recovered = new Map<string, Promise<Address | undefined>>();

/**
 * ecrecover in JavaScript costs milliseconds, and a collector polls the same signatures many times
 * while a quorum forms: remember who signed what (bounded; the oldest entries go first).
 */
function recoverSigner(
  message: BridgeMessage,
  id: Hex,
  epoch: bigint,
  signature: Hex,
): Promise<Address | undefined> {
  const key = `${id}:${epoch}:${signature}`.toLowerCase();
  let signer = recovered.get(key);
  if (!signer) {
    signer = recoverTypedDataAddress({ ...attestationTypedData(message, epoch), signature }).catch(
      () => undefined,
    );
    recovered.set(key, signer);
    if (recovered.size > 20_000) recovered.delete(recovered.keys().next().value!);
  }
  return signer;
}

/** "3 of 4 signatures": how a missing quorum is explained to people. */
export function describeSignatures(valid: number, threshold: number): string {
  return `${valid} of ${threshold} signatures`;
}

export type ValidatorSetView = { epoch: bigint; validators: readonly Address[]; threshold: number };

/**
 * The sets a destination accepts right now: the current epoch first, then the previous one while its
 * grace window is open (signatures made just before a rotation stay usable).
 */
export async function readValidatorSets(
  client: PublicClient,
  validatorSet: Address,
): Promise<ValidatorSetView[]> {
  const current = await client.readContract({
    address: validatorSet,
    abi: validatorSetAbi,
    functionName: "epoch",
  });
  const epochs = [current];
  if (current > 1n) {
    const [until, block] = await Promise.all([
      client.readContract({
        address: validatorSet,
        abi: validatorSetAbi,
        functionName: "epochValidUntil",
        args: [current - 1n],
      }),
      client.getBlock({ blockTag: "latest" }),
    ]);
    if (until > block.timestamp) epochs.push(current - 1n);
  }
  return Promise.all(
    epochs.map(async (epoch) => {
      const [validators, threshold] = await Promise.all([
        client.readContract({
          address: validatorSet,
          abi: validatorSetAbi,
          functionName: "validatorsOf",
          args: [epoch],
        }),
        client.readContract({
          address: validatorSet,
          abi: validatorSetAbi,
          functionName: "thresholdOf",
          args: [epoch],
        }),
      ]);
      return { epoch, validators, threshold: Number(threshold) };
    }),
  );
}

/** Outbound events of a bridge: Locked on the home vault, Burned on remote minters. */
export const outboundEvents = [
  bridgeVaultAbi.find((item) => item.type === "event" && item.name === "Locked")!,
  bridgeMinterAbi.find((item) => item.type === "event" && item.name === "Burned")!,
] as const;

export type OutboundLog = Log<bigint, number, false, (typeof outboundEvents)[number], true>;
