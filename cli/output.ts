import { BridgeError, errorSummary, walkCauses } from "../lib/errors.js";
import { redactUrl } from "../lib/rpc.js";

/**
 * Prints an error the way a user should see it. Our errors and viem's print their short message (and
 * our metaMessages and details), an RPC that does not answer prints one line with its URL, and only
 * an unexpected error prints a stack. BRIDGE_DEBUG=1 prints the whole cause chain.
 */
export function reportError(error: unknown, env: NodeJS.ProcessEnv = process.env): void {
  const lines = describeError(error);
  if (env.BRIDGE_DEBUG === "1" && error instanceof Error)
    lines.push("", String(error.stack), ...causeChain(error));
  process.stderr.write(`${lines.join("\n")}\n`);
}

function describeError(error: unknown): string[] {
  if (error instanceof BridgeError) {
    return [
      `error: ${error.shortMessage}`,
      ...(error.metaMessages ?? []).map((line) => `  ${line}`),
      ...(error.details ? [`  ${error.details}`] : []),
    ];
  }
  const http = walkCauses(error, (e) => e instanceof Error && e.name === "HttpRequestError") as
    | { url?: string }
    | undefined;
  if (http?.url)
    return [
      `error: RPC at ${shownUrl(http.url)} did not answer (${errorSummary(error)}): check the URL and that the node is running`,
    ];
  const timeout = walkCauses(error, (e) => e instanceof Error && e.name === "TimeoutError") as
    | { url?: string }
    | undefined;
  if (timeout?.url)
    return [`error: RPC at ${shownUrl(timeout.url)} timed out: check the URL and that the node is running`];
  if (error instanceof Error && "shortMessage" in error) return [`error: ${errorSummary(error)}`];
  if (error instanceof Error) return [`error: ${error.message}`, error.stack ?? ""];
  return [`error: ${String(error)}`];
}

/** The URL as the user wrote it (no trailing slash), with provider keys hidden. */
function shownUrl(url: string): string {
  return redactUrl(url).replace(/(\/\/[^/]+)\/$/, "$1");
}

function causeChain(error: Error): string[] {
  const lines: string[] = [];
  let cause = error.cause;
  while (cause instanceof Error) {
    lines.push(`caused by: ${cause.message}`);
    cause = cause.cause;
  }
  return lines;
}

/** A progress line for long work, on stderr so stdout stays machine-readable. */
export function progress(message: string): void {
  process.stderr.write(`${message}\n`);
}
