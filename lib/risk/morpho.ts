import { type MorphoPositionHealth, morphoPositionHealth } from "../morpho/market.js";
import { PRICED, positionOf, type RiskBook } from "./book.js";
import { type HealthArrays, HF_EPSILON } from "./health.js";
import type { RiskMorphoMarket, RiskProtocol } from "./snapshot.js";

/**
 * A Morpho position's health factor in the float engine when Morpho says it is liquidatable: below
 * `1 - HF_EPSILON`, so every float count (`isLiquidatable`) agrees with the exact rule even where the exact
 * ratio rounds to 1 in a float (a borrow 1 wei above the limit).
 */
const LIQUIDATABLE_CAP = 1 - 2 * HF_EPSILON;

const marketsCache = new WeakMap<RiskProtocol, Map<string, RiskMorphoMarket>>();

/** The protocol's Morpho markets by id (lower case), built once per protocol object. */
export function morphoMarketsOf(protocol: RiskProtocol): Map<string, RiskMorphoMarket> {
  let markets = marketsCache.get(protocol);
  if (!markets) {
    markets = new Map((protocol.morphoMarkets ?? []).map((m) => [m.id.toLowerCase(), m]));
    marketsCache.set(protocol, markets);
  }
  return markets;
}

export type MorphoExactPosition = {
  market: RiskMorphoMarket;
  /** Morpho's own figures; null when the market's oracle price is unknown (the position is unpriced). */
  health: MorphoPositionHealth | null;
};

/**
 * Book position `i`'s market and, when the oracle price is known, its health exactly as Morpho Blue's
 * `_isHealthy` decides it (borrowed assets rounded up from shares with the virtual shares and assets,
 * `maxBorrow = wMulDown(mulDivDown(collateral, price, 1e36), lltv)`, liquidatable iff borrowed > maxBorrow)
 * on the market accrued to the snapshot's time. Undefined for positions that are not Morpho positions.
 *
 * @example
 * const exact = morphoExactPosition(analysis.book, i);
 * exact?.health?.healthy; // false: a liquidation would go through at this block
 */
export function morphoExactPosition(book: RiskBook, i: number): MorphoExactPosition | undefined {
  const pi = book.positionProtocol[i]!;
  if (book.protocols[pi]!.kind !== "morpho-blue") return undefined;
  const position = positionOf(book, i);
  if (position.market === undefined || !position.morpho) return undefined;
  const market = morphoMarketsOf(book.snapshot.protocols[pi]!).get(position.market.toLowerCase());
  if (!market) return undefined;
  if (market.oraclePrice === null) return { market, health: null };
  return {
    market,
    health: morphoPositionHealth(
      position.morpho,
      { ...market, lastUpdate: 0n, fee: 0n },
      market.oraclePrice,
      market.lltv,
    ),
  };
}

/**
 * Replaces the float health factor of every priced Morpho position with debt by Morpho's exact one
 * (`maxBorrow / borrowed`), capped below 1 when Morpho says liquidatable: what the analysis counts as
 * liquidatable (summaries, alerts, baseline of the bridge failure) is then exactly the protocol's rule.
 * Scenarios at moved prices use the float engine (prices there are not the oracle's anyway).
 */
export function applyMorphoHealth(book: RiskBook, health: HealthArrays): void {
  for (let p = 0; p < book.protocols.length; p++) {
    if (book.protocols[p]!.kind !== "morpho-blue") continue;
    const last = book.protocolFirstPosition[p + 1]!;
    for (let i = book.protocolFirstPosition[p]!; i < last; i++) applyMorphoPositionHealth(book, health, i);
  }
}

/** {@link applyMorphoHealth} for one position of a Morpho protocol. */
export function applyMorphoPositionHealth(book: RiskBook, health: HealthArrays, i: number): void {
  if (book.positionStatus[i] !== PRICED) return;
  const exact = morphoExactPosition(book, i)?.health;
  if (!exact || exact.healthFactor === null) return;
  const ratio = Number(exact.healthFactor) / 1e18;
  health.healthFactor[i] = exact.healthy ? Math.max(ratio, 1) : Math.min(ratio, LIQUIDATABLE_CAP);
}
