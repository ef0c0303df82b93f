import { errorSummary } from "../../lib/errors.js";
import { probeChain } from "../../lib/rpc.js";
import type { BridgeContext, ChainHandle } from "./bridgeContext.js";

/**
 * Everything `bridge send` needs before it locks anything: both RPCs answer with the right chain id,
 * a quorum of validators and the relayer answer over HTTP. Returns every problem found, checked in
 * parallel so a dead endpoint costs one timeout, not one per endpoint.
 */
export async function reachabilityProblems(parameters: {
  context: BridgeContext;
  chains: readonly ChainHandle[];
  validatorUrls: readonly string[];
  relayerUrl: string;
  /** False when the service URLs themselves are invalid (already reported): check the RPCs only. */
  checkServices?: boolean;
  timeoutMs?: number;
}): Promise<string[]> {
  const { context, chains, validatorUrls, relayerUrl } = parameters;
  const timeoutMs = parameters.timeoutMs ?? 3_000;
  const rpcProblems = Promise.all(
    chains.map((chain) =>
      probeChain({
        rpcUrl: chain.rpcUrl,
        expectedChainId: chain.deployment.chainId,
        label: chain.deployment.network,
        variable: chain.rpcVariable,
        timeoutMs,
      }).then(
        () => undefined,
        (error: unknown) => errorSummary(error),
      ),
    ),
  );
  const checkServices = parameters.checkServices ?? true;
  const validatorsDown = Promise.all(
    (checkServices ? validatorUrls : []).map(async (url) =>
      (await answers(`${url.replace(/\/$/, "")}/health`, timeoutMs)) ? undefined : url,
    ),
  );
  const relayerUp = checkServices ? answers(`${relayerUrl}/health`, timeoutMs) : Promise.resolve(true);

  const problems = (await rpcProblems).filter((p): p is string => p !== undefined);
  const down = (await validatorsDown).filter((u): u is string => u !== undefined);
  const threshold = context.deployment.validators.threshold;
  const up = validatorUrls.length - down.length;
  if (checkServices && up < threshold) {
    problems.push(
      `only ${up} of ${validatorUrls.length} validators answer, ${threshold} must sign: check VALIDATOR_URLS (no answer from ${down.join(", ")})`,
    );
  }
  if (!(await relayerUp)) {
    problems.push(
      `the relayer does not answer at ${relayerUrl}: check RELAYER_URL and that the relayer is running`,
    );
  }
  return problems;
}

/** True when something answers HTTP at `url` (any status: a degraded service is still there). */
async function answers(url: string, timeoutMs: number): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
    return true;
  } catch {
    return false;
  }
}
