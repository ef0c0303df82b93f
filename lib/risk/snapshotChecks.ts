import { MAX_SQRT_RATIO, MAX_TICK, MIN_SQRT_RATIO, MIN_TICK } from "../uniswap/tickMath.js";
import { reserveKey } from "./bookPositions.js";
import { InvalidRiskSnapshotError } from "./errors.js";
import type { RiskDexPool, RiskReserve, RiskSnapshot } from "./snapshot.js";

const lower = (s: string) => s.toLowerCase();

/**
 * Configuration problems of one reserve, one sentence each (empty when none). LT 0 is valid whatever
 * the bonus (Aave: the reserve is not collateral, and the configurator accepts bonus 0 then); with
 * LT > 0 Aave's configurator requires ltv <= LT, bonus > 100% and LT x bonus <= 100%. These never make a
 * snapshot invalid: one bad reserve must not take a whole market's answers down with it.
 *
 * @example
 * reserveConfigurationProblems({ ...reserve, liquidationThreshold: 0, liquidationBonus: 0 }) // []
 */
export function reserveConfigurationProblems(
  r: Pick<
    RiskReserve,
    "ltv" | "liquidationThreshold" | "liquidationBonus" | "liquidityIndex" | "variableBorrowIndex"
  >,
): string[] {
  const problems: string[] = [];
  if (r.liquidityIndex === 0n || r.variableBorrowIndex === 0n)
    problems.push("zero liquidity or borrow index");
  if (r.liquidationThreshold === 0) {
    if (r.ltv !== 0) problems.push(`ltv ${r.ltv} with liquidation threshold 0 (not collateral)`);
    return problems;
  }
  if (r.ltv > r.liquidationThreshold) problems.push("ltv above liquidation threshold");
  if (r.liquidationThreshold > 10_000) problems.push("liquidation threshold above 100%");
  if (r.liquidationBonus <= 10_000)
    problems.push(`liquidation bonus ${r.liquidationBonus} not above 100% with a non-zero threshold`);
  if (r.liquidationThreshold * r.liquidationBonus > 10_000 * 10_000)
    problems.push("liquidation threshold x bonus above 100%");
  return problems;
}

/**
 * Checks what a schema cannot: ids are unique (case-insensitively, as addresses are) and every reference
 * resolves. Throws {@link InvalidRiskSnapshotError} listing every problem. Reserve parameters are not
 * checked here (see {@link reserveConfigurationProblems}: recorded per reserve, never fatal).
 *
 * `positions: false` skips the per-position check (every entry names a listed reserve), for a builder
 * that guarantees it by construction: it is the only part whose cost grows with the number of positions.
 *
 * @example
 * validateRiskSnapshot(snapshot); // throws if a reserve names a bridge that is not in snapshot.bridges
 */
export function validateRiskSnapshot(snapshot: RiskSnapshot, options: { positions?: boolean } = {}): void {
  const problems: string[] = [];
  const unique = (what: string, values: string[]) => {
    const seen = new Set<string>();
    for (const v of values) {
      if (seen.has(lower(v))) problems.push(`duplicate ${what} "${v}"`);
      seen.add(lower(v));
    }
    return seen;
  };
  const assetIds = unique(
    "asset id",
    snapshot.assets.map((a) => a.id),
  );
  unique(
    "asset symbol",
    snapshot.assets.map((a) => a.symbol),
  );
  const bridgeIds = unique(
    "bridge id",
    snapshot.bridges.map((b) => b.id),
  );
  unique(
    "bridge name",
    snapshot.bridges.map((b) => b.name),
  );
  unique(
    "protocol id",
    snapshot.protocols.map((p) => p.id),
  );
  unique(
    "protocol name",
    snapshot.protocols.map((p) => p.name),
  );

  for (const b of snapshot.bridges) {
    for (const ba of b.assets) {
      if (!assetIds.has(lower(ba.asset))) problems.push(`bridge ${b.name}: unknown asset ${ba.asset}`);
    }
  }
  for (const p of snapshot.protocols) {
    const reserveAssets = unique(
      `reserve in ${p.name}`,
      p.reserves.map((r) => reserveKey(r.asset, r.market)),
    );
    const morphoMarkets = new Set((p.morphoMarkets ?? []).map((m) => lower(m.id)));
    if ((p.kind ?? "aave-v3") === "morpho-blue") {
      for (const r of p.reserves) {
        if (r.market === undefined || !morphoMarkets.has(lower(r.market)))
          problems.push(`${p.name}/${r.symbol}: a Morpho reserve must name one of the protocol's markets`);
      }
    }
    for (const r of p.reserves) {
      const where = `${p.name}/${r.symbol}`;
      if (r.underlyingAsset !== null && !assetIds.has(lower(r.underlyingAsset)))
        problems.push(`${where}: unknown underlying asset ${r.underlyingAsset}`);
      if (r.bridge !== null && !bridgeIds.has(lower(r.bridge)))
        problems.push(`${where}: unknown bridge ${r.bridge}`);
      if (r.bridge !== null && r.underlyingAsset === null)
        problems.push(`${where}: a bridged reserve needs its underlying home asset`);
    }
    if (options.positions === false) continue;
    for (const pos of p.positions) {
      for (const pr of pos.reserves) {
        if (!reserveAssets.has(reserveKey(pr.asset, pr.market)))
          problems.push(`${p.name}/${pos.user}: unknown reserve ${pr.asset}`);
      }
      if (pos.market !== undefined && (!pos.morpho || !morphoMarkets.has(lower(pos.market))))
        problems.push(
          `${p.name}/${pos.user}: Morpho position in unknown market ${pos.market} or without shares`,
        );
    }
  }
  for (const pool of snapshot.dexPools ?? []) problems.push(...dexPoolProblems(pool));
  if (problems.length > 0) throw new InvalidRiskSnapshotError(problems);
}

/** A pool the swap math could not run on (it would throw mid-cascade, or sell the wrong token). */
function dexPoolProblems(pool: RiskDexPool): string[] {
  const where = `DEX pool ${pool.address} on ${pool.chainId}`;
  const problems: string[] = [];
  if (lower(pool.token) !== lower(pool.token0) && lower(pool.token) !== lower(pool.token1))
    problems.push(`${where}: the sold token ${pool.token} is neither token0 nor token1`);
  if (!(pool.sqrtPriceX96 >= MIN_SQRT_RATIO && pool.sqrtPriceX96 < MAX_SQRT_RATIO))
    problems.push(`${where}: sqrtPriceX96 ${pool.sqrtPriceX96} is outside the pool's range`);
  if (pool.liquidity < 0n) problems.push(`${where}: negative in-range liquidity`);
  if (!(Number.isInteger(pool.tickSpacing) && pool.tickSpacing > 0))
    problems.push(`${where}: tickSpacing must be a positive integer`);
  if (!(Number.isInteger(pool.fee) && pool.fee >= 0 && pool.fee < 1_000_000))
    problems.push(`${where}: fee must be an integer below 1,000,000 pips`);
  if (pool.ticks.some((t) => !Number.isInteger(t.tick) || t.tick < MIN_TICK || t.tick > MAX_TICK))
    problems.push(`${where}: a tick is outside [${MIN_TICK}, ${MAX_TICK}]`);
  return problems;
}
