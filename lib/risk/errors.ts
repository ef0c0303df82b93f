import { BridgeError } from "../errors.js";

/** What a caller can name in a risk query. */
export type RiskEntityKind = "asset" | "group" | "bridge" | "protocol";

/**
 * A caller asked the risk engine about something the snapshot does not contain (an unknown bridge,
 * asset, asset group or protocol). API layers map it to a user-input error.
 */
export class UnknownRiskEntityError extends BridgeError {
  readonly kind: RiskEntityKind;
  readonly value: string;

  constructor(kind: RiskEntityKind, value: string, known: readonly string[]) {
    super(`Unknown ${kind} "${value}".`, { details: `Known ${kind}s: ${known.join(", ") || "(none)"}` });
    this.kind = kind;
    this.value = value;
  }
}

/** A stress or query parameter outside its domain (recovery outside [0, 1], a shock of 300%, ...). */
export class InvalidRiskParameterError extends BridgeError {
  readonly parameter: string;

  constructor(parameter: string, message: string) {
    super(message);
    this.parameter = parameter;
  }
}

/** The snapshot itself is malformed (duplicate ids, a reserve pointing at a missing bridge, ...). */
export class InvalidRiskSnapshotError extends BridgeError {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`Invalid risk snapshot (${problems.length} problem${problems.length === 1 ? "" : "s"}).`, {
      details: problems.join("; "),
    });
    this.problems = problems;
  }
}
