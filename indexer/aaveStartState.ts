import type { Context } from "ponder:registry";
import { assetSource, emodeCategory, market, position, reserve, reserveToken } from "ponder:schema";
import { type Address, createPublicClient, erc20Abi, http, type PublicClient, zeroAddress } from "viem";
import { aavePoolAbi, aTokenAbi, stableDebtTokenAbi } from "../contracts/generated/index.js";
import { scanMarketAccounts } from "../lib/aave/marketAccounts.js";
import { decodeReserveConfiguration, usesAsCollateral } from "../lib/aave/reserveConfiguration.js";
import { logger } from "../lib/logger.js";
import { resolveRpcUrl } from "../lib/networks.js";
import { ensureMarket, initialReserve, positionId, reserveId, touchUser } from "./aave.js";
import { getNetwork } from "./config.js";
import { currentDeployment, type IndexedMarket, key, lower } from "./deployment.js";
import { refreshReserveProblems, refreshSource } from "./priceSources.js";

/**
 * The state of a watched Aave market (named by address and start block) as of the block before its start
 * block, written before any of its events is indexed, so history before the start block is never replayed:
 * - the market, its Pool revision, and every listed reserve: configuration word, indexes, rates, last
 *   update time and scaled totals from the Pool and the tokens, its AaveOracle source read like a newly set
 *   one (aggregator, decimals, latest round);
 * - eMode categories used by a reserve or a user (v3.0-3.1 form, `getEModeCategoryData`);
 * - every account (holders of an aToken, variable or stable debt token, and users who picked an eMode
 *   category, found from logs since the market's `holdersFromBlock`: lib/aave/marketAccounts.ts): scaled
 *   balances, stable principal/rate/timestamp, the collateral bit of the user's configuration word and
 *   the user's eMode category, each as the contracts hold them.
 * From the start block on, the usual handlers move this state event by event.
 */

type SetupContext = Pick<Context, "db" | "client" | "chain">;

/** Reads in groups, so a market with many holders never has thousands of requests in flight. */
async function inGroups<T, R>(items: T[], size: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size)
    out.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
  return out;
}

export async function aaveStartState(context: SetupContext): Promise<void> {
  const chainId = context.chain.id;
  const chain = currentDeployment().chainById.get(chainId);
  if (!chain) return;
  const markets = [...currentDeployment().marketByProtocol.values()].filter(
    (m) => m.chainId === chainId && m.watched,
  );
  if (markets.length === 0) return;
  // Batched JSON-RPC: the holder reads are many small eth_calls at one historical block.
  const client = createPublicClient({
    transport: http(resolveRpcUrl(getNetwork(chain.network)), { batch: { batchSize: 100 } }),
  }) as PublicClient;
  for (const m of markets) await loadMarket(context, client, m);
}

async function loadMarket(context: SetupContext, client: PublicClient, m: IndexedMarket): Promise<void> {
  const watched = m.watched!;
  const chainId = context.chain.id;
  const blockNumber = BigInt(watched.stateBlock);
  const log = logger.child({ service: "indexer", protocol: m.protocol, block: watched.stateBlock });
  const read = <T>(address: Address, abi: unknown, functionName: string, args: unknown[] = []) =>
    client.readContract({
      address,
      abi: abi as typeof aavePoolAbi,
      functionName: functionName as "getReservesList",
      args: args as [],
      blockNumber,
    }) as Promise<T>;

  await ensureMarket(context.db, m, BigInt(m.startBlock));
  const revision = await read<bigint>(m.pool, aavePoolAbi, "POOL_REVISION").catch(() => null);
  if (revision !== null)
    await context.db.update(market, { id: m.protocol }).set({ poolRevision: Number(revision) });

  // Reserves.
  const reserveIds = new Map<string, number>();
  const eModeIds = new Set<number>();
  for (const tokens of watched.reservesAtStart) {
    const data = await read<{
      configuration: { data: bigint };
      liquidityIndex: bigint;
      currentLiquidityRate: bigint;
      variableBorrowIndex: bigint;
      currentVariableBorrowRate: bigint;
      currentStableBorrowRate: bigint;
      lastUpdateTimestamp: number;
      id: number;
      interestRateStrategyAddress: Address;
    }>(m.pool, aavePoolAbi, "getReserveData", [tokens.asset]);
    const config = decodeReserveConfiguration(data.configuration.data);
    // Discovery read each asset's AaveOracle source at this block (none listed: no source).
    const source = m.priceSources.find((p) => lower(p.asset) === lower(tokens.asset))?.proxy ?? zeroAddress;
    const [symbol, totalScaledSupply, totalScaledVariableDebt] = await Promise.all([
      read<string>(tokens.asset, erc20Abi, "symbol").catch(() => null),
      read<bigint>(tokens.aToken, aTokenAbi, "scaledTotalSupply"),
      read<bigint>(tokens.variableDebtToken, aTokenAbi, "scaledTotalSupply"),
    ]);
    const id = reserveId(m.protocol, tokens.asset);
    reserveIds.set(lower(tokens.asset), data.id);
    if (config.eModeCategory !== 0) eModeIds.add(config.eModeCategory);
    const priced = lower(source) !== zeroAddress;
    if (priced) {
      await context.db
        .insert(assetSource)
        .values({
          id,
          protocol: m.protocol,
          asset: lower(tokens.asset),
          source: lower(source),
          updatedAtBlock: blockNumber,
        })
        .onConflictDoUpdate({ source: lower(source), updatedAtBlock: blockNumber });
      await refreshSource(context, source, blockNumber, "start-state", tokens.asset);
    }
    const base = initialReserve({
      protocol: m.protocol,
      chainId,
      pool: m.pool,
      asset: tokens.asset,
      homeAsset: currentDeployment().tokenByAddress.get(key(chainId, tokens.asset))?.homeToken ?? null,
      symbol,
      decimals: config.decimals,
      aToken: tokens.aToken,
      stableDebtToken: tokens.stableDebtToken,
      variableDebtToken: tokens.variableDebtToken,
      interestRateStrategy: data.interestRateStrategyAddress,
      priceSource: priced ? source : null,
      blockNumber,
      blockTimestamp: BigInt(data.lastUpdateTimestamp),
    });
    const row = {
      ...base,
      ltv: config.ltv,
      liquidationThreshold: config.liquidationThreshold,
      liquidationBonus: config.liquidationBonus,
      reserveFactor: config.reserveFactor,
      liquidationProtocolFee: config.liquidationProtocolFee,
      supplyCap: config.supplyCap,
      borrowCap: config.borrowCap,
      debtCeiling: config.debtCeiling,
      eModeCategory: config.eModeCategory,
      active: config.active,
      frozen: config.frozen,
      paused: config.paused,
      borrowingEnabled: config.borrowingEnabled,
      stableBorrowingEnabled: config.stableBorrowingEnabled,
      liquidityIndex: data.liquidityIndex,
      variableBorrowIndex: data.variableBorrowIndex,
      liquidityRate: data.currentLiquidityRate,
      variableBorrowRate: data.currentVariableBorrowRate,
      stableBorrowRate: data.currentStableBorrowRate,
      totalScaledSupply,
      totalScaledVariableDebt,
    };
    await context.db.insert(reserve).values(row).onConflictDoUpdate(row);
    for (const [kind, address] of [
      ["aToken", tokens.aToken],
      ["stableDebt", tokens.stableDebtToken],
      ["variableDebt", tokens.variableDebtToken],
    ] as const) {
      if (lower(address) === zeroAddress) continue;
      const values = { reserveId: id, protocol: m.protocol, asset: lower(tokens.asset), kind };
      await context.db
        .insert(reserveToken)
        .values({ id: key(chainId, address), ...values })
        .onConflictDoUpdate(values);
    }
    await refreshReserveProblems(context.db, id);
  }

  // Holders and their positions.
  const tokenList = watched.reservesAtStart.flatMap((r) =>
    [r.aToken, r.variableDebtToken, r.stableDebtToken].filter((t) => lower(t) !== zeroAddress),
  );
  const started = Date.now();
  let lastProgress = started;
  const accounts = await scanMarketAccounts(
    client,
    { pool: m.pool, tokens: tokenList },
    watched.holdersFromBlock,
    watched.stateBlock,
    {
      // At most one progress line every 5 s (a testnet market's scan can take minutes), and the last.
      onProgress: (p) => {
        if (p.scannedTo !== p.toBlock && Date.now() - lastProgress < 5_000) return;
        lastProgress = Date.now();
        log.info(
          { scannedTo: p.scannedTo, toBlock: p.toBlock, accounts: p.found },
          "scanning market accounts",
        );
      },
    },
  );
  const holdersByToken = accounts.holders;
  const users = new Set<Address>(accounts.eModeUsers);
  for (const set of holdersByToken.values()) for (const u of set) users.add(u);
  type Balances = {
    scaledA: bigint;
    scaledV: bigint;
    stable: { principal: bigint; rate: bigint; timestamp: bigint };
  };
  const balances = new Map<string, Balances>();
  const entry = (user: Address, asset: Address) => {
    const k = `${user}:${lower(asset)}`;
    let b = balances.get(k);
    if (!b) {
      b = { scaledA: 0n, scaledV: 0n, stable: { principal: 0n, rate: 0n, timestamp: 0n } };
      balances.set(k, b);
    }
    return b;
  };
  for (const r of watched.reservesAtStart) {
    const of = (token: Address) => [...(holdersByToken.get(lower(token)) ?? [])];
    await inGroups(of(r.aToken), 200, async (u) => {
      entry(u, r.asset).scaledA = await read<bigint>(r.aToken, aTokenAbi, "scaledBalanceOf", [u]);
    });
    await inGroups(of(r.variableDebtToken), 200, async (u) => {
      entry(u, r.asset).scaledV = await read<bigint>(r.variableDebtToken, aTokenAbi, "scaledBalanceOf", [u]);
    });
    if (lower(r.stableDebtToken) !== zeroAddress)
      await inGroups(of(r.stableDebtToken), 200, async (u) => {
        const [principal, rate, timestamp] = await Promise.all([
          read<bigint>(r.stableDebtToken, stableDebtTokenAbi, "principalBalanceOf", [u]),
          read<bigint>(r.stableDebtToken, stableDebtTokenAbi, "getUserStableRate", [u]),
          read<number>(r.stableDebtToken, stableDebtTokenAbi, "getUserLastUpdated", [u]),
        ]);
        entry(u, r.asset).stable = { principal, rate, timestamp: BigInt(timestamp) };
      });
  }
  const userState = new Map<Address, { configuration: bigint; eMode: number }>();
  await inGroups([...users], 200, async (u) => {
    const [configuration, eMode] = await Promise.all([
      read<{ data: bigint }>(m.pool, aavePoolAbi, "getUserConfiguration", [u]),
      read<bigint>(m.pool, aavePoolAbi, "getUserEMode", [u]),
    ]);
    userState.set(u, { configuration: configuration.data, eMode: Number(eMode) });
    if (eMode !== 0n) eModeIds.add(Number(eMode));
  });

  let positions = 0;
  for (const [k, b] of balances) {
    if (b.scaledA === 0n && b.scaledV === 0n && b.stable.principal === 0n) continue;
    const [user, asset] = k.split(":") as [Address, Address];
    const state = userState.get(user)!;
    const values = {
      scaledATokenBalance: b.scaledA,
      scaledVariableDebt: b.scaledV,
      stableDebtPrincipal: b.stable.principal,
      stableBorrowRate: b.stable.principal === 0n ? 0n : b.stable.rate,
      stableDebtTimestamp: b.stable.principal === 0n ? 0n : b.stable.timestamp,
      usedAsCollateral: usesAsCollateral(state.configuration, reserveIds.get(asset)!),
      updatedAtBlock: blockNumber,
    };
    await context.db
      .insert(position)
      .values({
        id: positionId(m.protocol, user, asset),
        protocol: m.protocol,
        chainId,
        user,
        reserveId: reserveId(m.protocol, asset),
        asset,
        ...values,
      })
      .onConflictDoUpdate(values);
    positions++;
  }
  for (const [user, state] of userState)
    await touchUser(context.db, m.protocol, chainId, user, blockNumber, state.eMode);

  // eMode categories in use (v3.0-3.1 form).
  for (const categoryId of eModeIds) {
    const data = await read<{
      ltv: number;
      liquidationThreshold: number;
      liquidationBonus: number;
      priceSource: Address;
      label: string;
    }>(m.pool, aavePoolAbi, "getEModeCategoryData", [categoryId]);
    const values = {
      ltv: Number(data.ltv),
      liquidationThreshold: Number(data.liquidationThreshold),
      liquidationBonus: Number(data.liquidationBonus),
      priceSource: lower(data.priceSource),
      label: data.label,
      updatedAtBlock: blockNumber,
    };
    await context.db
      .insert(emodeCategory)
      .values({ id: `${m.protocol}:${categoryId}`, protocol: m.protocol, categoryId, ...values })
      .onConflictDoUpdate(values);
  }
  log.info(
    {
      reserves: watched.reservesAtStart.length,
      holders: users.size,
      positions,
      eModeCategories: eModeIds.size,
      ms: Date.now() - started,
    },
    "watched market state read at the block before its start block",
  );
}
