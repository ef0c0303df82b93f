export type BridgeErrorOptions = {
  /** What went wrong underneath, in one line (shown after "Details:"); the cause is kept apart. */
  details?: string;
  /** Further lines a user may need (e.g. the URL that was called), shown between message and details. */
  metaMessages?: string[];
  cause?: unknown;
};

/**
 * Base class for every error this project raises on purpose, shaped like viem's BaseError: a
 * `shortMessage` a user can act on, optional `details` and `metaMessages`, the `cause` chain kept and
 * searchable with `walk`, and the name of the concrete class so logs can be grouped.
 *
 * @example
 * throw new RpcUnreachableError("RPC for sepolia does not answer.", { details: "fetch failed", cause });
 */
export class BridgeError extends Error {
  readonly shortMessage: string;
  readonly details: string | undefined;
  readonly metaMessages: string[] | undefined;

  constructor(shortMessage: string, options: BridgeErrorOptions = {}) {
    const details = options.details;
    super(
      [
        shortMessage,
        ...(options.metaMessages?.length ? ["", ...options.metaMessages] : []),
        ...(details ? ["", `Details: ${details}`] : []),
      ].join("\n"),
      { cause: options.cause },
    );
    this.name = new.target.name;
    this.shortMessage = shortMessage;
    this.details = details;
    this.metaMessages = options.metaMessages;
  }

  /**
   * Walks the cause chain (this error first) and returns the first error `match` accepts, or, without
   * a predicate, the innermost cause.
   */
  walk(match?: (error: unknown) => boolean): unknown {
    return walkCauses(this, match);
  }
}

/** `walk` for any error (viem's, ours, Node's): first match in the cause chain, or the innermost. */
export function walkCauses(error: unknown, match?: (error: unknown) => boolean): unknown {
  let current: unknown = error;
  const seen = new Set<unknown>();
  while (current !== undefined && current !== null && !seen.has(current)) {
    if (match?.(current)) return current;
    seen.add(current);
    const next = (current as { cause?: unknown }).cause;
    if (next === undefined || next === null) return match ? undefined : current;
    current = next;
  }
  return match ? undefined : current;
}

/**
 * The one line that says what went wrong: the `shortMessage` of our errors and viem's, else the first
 * line of the message. Use it wherever an error goes into a log line or a list of problems.
 */
export function errorSummary(error: unknown): string {
  if (error instanceof Error) {
    const short = (error as { shortMessage?: unknown }).shortMessage;
    if (typeof short === "string" && short.length > 0) return short;
    return error.message.split("\n", 1)[0] ?? error.name;
  }
  return String(error);
}
