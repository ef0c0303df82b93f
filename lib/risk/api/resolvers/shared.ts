import {
  type AlertConfig,
  type PriceStatus,
  type RiskAnalysis,
  type RiskBook,
  type Severity,
  STATUS_NAMES,
  type StandardScenarioResult,
} from "../../index.js";
import type { RiskLimits } from "../limits.js";

/** What a request sees: the analysis of the current snapshot (computed once per snapshot). */
export type RiskState = {
  analysis: RiskAnalysis;
  /** Standard stress scenarios, run on first use and cached with the analysis. */
  scenarios: () => StandardScenarioResult[];
};

export type RiskContext = { risk: () => Promise<RiskState> };

export type RiskResolverOptions = {
  limits: RiskLimits;
  alertConfig: Partial<AlertConfig>;
  /** Unix seconds. */
  now: () => number;
};

export const protocolOf = (book: RiskBook, p: number) => book.protocols[p]!;
export const bridgeOf = (book: RiskBook, b: number) => book.bridges[b]!;
export const assetOf = (book: RiskBook, a: number) => book.assets[a]!;
export const finiteOrNull = (x: number) => (Number.isFinite(x) ? x : null);

export type PositionRef = { a: RiskAnalysis; i: number };

export const SEVERITY_ENUM: Record<Severity, string> = {
  info: "INFO",
  warning: "WARNING",
  critical: "CRITICAL",
};
export const statusEnum = (status: PriceStatus) => status.toUpperCase();
export const STATUS_BY_ENUM = new Map(STATUS_NAMES.map((name, code) => [name.toUpperCase(), code]));
