import type { Hex } from "viem";
import { BridgeError, errorSummary } from "../../lib/errors.js";
import { finalitySeconds, type NetworkDefinition } from "../../lib/networks.js";
import { progress } from "../output.js";
import type { BridgeContext } from "./bridgeContext.js";
import { messageProgress } from "./status.js";

export class NotDeliveredError extends BridgeError {}

/** Seconds for signatures, submission and the destination receipt once the source block is final. */
const DELIVERY_SECONDS = 120;

/**
 * The default `--wait` timeout of a route: what the source chain's finality rule usually needs, plus
 * delivery; never less than 3 minutes. Sepolia → Base Sepolia waits about 23 minutes, the devnet 3.
 */
export function defaultWaitSeconds(source: NetworkDefinition, destination: NetworkDefinition): number {
  return Math.max(
    180,
    Math.ceil(finalitySeconds(source) + DELIVERY_SECONDS + 10 * destination.blockTimeSeconds),
  );
}

/** Follows a message until it is delivered, printing each change of state with the time elapsed. */
export async function followMessage(parameters: {
  context: BridgeContext;
  id: Hex;
  timeoutSeconds: number;
  pollMs?: number;
}): Promise<void> {
  const { context, id, timeoutSeconds } = parameters;
  const started = Date.now();
  const deadline = started + timeoutSeconds * 1000;
  let last = "";
  let lastError = "";
  let lastPrinted = 0;
  while (Date.now() < deadline) {
    const state = await messageProgress(context, id).catch((error: unknown) => {
      lastError = errorSummary(error);
      return undefined;
    });
    if (state) {
      // The estimate changes every block; print a new line when the stage changes or every 10 s.
      const stage = state.summary.replace(/\d+/g, "#");
      if (stage !== last.replace(/\d+/g, "#") || Date.now() - lastPrinted >= 10_000) {
        progress(`[${((Date.now() - started) / 1000).toFixed(1)}s] ${state.summary}`);
        lastPrinted = Date.now();
      }
      last = state.summary;
      if (state.destination.delivered) {
        progress(
          `delivered on ${state.destination.network}${state.destination.txHash ? ` in tx ${state.destination.txHash}` : ""}`,
        );
        return;
      }
    }
    await new Promise((resolve) => setTimeout(resolve, parameters.pollMs ?? 1_000));
  }
  throw new NotDeliveredError(
    `Not delivered within ${timeoutSeconds} s; last state: ${last || (lastError ? `unknown (${lastError})` : "unknown")}.`,
    { metaMessages: [`Run \`bridge status ${id}\` to follow it.`] },
  );
}
