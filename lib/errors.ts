/**
 * Base class for every error this project raises on purpose. Like viem's BaseError: a short message a
 * user can act on, optional details, and the name of the concrete class so logs can be grouped.
 */
export class BridgeError extends Error {
  readonly details: string | undefined;

  constructor(shortMessage: string, options: { details?: string; cause?: unknown } = {}) {
    super(options.details ? `${shortMessage}\n\nDetails: ${options.details}` : shortMessage, {
      cause: options.cause,
    });
    this.name = new.target.name;
    this.details = options.details;
  }
}
