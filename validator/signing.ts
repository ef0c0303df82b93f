import type { LocalAccount } from "viem";
import { serializeMessage } from "../lib/attestationApi.js";
import { type BridgeMessage, messageId } from "../lib/bridge/message.js";
import { attestationTypedData } from "../lib/bridge/typedData.js";
import type { SignedAttestation, ValidatorStore } from "./store.js";

/** This validator's signature over `message` under the destination's `epoch`, as the store keeps it. */
export async function attest(
  account: LocalAccount,
  message: BridgeMessage,
  epoch: bigint,
): Promise<SignedAttestation> {
  return {
    messageId: messageId(message),
    message: serializeMessage(message),
    epoch: Number(epoch),
    signer: account.address,
    signature: await account.signTypedData(attestationTypedData(message, epoch)),
    signedAt: new Date().toISOString(),
  };
}

/**
 * Signs `message` under `epoch` unless this validator already signed a different message for the
 * same (source chain, nonce); then it throws ConflictingMessageError. Signing again under an epoch
 * already signed returns the stored attestation.
 */
export async function signOnce(
  store: ValidatorStore,
  account: LocalAccount,
  message: BridgeMessage,
  epoch: bigint,
): Promise<SignedAttestation> {
  const id = messageId(message);
  const existing = store.attestations(id).find((a) => BigInt(a.epoch) === epoch);
  if (existing) return existing;
  store.assertSignable(serializeMessage(message), id);
  const entry = await attest(account, message, epoch);
  // The store re-checks the (chain, nonce) rule and fsyncs; only then does the signature exist for
  // anyone else.
  store.append(entry);
  return entry;
}
