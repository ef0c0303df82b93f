import {
  type Abi,
  type BaseError,
  ContractFunctionRevertedError,
  decodeErrorResult,
  type Hex,
  hexToBigInt,
  isHex,
} from "viem";
import { bridgeMinterAbi } from "../../contracts/generated/BridgeMinter.js";
import { bridgeVaultAbi } from "../../contracts/generated/BridgeVault.js";
import { BridgeError } from "../../lib/errors.js";
import type { DestinationChain } from "./types.js";

/** One simulated call: the gas it used, or the error it reverted with (decoded when the ABI knows it). */
export type SimulatedCall = { ok: true; gasUsed: bigint } | { ok: false; error: unknown };

/** The node does not answer eth_simulateV1 (older geth, some hosted RPCs). */
export class SimulationUnsupportedError extends BridgeError {}

/** A simulated call reverted without data the bridge ABI decodes. */
export class SimulatedRevertError extends BridgeError {}

const bridgeErrorsAbi = [...bridgeMinterAbi, ...bridgeVaultAbi] as Abi;

type SimulateV1Call = {
  status: Hex;
  gasUsed: Hex;
  returnData?: Hex;
  error?: { code?: number; message?: string; data?: Hex };
};

/**
 * Simulates `datas` as consecutive transactions of the relayer to the destination bridge in one block
 * on top of the latest state (eth_simulateV1), so a batch can be priced while the submitRoot it depends
 * on is still unsent: both then go out together and land in the same block. Each call's revert is
 * decoded into viem's ContractFunctionRevertedError, so the usual revert classification applies.
 */
export async function simulateSequence(
  destination: DestinationChain,
  datas: readonly Hex[],
): Promise<SimulatedCall[]> {
  const from = destination.wallet.account.address;
  const to = destination.deployment.bridge.address;
  let blocks: { calls: SimulateV1Call[] }[];
  try {
    blocks = (await destination.client.request({
      method: "eth_simulateV1" as never,
      params: [
        { blockStateCalls: [{ calls: datas.map((data) => ({ from, to, data })) }], validation: false },
        "latest",
      ] as never,
    })) as { calls: SimulateV1Call[] }[];
  } catch (error) {
    const text = error instanceof Error ? `${error.message} ${(error as BaseError).details ?? ""}` : "";
    if (/method.*(not found|not supported|does not exist|unsupported)|-32601/i.test(text)) {
      throw new SimulationUnsupportedError(`Chain ${destination.chainId} does not support eth_simulateV1.`, {
        cause: error,
      });
    }
    throw error;
  }
  const calls = blocks[0]?.calls ?? [];
  return datas.map((_, i): SimulatedCall => {
    const call = calls[i];
    if (!call) return { ok: false, error: new SimulatedRevertError(`Simulation returned no call ${i}.`) };
    if (call.status === "0x1") return { ok: true, gasUsed: hexToBigInt(call.gasUsed) };
    const data = call.error?.data ?? call.returnData;
    return { ok: false, error: revertError(data, call.error?.message) };
  });
}

function revertError(data: Hex | undefined, message: string | undefined): unknown {
  if (data && isHex(data) && data.length >= 10) {
    try {
      decodeErrorResult({ abi: bridgeErrorsAbi, data });
      return new ContractFunctionRevertedError({ abi: bridgeErrorsAbi, data, functionName: "simulate" });
    } catch {
      // Not a bridge error: reported with its raw data below.
    }
  }
  return new SimulatedRevertError(`Simulated call reverted: ${message ?? "no reason"}.`, {
    details: data,
  });
}
