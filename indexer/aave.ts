import type { Context } from "ponder:registry";
import { market, marketUser, position, reserve, reserveToken } from "ponder:schema";
import type { Address, Hex } from "viem";
import { RAY } from "../lib/aave/wadRayMath.js";
import { currentDeployment, type IndexedMarket, key, lower } from "./deployment.js";

/**
 * Shared bookkeeping of the Aave v3 handlers (src/AavePool.ts, src/AavePoolConfigurator.ts, src/AToken.ts,
 * ...). Lookups are by primary key only (served from Ponder's in-memory cache), so the per-event cost
 * stays a few map reads and one or two writes.
 */

type Db = Context["db"];
type PositionRow = typeof position.$inferSelect;
export type ReserveRow = typeof reserve.$inferSelect;

export const reserveId = (protocol: string, asset: string) => `${protocol}:${asset.toLowerCase()}`;
export const positionId = (protocol: string, user: string, asset: string) =>
  `${protocol}:${user.toLowerCase()}:${asset.toLowerCase()}`;
export const userId = (protocol: string, user: string) => `${protocol}:${user.toLowerCase()}`;
export const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000" as Address;

/** The market a Pool / PoolConfigurator / AaveOracle address belongs to (deployments file). */
export function marketOf(chainId: number, contract: Address): IndexedMarket {
  const found = currentDeployment().marketByContract.get(key(chainId, contract));
  // Ponder only delivers logs of the addresses in ponder.config.ts, all taken from the deployments file.
  if (!found)
    throw new Error(`no Aave market in the deployments file has contract ${contract} on ${chainId}`);
  return found;
}

/**
 * The market of a Pool / PoolConfigurator / AaveOracle event, or undefined for a watched market's event
 * before its start block: the state read at its start already holds that event's effect
 * (indexer/aaveStartState.ts), and sources on a chain start at the chain's earliest market.
 */
export function marketAt(chainId: number, contract: Address, blockNumber: bigint): IndexedMarket | undefined {
  const m = marketOf(chainId, contract);
  return started(m, blockNumber) ? m : undefined;
}

/** False for a watched market before its start block (see marketAt). */
export function started(m: IndexedMarket, blockNumber: bigint): boolean {
  return !m.watched || blockNumber >= BigInt(m.startBlock);
}

/** The market row, created from the deployments file the first time one of its events is indexed. */
export async function ensureMarket(db: Db, m: IndexedMarket, blockNumber: bigint) {
  const existing = await db.find(market, { id: m.protocol });
  if (existing) return existing;
  return db.insert(market).values({
    id: m.protocol,
    chainId: m.chainId,
    name: m.name,
    pool: lower(m.pool),
    poolConfigurator: lower(m.poolConfigurator),
    addressesProvider: lower(m.addressesProvider),
    oracle: lower(m.aaveOracle),
    baseCurrencyUnit: BigInt(m.baseCurrencyUnit),
    fallbackOracle: ZERO_ADDRESS,
    poolRevision: null,
    updatedAtBlock: blockNumber,
  });
}

/** A reserve as ConfiguratorLogic.executeInitReserve leaves it: active, everything else zero. */
export function initialReserve(params: {
  protocol: string;
  chainId: number;
  pool: Address;
  asset: Address;
  homeAsset: Address | null;
  symbol: string | null;
  decimals: number;
  aToken: Address;
  stableDebtToken: Address;
  variableDebtToken: Address;
  interestRateStrategy: Address;
  priceSource: Address | null;
  blockNumber: bigint;
  blockTimestamp: bigint;
}): ReserveRow {
  return {
    id: reserveId(params.protocol, params.asset),
    protocol: params.protocol,
    chainId: params.chainId,
    pool: lower(params.pool),
    asset: lower(params.asset),
    homeAsset: params.homeAsset ? lower(params.homeAsset) : null,
    symbol: params.symbol,
    decimals: params.decimals,
    aToken: lower(params.aToken),
    stableDebtToken: lower(params.stableDebtToken),
    variableDebtToken: lower(params.variableDebtToken),
    interestRateStrategy: lower(params.interestRateStrategy),
    ltv: 0,
    liquidationThreshold: 0,
    liquidationBonus: 0,
    reserveFactor: 0,
    liquidationProtocolFee: 0,
    supplyCap: 0n,
    borrowCap: 0n,
    debtCeiling: 0n,
    eModeCategory: 0,
    active: true,
    frozen: false,
    paused: false,
    borrowingEnabled: false,
    stableBorrowingEnabled: false,
    liquidityIndex: RAY,
    variableBorrowIndex: RAY,
    liquidityRate: 0n,
    variableBorrowRate: 0n,
    stableBorrowRate: 0n,
    lastUpdateTimestamp: params.blockTimestamp,
    totalScaledSupply: 0n,
    totalScaledVariableDebt: 0n,
    mintedToTreasury: 0n,
    priceSource: params.priceSource ? lower(params.priceSource) : null,
    problems: [],
    updatedAtBlock: params.blockNumber,
  };
}

/**
 * Applies a configurator change to a reserve. A change for a reserve never initialised (possible on a
 * live market only by a misconfigured admin) is skipped, never thrown: one bad reserve must not stop
 * the indexer.
 */
export async function configureReserve(
  db: Db,
  chainId: number,
  configurator: Address,
  asset: Address,
  blockNumber: bigint,
  change: Partial<ReserveRow>,
): Promise<void> {
  const m = marketAt(chainId, configurator, blockNumber);
  if (!m) return;
  const id = reserveId(m.protocol, asset);
  if (!(await db.find(reserve, { id }))) return;
  await db.update(reserve, { id }).set({ ...change, updatedAtBlock: blockNumber });
}

function emptyPosition(token: typeof reserveToken.$inferSelect, chainId: number, user: Hex): PositionRow {
  return {
    id: positionId(token.protocol, user, token.asset),
    protocol: token.protocol,
    chainId,
    user: lower(user),
    reserveId: token.reserveId,
    asset: token.asset,
    scaledATokenBalance: 0n,
    scaledVariableDebt: 0n,
    stableDebtPrincipal: 0n,
    stableBorrowRate: 0n,
    stableDebtTimestamp: 0n,
    usedAsCollateral: false,
    updatedAtBlock: 0n,
  };
}

/**
 * The reserve an aToken / debt token belongs to (recorded at ReserveInitialized, or read at a watched
 * market's start), or undefined for an event of a watched market before its start block (see marketAt).
 */
export async function tokenReserve(db: Db, chainId: number, token: Address, blockNumber: bigint) {
  const row = await db.find(reserveToken, { id: key(chainId, token) });
  if (!row)
    throw new Error(`token ${token} on chain ${chainId} was not created by a known ReserveInitialized`);
  const m = currentDeployment().marketByProtocol.get(row.protocol);
  return m && !started(m, blockNumber) ? undefined : row;
}

/** Adds a scaled delta to a user's aToken or variable debt balance and to the reserve's total. */
export async function addScaled(
  db: Db,
  token: typeof reserveToken.$inferSelect,
  chainId: number,
  user: Hex,
  field: "scaledATokenBalance" | "scaledVariableDebt",
  delta: bigint,
  blockNumber: bigint,
): Promise<void> {
  if (delta === 0n) return;
  const fresh = emptyPosition(token, chainId, user);
  await db
    .insert(position)
    .values({ ...fresh, [field]: delta, updatedAtBlock: blockNumber })
    .onConflictDoUpdate((row) => ({ [field]: row[field] + delta, updatedAtBlock: blockNumber }));
  const total = field === "scaledATokenBalance" ? "totalScaledSupply" : "totalScaledVariableDebt";
  await db.update(reserve, { id: token.reserveId }).set((r) => ({ [total]: r[total] + delta }));
}

/** Replaces a user's stable debt state, computed from the stored one. */
export async function setStableDebt(
  db: Db,
  token: typeof reserveToken.$inferSelect,
  chainId: number,
  user: Hex,
  next: (row: PositionRow) => { principal: bigint; rate: bigint; timestamp: bigint },
  blockNumber: bigint,
): Promise<void> {
  const row =
    (await db.find(position, { id: positionId(token.protocol, user, token.asset) })) ??
    emptyPosition(token, chainId, user);
  const state = next(row);
  const values = {
    stableDebtPrincipal: state.principal,
    stableBorrowRate: state.rate,
    stableDebtTimestamp: state.timestamp,
    updatedAtBlock: blockNumber,
  };
  await db
    .insert(position)
    .values({ ...row, ...values })
    .onConflictDoUpdate(values);
}

/** The user configuration's collateral bit (ReserveUsedAsCollateralEnabled/Disabled). */
export async function setUsedAsCollateral(
  db: Db,
  protocol: string,
  chainId: number,
  user: Hex,
  asset: Hex,
  enabled: boolean,
  blockNumber: bigint,
): Promise<void> {
  const id = reserveId(protocol, asset);
  const fresh = emptyPosition(
    { id: "", reserveId: id, protocol, asset: lower(asset), kind: "" },
    chainId,
    user,
  );
  await db
    .insert(position)
    .values({ ...fresh, usedAsCollateral: enabled, updatedAtBlock: blockNumber })
    .onConflictDoUpdate({ usedAsCollateral: enabled, updatedAtBlock: blockNumber });
}

/** Records a user of a market (its eMode category and last activity). */
export async function touchUser(
  db: Db,
  protocol: string,
  chainId: number,
  user: Hex,
  blockNumber: bigint,
  eModeCategory?: number,
): Promise<void> {
  const update =
    eModeCategory === undefined
      ? { lastActivityBlock: blockNumber }
      : { eModeCategory, updatedAtBlock: blockNumber };
  await db
    .insert(marketUser)
    .values({
      id: userId(protocol, user),
      protocol,
      chainId,
      user: lower(user),
      eModeCategory: eModeCategory ?? 0,
      lastActivityBlock: blockNumber,
      updatedAtBlock: blockNumber,
    })
    .onConflictDoUpdate(update);
}
