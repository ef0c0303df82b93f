import type { Context } from "ponder:registry";
import { morphoInstance, morphoMarket, morphoPosition } from "ponder:schema";
import type { Address, Hex } from "viem";
import { chainlinkMorphoOracleAbi } from "../contracts/generated/index.js";
import type { MorphoDeployment } from "../lib/deployments.js";
import { currentDeployment, key, lower } from "./deployment.js";
import { refreshSource } from "./priceSources.js";

/**
 * Bookkeeping of the Morpho Blue handlers (src/MorphoBlue.ts, src/AdaptiveCurveIrm.ts). Each function
 * applies one event to the rows exactly as Morpho.sol applies it to storage (Morpho 1.0.0), so the
 * indexed market and positions equal `market(id)` / `position(id, user)` at every block. Lookups are by
 * primary key (Ponder's in-memory cache); the only RPC reads are the oracle's immutables, once per market.
 */

type Db = Context["db"];
type ReadContext = Pick<Context, "db" | "client" | "chain">;
export type MorphoMarketRow = typeof morphoMarket.$inferSelect;

export type IndexedMorpho = MorphoDeployment & { chainId: number };

export const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000" as Address;

export const morphoMarketKey = (protocol: string, marketId: Hex) => `${protocol}:${marketId.toLowerCase()}`;
export const morphoPositionKey = (protocol: string, marketId: Hex, user: Address) =>
  `${protocol}:${marketId.toLowerCase()}:${user.toLowerCase()}`;

type MorphoIndex = { byMorpho: Map<string, IndexedMorpho>; byIrm: Map<string, IndexedMorpho> };
let cachedIndex: MorphoIndex | undefined;

function morphoIndex(): MorphoIndex {
  if (cachedIndex) return cachedIndex;
  const index: MorphoIndex = { byMorpho: new Map(), byIrm: new Map() };
  for (const chain of currentDeployment().deployment.chains) {
    if (!chain.morpho) continue;
    const entry = { ...chain.morpho, chainId: chain.chainId };
    index.byMorpho.set(key(chain.chainId, chain.morpho.address), entry);
    if (chain.morpho.adaptiveCurveIrm)
      index.byIrm.set(key(chain.chainId, chain.morpho.adaptiveCurveIrm), entry);
  }
  cachedIndex = index;
  return index;
}

/** The deployments file's Morpho entry for the singleton at `address` on `chainId`. */
export function morphoOf(chainId: number, address: Address): IndexedMorpho {
  const found = morphoIndex().byMorpho.get(key(chainId, address));
  // Ponder delivers logs of the addresses in ponder.config.ts only, all taken from the deployments file.
  if (!found) throw new Error(`no Morpho Blue in the deployments file at ${address} on chain ${chainId}`);
  return found;
}

/** The Morpho entry whose AdaptiveCurve IRM is `irm`. */
export function morphoOfIrm(chainId: number, irm: Address): IndexedMorpho {
  const found = morphoIndex().byIrm.get(key(chainId, irm));
  if (!found)
    throw new Error(`no Morpho Blue in the deployments file uses the IRM ${irm} on chain ${chainId}`);
  return found;
}

/** The singleton's row (fee recipient, owner), created on first sight with Morpho's initial state. */
export async function ensureInstance(db: Db, m: IndexedMorpho, blockNumber: bigint) {
  const existing = await db.find(morphoInstance, { id: m.protocol });
  if (existing) return existing;
  return db.insert(morphoInstance).values({
    id: m.protocol,
    chainId: m.chainId,
    name: m.name,
    address: lower(m.address),
    feeRecipient: ZERO_ADDRESS,
    owner: null,
    updatedAtBlock: blockNumber,
  });
}

type OracleRead = { collateralFeed: Address; loanFeed: Address | null; scaleFactor: bigint };

/**
 * The oracle's feeds and scale when it is a ChainlinkMorphoOracle; null for any other oracle (a read
 * fails or answers nothing). Read at the market's creation block: the three values are immutable.
 */
async function readChainlinkOracle(
  context: ReadContext,
  oracle: Address,
  blockNumber: bigint,
): Promise<OracleRead | null> {
  const read = <T>(functionName: "COLLATERAL_FEED" | "LOAN_FEED" | "SCALE_FACTOR") =>
    context.client
      .readContract({
        abi: chainlinkMorphoOracleAbi,
        address: oracle,
        functionName,
        blockNumber,
        // An oracle without the function answers "0x"; Ponder would retry that for minutes.
        retryEmptyResponse: false,
      })
      .then((value) => value as T)
      .catch(() => null);
  const [collateralFeed, loanFeed, scaleFactor] = await Promise.all([
    read<Address>("COLLATERAL_FEED"),
    read<Address>("LOAN_FEED"),
    read<bigint>("SCALE_FACTOR"),
  ]);
  if (collateralFeed === null || loanFeed === null || scaleFactor === null) return null;
  return {
    collateralFeed: lower(collateralFeed),
    loanFeed: lower(loanFeed) === ZERO_ADDRESS ? null : lower(loanFeed),
    scaleFactor,
  };
}

/**
 * CreateMarket: the market as Morpho leaves it (lastUpdate = block time, everything else zero). A
 * Chainlink oracle's feeds are recorded as price sources, so their answers are followed from here on
 * (price_source) and the market's price can be computed at any indexed block.
 */
export async function createMarket(
  context: ReadContext,
  m: IndexedMorpho,
  marketId: Hex,
  params: { loanToken: Address; collateralToken: Address; oracle: Address; irm: Address; lltv: bigint },
  block: { number: bigint; timestamp: bigint },
): Promise<void> {
  await ensureInstance(context.db, m, block.number);
  const oracle = await readChainlinkOracle(context, params.oracle, block.number);
  if (oracle) {
    await refreshSource(
      context,
      oracle.collateralFeed,
      block.number,
      "morpho-oracle",
      params.collateralToken,
    );
    if (oracle.loanFeed)
      await refreshSource(context, oracle.loanFeed, block.number, "morpho-oracle", params.loanToken);
  }
  const tokens = currentDeployment().tokenByAddress;
  const loan = tokens.get(key(m.chainId, params.loanToken));
  const collateral = tokens.get(key(m.chainId, params.collateralToken));
  await context.db
    .insert(morphoMarket)
    .values({
      id: morphoMarketKey(m.protocol, marketId),
      protocol: m.protocol,
      chainId: m.chainId,
      morpho: lower(m.address),
      marketId: lower(marketId) as Hex,
      loanToken: lower(params.loanToken),
      collateralToken: lower(params.collateralToken),
      oracle: lower(params.oracle),
      irm: lower(params.irm),
      lltv: params.lltv,
      loanHomeAsset: loan ? lower(loan.homeToken) : null,
      loanSymbol: loan?.symbol ?? null,
      collateralHomeAsset: collateral ? lower(collateral.homeToken) : null,
      collateralSymbol: collateral?.symbol ?? null,
      totalSupplyAssets: 0n,
      totalSupplyShares: 0n,
      totalBorrowAssets: 0n,
      totalBorrowShares: 0n,
      lastUpdate: block.timestamp,
      fee: 0n,
      rateAtTarget: null,
      borrowRate: null,
      collateralFeed: oracle?.collateralFeed ?? null,
      loanFeed: oracle?.loanFeed ?? null,
      oracleScaleFactor: oracle?.scaleFactor ?? null,
      badDebtAssets: 0n,
      badDebtShares: 0n,
      liquidations: 0,
      createdAtBlock: block.number,
      updatedAtBlock: block.number,
    })
    // A reorg replays the event onto a rolled-back table; a second CreateMarket of one id cannot happen.
    .onConflictDoNothing();
}

/** Morpho's UtilsLib.zeroFloorSub: repaid assets may exceed the total borrow by one wei of rounding. */
export const zeroFloorSub = (x: bigint, y: bigint): bigint => (x > y ? x - y : 0n);

type MarketChange = (row: MorphoMarketRow) => Partial<MorphoMarketRow>;

/**
 * Applies a change to a market row; null (nothing written) for a market not indexed. Every event but SupplyCollateral (which Morpho lets skip the accrual)
 * runs `_accrueInterest` first, which sets lastUpdate to the block time even when it emits nothing
 * (elapsed 0, or no IRM): `accrued` says so.
 */
export async function updateMarket(
  db: Db,
  m: IndexedMorpho,
  marketId: Hex,
  block: { number: bigint; timestamp: bigint },
  accrued: boolean,
  change: MarketChange,
): Promise<MorphoMarketRow | null> {
  const id = morphoMarketKey(m.protocol, marketId);
  const row = await db.find(morphoMarket, { id });
  // Morpho reverts on a market not created, so every market event follows its CreateMarket; a market
  // without a row was created before the deployments file's startBlock. Its totals cannot be known from
  // later events, so it is not indexed at all (the caller skips the position too) rather than wrongly.
  if (!row) return null;
  return db.update(morphoMarket, { id }).set({
    ...change(row),
    ...(accrued ? { lastUpdate: block.timestamp } : {}),
    updatedAtBlock: block.number,
  });
}

/** Adds signed deltas to a position, creating it at zero first. */
export async function adjustPosition(
  db: Db,
  m: IndexedMorpho,
  marketId: Hex,
  user: Address,
  delta: { supplyShares?: bigint; borrowShares?: bigint; collateral?: bigint },
  blockNumber: bigint,
): Promise<void> {
  const supplyShares = delta.supplyShares ?? 0n;
  const borrowShares = delta.borrowShares ?? 0n;
  const collateral = delta.collateral ?? 0n;
  await db
    .insert(morphoPosition)
    .values({
      id: morphoPositionKey(m.protocol, marketId, user),
      protocol: m.protocol,
      chainId: m.chainId,
      market: morphoMarketKey(m.protocol, marketId),
      marketId: lower(marketId) as Hex,
      user: lower(user),
      supplyShares,
      borrowShares,
      collateral,
      updatedAtBlock: blockNumber,
    })
    .onConflictDoUpdate((row) => ({
      supplyShares: row.supplyShares + supplyShares,
      borrowShares: row.borrowShares + borrowShares,
      collateral: row.collateral + collateral,
      updatedAtBlock: blockNumber,
    }));
}

/** The current fee recipient of a singleton (the zero address until SetFeeRecipient). */
export async function feeRecipientOf(db: Db, m: IndexedMorpho, blockNumber: bigint): Promise<Address> {
  return (await ensureInstance(db, m, blockNumber)).feeRecipient;
}
