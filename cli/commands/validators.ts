import { type Address, getAddress, type Hex, isAddress } from "viem";
import { validatorSetAbi } from "../../contracts/generated/ValidatorSet.js";
import { type RotationRequest, readValidatorSets, rotationResponseSchema } from "../../lib/attestationApi.js";
import { rotationTypedData, sortAddresses, sortSignaturesBySigner } from "../../lib/bridge/typedData.js";
import { BridgeError } from "../../lib/errors.js";
import { progress } from "../output.js";
import { bridgeContext, type ChainHandle, InvalidInputError } from "./bridgeContext.js";

export class RotationFailedError extends BridgeError {}

export type RotateOptions = { validators: string; threshold: string; deployment?: string };

export async function rotate(options: RotateOptions): Promise<void> {
  const problems: string[] = [];
  const addresses: Address[] = [];
  for (const entry of options.validators.split(",").map((s) => s.trim())) {
    if (isAddress(entry, { strict: false })) addresses.push(getAddress(entry));
    else problems.push(`--validators: "${entry}" is not an address`);
  }
  const newSet = sortAddresses(addresses);
  if (new Set(newSet.map((a) => a.toLowerCase())).size !== newSet.length)
    problems.push("--validators: an address is listed twice");
  const threshold = Number(options.threshold);
  if (!Number.isInteger(threshold) || threshold <= 0) problems.push("--threshold must be a positive integer");
  else if (threshold > newSet.length || threshold * 3 <= newSet.length * 2) {
    problems.push(
      `--threshold ${threshold} of ${newSet.length} is not allowed: it must be above 2n/3 and at most n`,
    );
  }
  if (problems.length > 0) throw new InvalidInputError(problems);

  const context = bridgeContext(options);
  const token = process.env.VALIDATOR_ROTATION_TOKEN;
  const account = context.account();
  // Collect a quorum on every chain before submitting anything: a rotation that cannot complete
  // everywhere must not leave the chains on different validator sets.
  const planned: { network: string; chain: ChainHandle; epoch: bigint; signatures: Hex[] }[] = [];
  const missing: string[] = [];
  for (const entry of context.deployment.chains) {
    const chain = context.chain(entry.chainId);
    const [current] = await readValidatorSets(chain.client, entry.validatorSet.address);
    if (!current) throw new RotationFailedError(`Cannot read the validator set on ${entry.network}.`);
    if (
      current.threshold === threshold &&
      current.validators.length === newSet.length &&
      current.validators.every((v, i) => v.toLowerCase() === newSet[i]!.toLowerCase())
    ) {
      progress(`${entry.network}: epoch ${current.epoch} already has this set; skipped`);
      continue;
    }
    const newEpoch = current.epoch + 1n;
    const signatures = await requestRotationSignatures(context.validatorUrls(), token, {
      chainId: entry.chainId,
      validatorSet: entry.validatorSet.address,
      newEpoch: Number(newEpoch),
      validators: newSet,
      threshold,
    });
    const typedData = rotationTypedData({
      chainId: entry.chainId,
      validatorSet: entry.validatorSet.address,
      newEpoch,
      validators: newSet,
      threshold: BigInt(threshold),
    });
    const members = new Set(current.validators.map((v) => v.toLowerCase()));
    const sorted = (await sortSignaturesBySigner(typedData, signatures)).filter((s) =>
      members.has(s.signer.toLowerCase()),
    );
    if (sorted.length < current.threshold) {
      missing.push(
        `${entry.network}: only ${sorted.length} of ${current.threshold} current validators (epoch ${current.epoch}) signed`,
      );
      continue;
    }
    planned.push({
      network: entry.network,
      chain,
      epoch: newEpoch,
      signatures: sorted.slice(0, current.threshold).map((s) => s.signature),
    });
  }
  if (missing.length > 0) {
    throw new RotationFailedError(
      `Rotation needs a quorum of the current set on every chain; nothing was submitted.\n${missing.map((m) => `  - ${m}`).join("\n")}`,
    );
  }
  for (const { network, chain, epoch, signatures } of planned) {
    const hash = await chain.wallet(account).writeContract({
      address: chain.deployment.validatorSet.address,
      abi: validatorSetAbi,
      functionName: "rotate",
      args: [newSet, BigInt(threshold), signatures],
    });
    const receipt = await chain.client.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success")
      throw new RotationFailedError(`rotate() reverted on ${network} (tx ${hash}).`);
    progress(
      `${network}: epoch ${epoch} installed (${newSet.length} validators, threshold ${threshold}) in tx ${hash}`,
    );
  }
}

/** Asks every validator to sign the rotation; refusals and unreachable validators are reported, not thrown. */
async function requestRotationSignatures(
  urls: readonly string[],
  token: string | undefined,
  request: RotationRequest,
): Promise<Hex[]> {
  const answers = await Promise.all(
    urls.map(async (url): Promise<Hex | undefined> => {
      try {
        const response = await fetch(`${url.replace(/\/$/, "")}/v1/rotations`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            ...(token ? { authorization: `Bearer ${token}` } : {}),
          },
          body: JSON.stringify(request),
          signal: AbortSignal.timeout(5_000),
        });
        const body: unknown = await response.json().catch(() => ({}));
        if (!response.ok) {
          progress(`${url}: refused (${(body as { error?: string }).error ?? `HTTP ${response.status}`})`);
          return undefined;
        }
        return rotationResponseSchema.parse(body).signature as Hex;
      } catch (error) {
        progress(`${url}: unreachable (${error instanceof Error ? error.message : String(error)})`);
        return undefined;
      }
    }),
  );
  return answers.filter((a): a is Hex => a !== undefined);
}
