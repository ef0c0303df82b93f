import type { Command } from "commander";
import { type Address, getAddress, type Hex, isAddress } from "viem";
import { validatorSetAbi } from "../../contracts/generated/index.js";
import { readValidatorSets, rotationResponseSchema } from "../../lib/attestationApi.js";
import { rotationTypedData, sortAddresses, sortSignaturesBySigner } from "../../lib/bridge/typedData.js";
import { BridgeError } from "../../lib/errors.js";
import { progress } from "../output.js";
import { bridgeContext, InvalidInputError } from "./bridgeContext.js";

export class RotationFailedError extends BridgeError {}

type RotateOptions = { validators: string; threshold: string; deployment?: string };

export function registerValidatorsCommand(program: Command): void {
  const validators = program.command("validators").description("Operate the validator set.");
  validators
    .command("rotate")
    .description(
      "Install a new validator set on every chain: collects signatures of a quorum of the current set (POST /v1/rotations, bearer $VALIDATOR_ROTATION_TOKEN) and submits rotate().",
    )
    .requiredOption("--validators <addresses>", "comma-separated addresses of the new set")
    .requiredOption("--threshold <k>", "signatures the new set needs (above 2n/3)")
    .option("--deployment <file>", "deployments file (default: $DEPLOYMENT_FILE or deployments/devnet.json)")
    .action(async (options: RotateOptions) => {
      await rotate(options);
    });
}

async function rotate(options: RotateOptions): Promise<void> {
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
  for (const entry of context.deployment.chains) {
    const chain = context.chain(entry.chainId);
    const [current] = await readValidatorSets(chain.client, entry.validatorSet.address);
    if (!current) throw new RotationFailedError(`Cannot read the validator set on ${entry.network}.`);
    const request = {
      chainId: entry.chainId,
      validatorSet: entry.validatorSet.address,
      newEpoch: Number(current.epoch + 1n),
      validators: newSet,
      threshold,
    };
    const signatures: Hex[] = [];
    for (const url of context.validatorUrls()) {
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
        const body = await response.json();
        if (!response.ok) {
          progress(`${url}: refused (${(body as { error?: string }).error ?? response.status})`);
          continue;
        }
        signatures.push(rotationResponseSchema.parse(body).signature as Hex);
      } catch (error) {
        progress(`${url}: unreachable (${error instanceof Error ? error.message : String(error)})`);
      }
    }
    const typedData = rotationTypedData({
      chainId: entry.chainId,
      validatorSet: entry.validatorSet.address,
      newEpoch: current.epoch + 1n,
      validators: newSet,
      threshold: BigInt(threshold),
    });
    const members = new Set(current.validators.map((v) => v.toLowerCase()));
    const sorted = (await sortSignaturesBySigner(typedData, signatures)).filter((s) =>
      members.has(s.signer.toLowerCase()),
    );
    if (sorted.length < current.threshold) {
      throw new RotationFailedError(
        `Only ${sorted.length} of ${current.threshold} current validators signed the rotation on ${entry.network}.`,
      );
    }
    const hash = await chain.wallet(account).writeContract({
      address: entry.validatorSet.address,
      abi: validatorSetAbi,
      functionName: "rotate",
      args: [newSet, BigInt(threshold), sorted.slice(0, current.threshold).map((s) => s.signature)],
    });
    const receipt = await chain.client.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success")
      throw new RotationFailedError(`rotate() reverted on ${entry.network} (tx ${hash}).`);
    progress(
      `${entry.network}: epoch ${current.epoch + 1n} installed (${newSet.length} validators, threshold ${threshold}) in tx ${hash}`,
    );
  }
}
