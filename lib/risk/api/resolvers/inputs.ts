import { GraphQLError } from "graphql/index.js";
import { isAddress } from "viem";
import { BridgeError } from "../../../errors.js";
import { InvalidRiskParameterError, InvalidRiskSnapshotError, UnknownRiskEntityError } from "../../index.js";

/** A user-input error with the GraphQL `BAD_USER_INPUT` code. */
export function badInput(message: string, extensions: Record<string, unknown> = {}): GraphQLError {
  return new GraphQLError(message, { extensions: { code: "BAD_USER_INPUT", ...extensions } });
}

/** Engine errors caused by the caller's arguments become BAD_USER_INPUT; anything else is rethrown. */
function asGraphQLError(error: unknown): unknown {
  if (error instanceof UnknownRiskEntityError) {
    return badInput(error.message, { argument: error.kind, value: error.value });
  }
  if (error instanceof InvalidRiskParameterError)
    return badInput(error.message, { argument: error.parameter });
  if (error instanceof InvalidRiskSnapshotError) {
    return new GraphQLError("The risk snapshot is invalid.", {
      extensions: { code: "SNAPSHOT_INVALID", problems: error.problems },
    });
  }
  if (error instanceof BridgeError)
    return new GraphQLError(error.message, { extensions: { code: "RISK_ERROR" } });
  return error;
}

export function userInput<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw asGraphQLError(error);
  }
}

/** A user argument must be a 0x address: a typo must not read as "no position". */
export function parseUser(user: string): string {
  if (!isAddress(user, { strict: false })) {
    throw badInput(`user: "${user}" is not a 0x-prefixed 20-byte address`, { argument: "user", value: user });
  }
  return user.toLowerCase();
}
