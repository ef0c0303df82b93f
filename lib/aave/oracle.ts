/**
 * How old a feed's last answer may be before positions using it are `stale`, when the deployment gives
 * no heartbeat for that feed. 24 h is Chainlink's longest common heartbeat (stablecoin/USD feeds on
 * mainnet update on a 0.25-1 % deviation or every 24 h); a shorter default would flag healthy
 * stablecoin feeds, a longer one would hide a stopped ETH/USD feed (1 h heartbeat) for a day, so feeds
 * with shorter heartbeats must set theirs in the deployments file (`heartbeatSeconds`).
 */
export const DEFAULT_FEED_HEARTBEAT_SECONDS = 24 * 60 * 60;

/**
 * What the risk engine knows of one price as AaveOracle would return it:
 * - `priced`: `getAssetPrice` = the source's raw `latestAnswer`, in base-currency units;
 * - `stale`: the same answer, but older than the feed's heartbeat (the Pool would still use it; we
 *   refuse to call the position healthy on it);
 * - `unpriced`: no source, or an answer <= 0 (AaveOracle then asks its fallback oracle, which a market
 *   without one answers with a revert: the Pool itself cannot value the position).
 */
export type OraclePrice =
  | { status: "priced"; price: bigint }
  | { status: "stale"; price: bigint; reason: string }
  | { status: "unpriced"; reason: string };

export type OraclePriceParameters = {
  /** The source's latest answer (int256), or null when the asset has no source (or nothing indexed). */
  answer: bigint | null;
  /** Unix seconds of that answer (`updatedAt` / `AnswerUpdated.updatedAt`). */
  updatedAt: bigint | number | null;
  /** Unix seconds of the moment the price is judged at (the last indexed block of the market's chain). */
  now: bigint | number;
  /** Seconds; default {@link DEFAULT_FEED_HEARTBEAT_SECONDS}. */
  heartbeatSeconds?: number;
  /** Names the feed in reasons ("WETH/USD feed 0x..."). */
  label: string;
};

/**
 * Classifies one AaveOracle price (see {@link OraclePrice}). An answer exactly `heartbeat` seconds old is
 * still fresh: Chainlink's heartbeat is the promised maximum gap.
 *
 * @example
 * oraclePrice({ answer: 2000_00000000n, updatedAt: 1_000n, now: 1_100n, label: "WETH" })
 * // { status: "priced", price: 200000000000n }
 */
export function oraclePrice(params: OraclePriceParameters): OraclePrice {
  const heartbeat = BigInt(params.heartbeatSeconds ?? DEFAULT_FEED_HEARTBEAT_SECONDS);
  if (params.answer === null) return { status: "unpriced", reason: `${params.label}: no price source` };
  if (params.answer <= 0n)
    return { status: "unpriced", reason: `${params.label}: answer ${params.answer} is not positive` };
  if (params.updatedAt === null)
    return { status: "unpriced", reason: `${params.label}: no answer time known` };
  const age = BigInt(params.now) - BigInt(params.updatedAt);
  if (age > heartbeat) {
    return {
      status: "stale",
      price: params.answer,
      reason: `${params.label}: last answer ${age} s old, heartbeat ${heartbeat} s`,
    };
  }
  return { status: "priced", price: params.answer };
}
