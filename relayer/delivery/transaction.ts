import { encodeFunctionData, type Hex } from "viem";
import { bridgeMinterAbi } from "../../contracts/generated/BridgeMinter.js";
import { bridgeVaultAbi } from "../../contracts/generated/BridgeVault.js";
import type { BridgeMessage } from "../../lib/bridge/message.js";
import type { DestinationChain } from "./types.js";

/** The destination call that delivers one message: `mint` on a remote chain, `release` at home. */
export type WriteCall = {
  address: Hex;
  abi: typeof bridgeMinterAbi | typeof bridgeVaultAbi;
  functionName: "mint" | "release";
  args: readonly [BridgeMessage, bigint, readonly Hex[]];
};

export function callOf(
  destination: DestinationChain,
  message: BridgeMessage,
  epoch: bigint,
  signatures: Hex[],
): WriteCall {
  const home = destination.deployment.role === "home";
  return {
    address: destination.deployment.bridge.address,
    abi: home ? bridgeVaultAbi : bridgeMinterAbi,
    functionName: home ? "release" : "mint",
    args: [message, epoch, signatures],
  };
}

/** Calldata of a WriteCall. */
export function encodeCall(call: WriteCall): Hex {
  return call.functionName === "mint"
    ? encodeFunctionData({ abi: bridgeMinterAbi, functionName: "mint", args: call.args })
    : encodeFunctionData({ abi: bridgeVaultAbi, functionName: "release", args: call.args });
}

/** mint/release for one message, mintBatch/releaseBatch for several. */
export function batchData(
  destination: DestinationChain,
  epoch: bigint,
  ready: readonly { message: BridgeMessage; signatures: Hex[] }[],
): Hex {
  if (ready.length === 1)
    return encodeCall(callOf(destination, ready[0]!.message, epoch, ready[0]!.signatures));
  const args = [ready.map((r) => r.message), epoch, ready.map((r) => r.signatures)] as const;
  return destination.deployment.role === "home"
    ? encodeFunctionData({ abi: bridgeVaultAbi, functionName: "releaseBatch", args })
    : encodeFunctionData({ abi: bridgeMinterAbi, functionName: "mintBatch", args });
}
