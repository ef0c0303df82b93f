import { type OraclePrice, oraclePrice } from "../../../aave/oracle.js";
import type { Deployment } from "../../../deployments.js";
import { accrueMorphoInterest, morphoLiquidationIncentiveFactor } from "../../../morpho/market.js";
import { ORACLE_PRICE_SCALE, VIRTUAL_ASSETS, VIRTUAL_SHARES } from "../../../morpho/math.js";
import type {
  PriceStatus,
  RiskMorphoMarket,
  RiskPosition,
  RiskPositionReserve,
  RiskProtocol,
  RiskReserve,
} from "../../index.js";
import type { IndexerRows } from "./indexerRows.js";
import { tokenDirectory } from "./tokenDirectory.js";

type MarketRow = IndexerRows["morphoMarkets"][number];
type PositionRow = IndexerRows["morphoPositions"][number];
type PriceSourceRow = IndexerRows["priceSources"][number];

const RAY = 10n ** 27n;
const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";
const lower = (a: string) => a.toLowerCase();
const chainKey = (chainId: number, address: string) => `${chainId}:${lower(address)}`;
const SEVERITY: Record<PriceStatus, number> = { priced: 0, stale: 1, unpriced: 2 };

/**
 * Morpho positions kept in step with the indexer's `morpho_position` rows (read in full each time): a row
 * whose figures did not change keeps its `RiskPosition` object, and a protocol whose positions did not
 * change keeps its list, so the engine reuses their conversions as it does for Aave positions.
 */
export class IndexedMorphoPositions {
  readonly #held = new Map<string, { row: PositionRow; position: RiskPosition | undefined }>();
  readonly #lists = new Map<string, RiskPosition[]>();
  #markets = new Map<string, MarketRow>();

  /** The protocol's positions (pairs with a non-zero share or collateral). Do not mutate. */
  positionsOf(protocol: string): readonly RiskPosition[] {
    return this.#lists.get(protocol) ?? [];
  }

  /** Replaces the held rows by `rows` (every row of the table). */
  apply(markets: readonly MarketRow[], rows: readonly PositionRow[]): void {
    this.#markets = new Map(markets.map((m) => [m.id, m]));
    const dirty = new Set<string>();
    const seen = new Set<string>();
    for (const row of rows) {
      seen.add(row.id);
      const held = this.#held.get(row.id);
      if (
        held &&
        held.row.supplyShares === row.supplyShares &&
        held.row.borrowShares === row.borrowShares &&
        held.row.collateral === row.collateral &&
        // A position held without its market (not read yet) is built again once the market is there.
        (held.position !== undefined || isEmpty(row))
      )
        continue;
      this.#held.set(row.id, { row, position: this.#position(row) });
      dirty.add(row.protocol);
    }
    for (const [id, held] of this.#held) {
      if (seen.has(id)) continue;
      this.#held.delete(id);
      dirty.add(held.row.protocol);
    }
    for (const protocol of dirty) {
      const list: RiskPosition[] = [];
      for (const { row, position } of this.#held.values()) {
        if (row.protocol === protocol && position) list.push(position);
      }
      this.#lists.set(protocol, list);
    }
  }

  #position(row: PositionRow): RiskPosition | undefined {
    const market = this.#markets.get(row.market);
    if (!market || isEmpty(row)) return undefined;
    const id = lower(row.marketId);
    const reserves: RiskPositionReserve[] = [];
    if (row.collateral > 0n) {
      reserves.push({
        asset: lower(market.collateralToken),
        market: id,
        scaledCollateral: row.collateral,
        scaledDebt: 0n,
        usedAsCollateral: true,
      });
    }
    if (row.supplyShares > 0n || row.borrowShares > 0n) {
      reserves.push({
        asset: lower(market.loanToken),
        market: id,
        scaledCollateral: row.supplyShares,
        scaledDebt: row.borrowShares,
        usedAsCollateral: false,
      });
    }
    return {
      user: lower(row.user),
      market: id,
      morpho: { supplyShares: row.supplyShares, borrowShares: row.borrowShares, collateral: row.collateral },
      reserves,
    };
  }
}

const isEmpty = (row: PositionRow) =>
  row.supplyShares === 0n && row.borrowShares === 0n && row.collateral === 0n;

export type MorphoProtocolsParameters = {
  deployment: Deployment;
  rows: Pick<IndexerRows, "morphoMarkets" | "priceSources">;
  positions: IndexedMorphoPositions;
  /** Unix seconds of the chain's last indexed block (0 before the first). */
  indexedAt: (chainId: number) => number;
  /** Home asset ids the snapshot lists. */
  assetIds: ReadonlySet<string>;
};

/**
 * One {@link RiskProtocol} per Morpho Blue instance (kind "morpho-blue", id = the deployments file's
 * `morpho.protocol`). Per market, two reserves keyed by the market id: the collateral token with
 * LTV = LT = LLTV and bonus = Morpho's liquidation incentive factor (floored to a basis point; the float
 * engine's stress uses it), and the loan token with LT 0 whose indexes are the market's share prices
 * (`RAY * (totalAssets + 1) / (totalShares + 1e6)`, Morpho's virtual assets and shares), so a position's
 * loan entry holds its supply and borrow shares. Totals are accrued to the chain's last indexed block with
 * the AdaptiveCurve IRM's rate at target, as Morpho accrues them before deciding a liquidation there.
 *
 * Prices: the market's oracle when it is a ChainlinkMorphoOracle the indexer follows (its feeds are
 * `price_source` rows): `price = collateralAnswer * scale / loanAnswer`. A feed without a usable answer
 * (none, zero or negative: the oracle reverts) makes the market unpriced; a feed older than its
 * heartbeat makes it stale; an oracle of another kind, or an IRM whose rate the indexer cannot follow
 * while debt has interest to accrue, makes it unpriced: never healthy. USD: the loan token at its feed's
 * answer (1 when the oracle has no loan feed: the loan token is the feeds' USD quote), the collateral at
 * `price / 1e36 * 10^(collateral decimals - loan decimals)` loan tokens.
 */
export function morphoProtocols(params: MorphoProtocolsParameters): RiskProtocol[] {
  const { deployment, rows } = params;
  const tokenByAddress = tokenDirectory(deployment);
  const sourceByProxy = new Map(rows.priceSources.map((p) => [chainKey(p.chainId, p.proxy), p]));
  const protocols: RiskProtocol[] = [];
  for (const chain of deployment.chains) {
    const morpho = chain.morpho;
    if (!morpho) continue;
    const at = params.indexedAt(chain.chainId);
    const markets: RiskMorphoMarket[] = [];
    const reserves: RiskReserve[] = [];
    const problems: string[] = [];
    const acceptedMarkets = new Set<string>();
    const marketRows = rows.morphoMarkets
      .filter((m) => m.protocol === morpho.protocol)
      .sort((a, b) => (a.marketId < b.marketId ? -1 : a.marketId > b.marketId ? 1 : 0));
    for (const m of marketRows) {
      const id = lower(m.marketId);
      if (lower(m.loanToken) === lower(m.collateralToken)) {
        problems.push(`market ${id} lends the token it takes as collateral: not modelled, left out`);
        continue;
      }
      const token = (address: string, fallback: string | null) => {
        const t = tokenByAddress.get(chainKey(chain.chainId, address));
        const homeAsset = t ? lower(t.homeToken) : null;
        const known = homeAsset !== null && params.assetIds.has(homeAsset);
        const wrapped = t?.kind === "wrapped";
        return {
          symbol: t?.symbol ?? fallback ?? lower(address),
          decimals: t?.decimals,
          underlyingAsset: known && (wrapped || chain.chainId === deployment.homeChainId) ? homeAsset : null,
          bridge: known && wrapped ? t.bridge : null,
        };
      };
      const loan = token(m.loanToken, m.loanSymbol);
      const collateral = token(m.collateralToken, m.collateralSymbol);
      const state = accrued(m, at, morpho.adaptiveCurveIrm);
      const judged = judgeOracle(m, sourceByProxy, at, `${collateral.symbol}/${loan.symbol}`);
      let price = judged;
      if (loan.decimals === undefined || collateral.decimals === undefined) {
        price = {
          status: "unpriced",
          reason: `market ${id}: token decimals unknown to the deployments file`,
        };
      } else if (state.reason !== null) {
        price = { status: "unpriced", reason: state.reason };
      }
      const oraclePrice = price.status === "unpriced" ? null : price.price;
      const reason = price.status === "priced" ? null : price.reason;
      const loanUsd = judged.status === "unpriced" ? 0 : judged.loanUsd;
      const collateralUsd =
        oraclePrice === null
          ? 0
          : (Number(oraclePrice) / Number(ORACLE_PRICE_SCALE)) *
            10 ** ((collateral.decimals ?? 0) - (loan.decimals ?? 0)) *
            loanUsd;
      markets.push({
        id,
        loanToken: lower(m.loanToken),
        collateralToken: lower(m.collateralToken),
        oracle: lower(m.oracle),
        lltv: m.lltv,
        totalSupplyAssets: state.market.totalSupplyAssets,
        totalSupplyShares: state.market.totalSupplyShares,
        totalBorrowAssets: state.market.totalBorrowAssets,
        totalBorrowShares: state.market.totalBorrowShares,
        oraclePrice,
        priceStatus: price.status,
        priceReason: reason,
      });
      acceptedMarkets.add(id);
      const lltvBps = Number(m.lltv / 10n ** 14n);
      const common = { poolLiquidity: null, priceStatus: price.status, priceReason: reason, market: id };
      reserves.push({
        ...common,
        asset: lower(m.collateralToken),
        symbol: collateral.symbol,
        underlyingAsset: collateral.underlyingAsset,
        bridge: collateral.bridge,
        priceUsd: collateralUsd,
        decimals: collateral.decimals ?? 18,
        ltv: lltvBps,
        liquidationThreshold: lltvBps,
        liquidationBonus: Number(morphoLiquidationIncentiveFactor(m.lltv) / 10n ** 14n),
        liquidityIndex: RAY,
        variableBorrowIndex: RAY,
      });
      reserves.push({
        ...common,
        asset: lower(m.loanToken),
        symbol: loan.symbol,
        underlyingAsset: loan.underlyingAsset,
        bridge: loan.bridge,
        priceUsd: loanUsd,
        decimals: loan.decimals ?? 18,
        ltv: 0,
        liquidationThreshold: 0,
        liquidationBonus: 0,
        liquidityIndex: sharePrice(state.market.totalSupplyAssets, state.market.totalSupplyShares),
        variableBorrowIndex: sharePrice(state.market.totalBorrowAssets, state.market.totalBorrowShares),
      });
    }
    const held = params.positions.positionsOf(morpho.protocol);
    // Positions of a market left out (or not read yet) are left out with it.
    const positions = held.every((p) => acceptedMarkets.has(p.market!))
      ? [...held]
      : held.filter((p) => acceptedMarkets.has(p.market!));
    protocols.push({
      id: morpho.protocol,
      name: morpho.protocol,
      chainId: chain.chainId,
      kind: "morpho-blue",
      morphoMarkets: markets,
      reserves,
      positions,
      timestamp: at,
      problems,
    });
  }
  return protocols;
}

/** RAY * (totalAssets + virtual assets) / (totalShares + virtual shares): assets per share, ray-scaled. */
const sharePrice = (assets: bigint, shares: bigint) =>
  (RAY * (assets + VIRTUAL_ASSETS)) / (shares + VIRTUAL_SHARES);

/** The market's totals at `at`, or why they cannot be known (an IRM the indexer does not follow). */
function accrued(m: MarketRow, at: number, adaptiveCurveIrm: string | undefined) {
  const market = {
    totalSupplyAssets: m.totalSupplyAssets,
    totalSupplyShares: m.totalSupplyShares,
    totalBorrowAssets: m.totalBorrowAssets,
    totalBorrowShares: m.totalBorrowShares,
    lastUpdate: m.lastUpdate,
    fee: m.fee,
  };
  const timestamp = BigInt(at);
  // Morpho accrues nothing without an IRM, nor when no time has passed or nothing is borrowed.
  if (timestamp <= m.lastUpdate || lower(m.irm) === ZERO_ADDRESS || m.totalBorrowAssets === 0n)
    return { market, reason: null };
  const followed = adaptiveCurveIrm !== undefined && lower(m.irm) === lower(adaptiveCurveIrm);
  if (!followed)
    return {
      market,
      reason: `market ${lower(m.marketId)}: IRM ${lower(m.irm)} is not the AdaptiveCurve IRM the indexer follows: debt cannot be accrued`,
    };
  // rateAtTarget is null until the IRM's first BorrowRateUpdate for the market: it starts from zero.
  return { market: accrueMorphoInterest(market, m.rateAtTarget ?? 0n, timestamp).market, reason: null };
}

type JudgedOracle =
  | { status: "priced"; price: bigint; loanUsd: number }
  | { status: "stale"; price: bigint; reason: string; loanUsd: number }
  | { status: "unpriced"; reason: string };

/** The oracle's price as ChainlinkMorphoOracle computes it from the indexed answers, judged per feed. */
function judgeOracle(
  m: MarketRow,
  sources: Map<string, PriceSourceRow>,
  at: number,
  label: string,
): JudgedOracle {
  if (m.collateralFeed === null || m.oracleScaleFactor === null) {
    return {
      status: "unpriced",
      reason: `${label}: oracle ${lower(m.oracle)} is not a ChainlinkMorphoOracle the indexer follows (price unknown)`,
    };
  }
  const feeds: { proxy: string; role: string }[] = [{ proxy: m.collateralFeed, role: "collateral" }];
  if (m.loanFeed !== null) feeds.push({ proxy: m.loanFeed, role: "loan" });
  const judged: { price: OraclePrice; source: PriceSourceRow | undefined }[] = feeds.map((f) => {
    const source = sources.get(chainKey(m.chainId, f.proxy));
    return {
      source,
      price: source
        ? oraclePrice({
            answer: source.answer,
            updatedAt: source.updatedAt,
            now: at,
            heartbeatSeconds: source.heartbeatSeconds,
            label: `${label} oracle's ${f.role} feed (${source.description ?? source.proxy})`,
          })
        : { status: "unpriced", reason: `${label} oracle's ${f.role} feed ${f.proxy}: not indexed` },
    };
  });
  const worst = judged.reduce((w, j) => (SEVERITY[j.price.status] > SEVERITY[w.price.status] ? j : w));
  if (worst.price.status === "unpriced") {
    return { status: "unpriced", reason: `${worst.price.reason} (the oracle reverts)` };
  }
  const collateralAnswer = judged[0]!.source!.answer!;
  const loan = judged[1]?.source;
  const price =
    loan === undefined
      ? collateralAnswer * m.oracleScaleFactor
      : (collateralAnswer * m.oracleScaleFactor) / loan.answer!;
  if (price === 0n) return { status: "unpriced", reason: `${label}: the oracle's price is 0` };
  const loanUsd = loan === undefined ? 1 : Number(loan.answer) / 10 ** (loan.decimals ?? 8);
  const reasons = judged
    .filter((j) => j.price.status === "stale")
    .map((j) => (j.price as { reason: string }).reason);
  return reasons.length > 0
    ? { status: "stale", price, reason: reasons.join("; "), loanUsd }
    : { status: "priced", price, loanUsd };
}
