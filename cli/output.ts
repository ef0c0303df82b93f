import { BridgeError } from "../lib/errors.js";

/** Prints an error the way a user should see it: the message, without a stack for expected errors. */
export function reportError(error: unknown): void {
  if (error instanceof BridgeError) {
    process.stderr.write(`error: ${error.message}\n`);
  } else if (error instanceof Error) {
    process.stderr.write(`error: ${error.message}\n${error.stack ?? ""}\n`);
  } else {
    process.stderr.write(`error: ${String(error)}\n`);
  }
}

/** A progress line for long work, on stderr so stdout stays machine-readable. */
export function progress(message: string): void {
  process.stderr.write(`${message}\n`);
}
