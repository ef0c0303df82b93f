import { GraphQLError } from "graphql/index.js";
import { isAddress } from "viem";
import { MAX_UINT256 } from "../lib/aave/accountData.js";
import type { OraclePrice } from "../lib/aave/oracle.js";
import { getUserAccountData, stableDebtBalance } from "../lib/aave/userAccountData.js";
import { BridgeError } from "../lib/errors.js";
import {
  type AlertConfig,
  atLeast,
  type BackingRow,
  bridgedCollateral,
  bridgeFailure,
  comparePositionKeys,
  evaluateAlerts,
  InvalidRiskParameterError,
  InvalidRiskSnapshotError,
  isLiquidatable,
  liquidationCurve,
  liquidationPrice,
  PRICED,
  type PriceStatus,
  positionSortKey,
  priceShockCascade,
  type RiskAnalysis,
  type RiskBook,
  type RiskProtocol,
  resolveAsset,
  resolveBridge,
  resolveProtocol,
  type Severity,
  STATUS_NAMES,
  type StandardScenarioResult,
  tokensToFloat,
  UnknownRiskEntityError,
} from "../lib/risk/index.js";
import type { RiskLimits } from "./limits.js";

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

function userInput<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    throw asGraphQLError(error);
  }
}

const RAY = 10n ** 27n;
/** Aave's rayMul: round half up. */
const rayMul = (a: bigint, b: bigint) => (a * b + RAY / 2n) / RAY;

const protocolOf = (book: RiskBook, p: number) => book.protocols[p]!;
const bridgeOf = (book: RiskBook, b: number) => book.bridges[b]!;
const assetOf = (book: RiskBook, a: number) => book.assets[a]!;
const finiteOrNull = (x: number) => (Number.isFinite(x) ? x : null);

type CursorKey = { healthFactor: number; protocol: number; user: string };

/** Cursor health factor: a number, null for no debt (infinite), "unknown" for stale/unpriced. */
function encodeCursor(book: RiskBook, i: number, hf: number): string {
  const json = JSON.stringify([
    Number.isNaN(hf) ? "unknown" : Number.isFinite(hf) ? hf : null,
    book.protocols[book.positionProtocol[i]!]!.id,
    book.positionUser[i]!,
  ]);
  return Buffer.from(json, "utf8").toString("base64url");
}

function decodeCursor(book: RiskBook, cursor: string): CursorKey {
  try {
    const [hf, protocolId, user] = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown[];
    const protocol = book.protocolIndex.get(String(protocolId).toLowerCase());
    if (
      (hf !== null && hf !== "unknown" && typeof hf !== "number") ||
      typeof user !== "string" ||
      protocol === undefined
    )
      throw 0;
    const healthFactor =
      hf === null ? Number.POSITIVE_INFINITY : hf === "unknown" ? Number.NEGATIVE_INFINITY : (hf as number);
    return { healthFactor, protocol, user };
  } catch {
    throw badInput(`after: "${cursor}" is not a cursor returned by positions`, { argument: "after" });
  }
}

type PositionRef = { a: RiskAnalysis; i: number };
type BackingRef = { a: RiskAnalysis; row: BackingRow };

function positionReserves({ a, i }: PositionRef) {
  const { book, snapshot } = a;
  const out = [];
  for (let e = book.positionStart[i]!; e < book.positionStart[i + 1]!; e++) {
    const [pi, posIdx, k] = [
      book.entrySource[3 * e]!,
      book.entrySource[3 * e + 1]!,
      book.entrySource[3 * e + 2]!,
    ];
    const protocol = snapshot.protocols[pi]!;
    const pr = protocol.positions[posIdx]!.reserves[k]!;
    const reserve = protocol.reserves.find((r) => r.asset.toLowerCase() === pr.asset.toLowerCase())!;
    const r = book.entryReserve[e]!;
    const m = book.reserveMarket[r]!;
    const b = book.marketBridge[m]!;
    const stable = pr.stableDebt ? stableDebtBalance(pr.stableDebt, BigInt(protocolTime(a, pi))) : 0n;
    out.push({
      asset: reserve.asset,
      symbol: reserve.symbol,
      bridge: b >= 0 ? bridgeOf(book, b) : null,
      collateral: rayMul(pr.scaledCollateral, reserve.liquidityIndex).toString(),
      debt: (rayMul(pr.scaledDebt, reserve.variableBorrowIndex) + stable).toString(),
      stableDebt: stable.toString(),
      priceStatus: statusEnum(reserve.priceStatus ?? "priced"),
      collateralUsd: book.entryCollateral[e]! * book.marketPriceUsd[m]!,
      debtUsd: book.entryDebt[e]! * book.marketPriceUsd[m]!,
      usedAsCollateral: pr.usedAsCollateral,
    });
  }
  return out;
}

const SEVERITY_ENUM: Record<Severity, string> = { info: "INFO", warning: "WARNING", critical: "CRITICAL" };
const statusEnum = (status: PriceStatus) => status.toUpperCase();
const STATUS_BY_ENUM = new Map(STATUS_NAMES.map((name, code) => [name.toUpperCase(), code]));

function protocolTime(a: RiskAnalysis, pi: number): number {
  const p = a.snapshot.protocols[pi]!;
  return p.timestamp ?? a.snapshot.asOf.blockTimestamps.find((b) => b.chainId === p.chainId)?.timestamp ?? 0;
}

function oracleOf(
  answer: bigint | null | undefined,
  status: PriceStatus,
  reason: string | null | undefined,
  label: string,
): OraclePrice {
  if (status === "unpriced" || answer == null)
    return { status: "unpriced", reason: reason ?? `${label}: no price` };
  if (status === "stale") return { status: "stale", price: answer, reason: reason ?? `${label}: stale` };
  return { status: "priced", price: answer };
}

/**
 * The Pool's exact account data for one position (lib/aave, Aave v3.0 rules), from the snapshot's bigint
 * state. Null when any reserve of the position lacks an exact oracle answer (synthetic snapshots) or when
 * the position is unpriced.
 */
function exactAccountData({ a, i }: PositionRef) {
  const pi = a.book.positionProtocol[i]!;
  const protocol: RiskProtocol = a.snapshot.protocols[pi]!;
  const first = a.book.positionStart[i]!;
  if (first === a.book.positionStart[i + 1]!) return null;
  const position = protocol.positions[a.book.entrySource[3 * first + 1]!]!;
  const byAsset = new Map(protocol.reserves.map((r) => [r.asset.toLowerCase(), r]));
  const reserves = [];
  for (const pr of position.reserves) {
    const r = byAsset.get(pr.asset.toLowerCase())!;
    if (r.oracleAnswer === undefined) return null;
    reserves.push({
      symbol: r.symbol,
      decimals: r.decimals,
      ltv: BigInt(r.ltv),
      liquidationThreshold: BigInt(r.liquidationThreshold),
      eModeCategory: r.eModeCategory ?? 0,
      price: oracleOf(r.oracleAnswer, r.priceStatus ?? "priced", r.priceReason, r.symbol),
      scaledATokenBalance: pr.scaledCollateral,
      scaledVariableDebt: pr.scaledDebt,
      stableDebt: pr.stableDebt ?? null,
      usedAsCollateral: pr.usedAsCollateral,
      normalizedIncome: r.liquidityIndex,
      normalizedDebt: r.variableBorrowIndex,
    });
  }
  const category = position.eModeCategory
    ? protocol.eModeCategories?.find((c) => c.id === position.eModeCategory)
    : undefined;
  const result = getUserAccountData({
    reserves,
    eMode: category
      ? {
          id: category.id,
          ltv: BigInt(category.ltv),
          liquidationThreshold: BigInt(category.liquidationThreshold),
          priceSource: category.hasPriceSource
            ? oracleOf(
                category.oracleAnswer,
                category.priceStatus,
                category.priceReason,
                `eMode ${category.id}`,
              )
            : null,
        }
      : null,
    timestamp: BigInt(protocolTime(a, pi)),
  });
  if (result.data === null) return null;
  return {
    totalCollateralBase: result.data.totalCollateralBase.toString(),
    totalDebtBase: result.data.totalDebtBase.toString(),
    availableBorrowsBase: result.data.availableBorrowsBase.toString(),
    currentLiquidationThreshold: result.data.currentLiquidationThreshold.toString(),
    ltv: result.data.ltv.toString(),
    healthFactor: result.healthFactor === null ? null : result.healthFactor.toString(),
  };
}

/** A user argument must be a 0x address: a typo must not read as "no position". */
function parseUser(user: string): string {
  if (!isAddress(user, { strict: false })) {
    throw badInput(`user: "${user}" is not a 0x-prefixed 20-byte address`, { argument: "user", value: user });
  }
  return user.toLowerCase();
}

/**
 * Resolver map of {@link riskTypeDefs}. Every argument is validated here or by the engine, and every
 * caller mistake comes back as a GraphQLError with `extensions.code = "BAD_USER_INPUT"` naming the
 * argument.
 *
 * @example
 * const schema = createSchema({ typeDefs: riskTypeDefs, resolvers: createRiskResolvers(options) });
 */
export function createRiskResolvers(options: RiskResolverOptions) {
  const { limits } = options;
  return {
    Query: {
      async bridgeBacking(
        _: unknown,
        args: { bridge: string; asset: string },
        ctx: RiskContext,
      ): Promise<BackingRef> {
        const { analysis: a } = await ctx.risk();
        return userInput(() => {
          const b = bridgeOf(a.book, resolveBridge(a.book, args.bridge));
          const asset = assetOf(a.book, resolveAsset(a.book, args.asset));
          const row = a.backing.find((r) => r.bridgeId === b.id && r.assetId === asset.id);
          if (!row) {
            throw badInput(`bridge ${b.name} does not carry ${asset.symbol}`, { argument: "asset" });
          }
          return { a, row };
        });
      },

      async positions(
        _: unknown,
        args: {
          protocol?: string | null;
          chainId?: number | null;
          status?: string | null;
          minHealthFactor?: number | null;
          maxHealthFactor?: number | null;
          first?: number | null;
          after?: string | null;
        },
        ctx: RiskContext,
      ) {
        const first = args.first ?? limits.defaultPageSize;
        if (first < 1 || first > limits.maxPageSize) {
          throw badInput(`first must be between 1 and ${limits.maxPageSize}, got ${first}`, {
            argument: "first",
            max: limits.maxPageSize,
          });
        }
        const min = args.minHealthFactor ?? 0;
        const max = args.maxHealthFactor ?? Number.POSITIVE_INFINITY;
        if (min < 0 || max < 0)
          throw badInput("health factor bounds must be non-negative", { argument: "minHealthFactor" });
        if (min > max) {
          throw badInput(`minHealthFactor (${min}) is above maxHealthFactor (${max})`, {
            argument: "minHealthFactor",
          });
        }
        const { analysis: a } = await ctx.risk();
        const { book, health, order } = a;
        const protocol = args.protocol == null ? -1 : userInput(() => resolveProtocol(book, args.protocol!));
        const chainId = args.chainId ?? null;
        const status = args.status == null ? -1 : STATUS_BY_ENUM.get(args.status)!;
        const bounded = args.minHealthFactor != null || args.maxHealthFactor != null;
        const hf = health.healthFactor;
        const matches = (i: number) => {
          const p = book.positionProtocol[i]!;
          if (protocol >= 0 && p !== protocol) return false;
          if (chainId !== null && book.protocols[p]!.chainId !== chainId) return false;
          if (status >= 0 && book.positionStatus[i] !== status) return false;
          const h = hf[i]!;
          // Unknown health factors match only an unbounded query: they are in no range.
          if (Number.isNaN(h)) return !bounded;
          return h >= min && h <= max;
        };
        let start = 0;
        if (args.after != null) {
          const key = decodeCursor(book, args.after);
          let lo = 0;
          let hi = order.length;
          while (lo < hi) {
            const mid = (lo + hi) >>> 1;
            const i = order[mid]!;
            const k = {
              healthFactor: positionSortKey(hf[i]!),
              protocol: book.positionProtocol[i]!,
              user: book.positionUser[i]!,
            };
            if (comparePositionKeys(k, key) <= 0) lo = mid + 1;
            else hi = mid;
          }
          start = lo;
        }
        let totalCount = 0;
        for (let k = 0; k < order.length; k++) if (matches(order[k]!)) totalCount++;
        const edges: { cursor: string; node: PositionRef }[] = [];
        let hasNextPage = false;
        for (let k = start; k < order.length; k++) {
          const i = order[k]!;
          if (!matches(i)) continue;
          if (edges.length === first) {
            hasNextPage = true;
            break;
          }
          edges.push({ cursor: encodeCursor(book, i, hf[i]!), node: { a, i } });
        }
        return {
          edges,
          totalCount,
          pageInfo: { hasNextPage, endCursor: edges.at(-1)?.cursor ?? null },
        };
      },

      async position(_: unknown, args: { protocol: string; user: string }, ctx: RiskContext) {
        const user = parseUser(args.user);
        const { analysis: a } = await ctx.risk();
        const p = userInput(() => resolveProtocol(a.book, args.protocol));
        for (let i = 0; i < a.book.positionCount; i++) {
          if (a.book.positionProtocol[i] === p && a.book.positionUser[i]!.toLowerCase() === user) {
            return { a, i } satisfies PositionRef;
          }
        }
        return null;
      },

      async reserves(_: unknown, args: { protocol: string }, ctx: RiskContext) {
        const { analysis: a } = await ctx.risk();
        const { book, snapshot } = a;
        const p = userInput(() => resolveProtocol(book, args.protocol));
        const protocol = snapshot.protocols[p]!;
        const unit = Number(protocol.baseCurrencyUnit ?? 100_000_000n);
        const out = [];
        for (let r = 0; r < book.reserveCount; r++) {
          if (book.reserveProtocol[r] !== p) continue;
          const reserve = protocol.reserves.find(
            (x) => x.asset.toLowerCase() === book.marketToken[book.reserveMarket[r]!]!.toLowerCase(),
          )!;
          const status = STATUS_NAMES[book.reserveStatus[r]!]!;
          const b = book.marketBridge[book.reserveMarket[r]!]!;
          out.push({
            protocol: protocolOf(book, p),
            asset: reserve.asset,
            symbol: reserve.symbol,
            decimals: reserve.decimals,
            bridge: b >= 0 ? bridgeOf(book, b) : null,
            ltv: reserve.ltv,
            liquidationThreshold: reserve.liquidationThreshold,
            liquidationBonus: reserve.liquidationBonus,
            eModeCategory: reserve.eModeCategory ?? 0,
            oracleAnswer: reserve.oracleAnswer == null ? null : reserve.oracleAnswer.toString(),
            priceUsd:
              status === "unpriced"
                ? null
                : reserve.oracleAnswer == null
                  ? reserve.priceUsd
                  : Number(reserve.oracleAnswer) / unit,
            priceStatus: statusEnum(status),
            priceReason: book.reservePriceReason[r] ?? null,
            problems: book.reserveProblems[r]!,
          });
        }
        return out;
      },

      async exposure(_: unknown, args: { protocol: string }, ctx: RiskContext) {
        const { analysis: a } = await ctx.risk();
        const p = userInput(() => resolveProtocol(a.book, args.protocol));
        const x = a.exposure.protocols[p]!;
        return {
          protocol: protocolOf(a.book, p),
          totalCollateralUsd: x.totalCollateralUsd,
          totalBorrowingPowerUsd: x.totalBorrowingPowerUsd,
          hhi: x.hhi,
          positionsSkipped: x.positionsSkipped,
          bridges: x.bridges.map((e) => ({ ...e, bridge: bridgeOf(a.book, e.bridge) })),
        };
      },

      async stressTest(
        _: unknown,
        args: {
          scenario: {
            bridgeFailure?: { bridge: string; recovery: number } | null;
            priceShock?: { asset?: string | null; shock: number; maxRounds?: number | null } | null;
          };
        },
        ctx: RiskContext,
      ) {
        const { bridgeFailure: bf, priceShock: ps } = args.scenario;
        if ((bf == null) === (ps == null)) {
          throw badInput(
            bf == null
              ? "scenario needs one member: bridgeFailure or priceShock"
              : "scenario must set exactly one of bridgeFailure and priceShock, not both",
            { argument: "scenario" },
          );
        }
        const { analysis: a } = await ctx.risk();
        const { book } = a;
        if (bf) {
          const r = userInput(() => bridgeFailure(book, bf, a.health));
          return {
            __typename: "BridgeFailureResult",
            ...r,
            bridge: bridgeOf(book, r.bridge),
            protocols: r.protocols.map((p, i) => ({ ...p, protocol: protocolOf(book, i) })),
          };
        }
        const r = userInput(() =>
          priceShockCascade(book, {
            asset: ps!.asset,
            shock: ps!.shock,
            maxRounds: ps!.maxRounds ?? undefined,
          }),
        );
        const finalPrices = [];
        for (let m = 0; m < book.marketCount; m++) {
          if (r.finalPrices[m] === r.oraclePrices[m]) continue;
          const assetIdx = book.marketAsset[m]!;
          finalPrices.push({
            chainId: book.marketChainId[m]!,
            token: book.marketToken[m]!,
            symbol: book.marketSymbol[m]!,
            asset: assetIdx >= 0 ? assetOf(book, assetIdx) : null,
            oraclePriceUsd: r.oraclePrices[m]!,
            finalPriceUsd: r.finalPrices[m]!,
          });
        }
        return {
          __typename: "PriceShockResult",
          ...r,
          asset: r.asset === null ? null : assetOf(book, r.asset),
          finalPrices,
          protocols: r.protocols.map((p, i) => ({ ...p, protocol: protocolOf(book, i) })),
        };
      },

      async liquidationCurve(_: unknown, args: { asset?: string | null; steps: number }, ctx: RiskContext) {
        const { analysis: a } = await ctx.risk();
        return userInput(() => liquidationCurve(a.book, { asset: args.asset, steps: args.steps }));
      },

      async alerts(_: unknown, args: { minSeverity: string }, ctx: RiskContext) {
        const state = await ctx.risk();
        const min = args.minSeverity.toLowerCase() as Severity;
        return evaluateAlerts(state.analysis, {
          config: options.alertConfig,
          now: options.now(),
          scenarios: state.scenarios(),
        })
          .filter((alert) => atLeast(alert.severity, min))
          .map((alert) => ({
            ...alert,
            kind: alert.kind.toUpperCase(),
            severity: SEVERITY_ENUM[alert.severity],
          }));
      },
    },

    StressTestResult: {
      __resolveType: (r: { __typename: string }) => r.__typename,
    },

    BridgeBacking: {
      bridge: ({ a, row }: BackingRef) => bridgeOf(a.book, resolveBridge(a.book, row.bridgeId)),
      asset: ({ a, row }: BackingRef) => assetOf(a.book, resolveAsset(a.book, row.assetId)),
      locked: ({ row }: BackingRef) => row.locked.toString(),
      lockedUsd: ({ row }: BackingRef) => tokensToFloat(row.locked, row.decimals) * row.priceUsd,
      remoteSupply: ({ row }: BackingRef) => row.remoteSupply.toString(),
      inFlight: ({ row }: BackingRef) => row.inFlight.toString(),
      supply: ({ row }: BackingRef) => row.supply.toString(),
      supplyUsd: ({ row }: BackingRef) => tokensToFloat(row.supply, row.decimals) * row.priceUsd,
      backingRatio: ({ row }: BackingRef) => row.backingRatio,
      shortfall: ({ row }: BackingRef) => row.shortfall.toString(),
      shortfallUsd: ({ row }: BackingRef) => row.shortfallUsd,
      remote: ({ row }: BackingRef) =>
        row.remote.map((r) => ({
          chainId: r.chainId,
          wrappedToken: r.wrappedToken,
          supply: r.supply.toString(),
          supplyUsd: tokensToFloat(r.supply, row.decimals) * row.priceUsd,
        })),
      dependents: ({ a, row }: BackingRef) => dependentsOf(a, row.bridgeId, row.assetId),
    },

    Position: {
      protocol: ({ a, i }: PositionRef) => protocolOf(a.book, a.book.positionProtocol[i]!),
      user: ({ a, i }: PositionRef) => a.book.positionUser[i],
      // The Pool's own health factor when the snapshot has exact prices: the float engine weights LT
      // exactly, while the Pool floors the average LT to a basis point (up to ~1e-4 relative apart).
      healthFactor: (ref: PositionRef) => {
        if (ref.a.book.positionStatus[ref.i] !== PRICED) return null;
        const exact = exactAccountData(ref);
        if (exact?.healthFactor != null) {
          const hf = BigInt(exact.healthFactor);
          return hf === MAX_UINT256 ? null : Number(hf) / 1e18;
        }
        return finiteOrNull(ref.a.health.healthFactor[ref.i]!);
      },
      status: ({ a, i }: PositionRef) => statusEnum(STATUS_NAMES[a.book.positionStatus[i]!]!),
      statusReason: ({ a, i }: PositionRef) =>
        a.book.positionStatus[i] === PRICED ? null : (a.book.positionReason[i] ?? null),
      eModeCategory: ({ a, i }: PositionRef) => {
        const first = a.book.positionStart[i]!;
        const pi = a.book.positionProtocol[i]!;
        const posIdx = a.book.entrySource[3 * first + 1];
        if (first === a.book.positionStart[i + 1] || posIdx === undefined) return 0;
        return a.snapshot.protocols[pi]!.positions[posIdx]!.eModeCategory ?? 0;
      },
      accountData: exactAccountData,
      liquidatable: ({ a, i }: PositionRef) => isLiquidatable(a.health.healthFactor[i]!),
      collateralUsd: ({ a, i }: PositionRef) => a.health.collateralUsd[i],
      debtUsd: ({ a, i }: PositionRef) => a.health.debtUsd[i],
      bridgedCollateralUsd: ({ a, i }: PositionRef) =>
        bridgedCollateral(a.book, a.health, i).reduce((s, b) => s + b.collateralUsd, 0),
      bridgedShare: ({ a, i }: PositionRef) =>
        bridgedCollateral(a.book, a.health, i).reduce((s, b) => s + b.share, 0),
      bridges: ({ a, i }: PositionRef) =>
        bridgedCollateral(a.book, a.health, i).map((b) => ({ ...b, bridge: bridgeOf(a.book, b.bridge) })),
      liquidationPrice: ({ a, i }: PositionRef) => liquidationPrice(a.book, a.health, i),
      reserves: positionReserves,
    },
  };
}

// One pass over every position entry (O(entries), ~9 ms at 100k positions): computed once per analysis
// and (bridge, asset), not per request, or `bridgeBacking { dependents }` caps the API near 100 req/s.
const dependentsCache = new WeakMap<RiskAnalysis, Map<string, BridgeDependentRow[]>>();
type BridgeDependentRow = { protocol: ReturnType<typeof protocolOf>; collateralUsd: number; share: number };

function dependentsOf(a: RiskAnalysis, bridgeId: string, assetId: string): BridgeDependentRow[] {
  let perAnalysis = dependentsCache.get(a);
  if (!perAnalysis) {
    perAnalysis = new Map();
    dependentsCache.set(a, perAnalysis);
  }
  const key = `${bridgeId}\u0000${assetId}`;
  const cached = perAnalysis.get(key);
  if (cached) return cached;
  const b = resolveBridge(a.book, bridgeId);
  const asset = resolveAsset(a.book, assetId);
  // Exposure is per bridge; narrow it to this asset's wrapped markets.
  const byProtocol = new Map<number, number>();
  for (let i = 0; i < a.book.positionCount; i++) {
    for (let e = a.book.positionStart[i]!; e < a.book.positionStart[i + 1]!; e++) {
      const coll = a.book.entryCollateral[e]!;
      if (coll === 0) continue;
      const m = a.book.reserveMarket[a.book.entryReserve[e]!]!;
      if (a.book.marketBridge[m] !== b || a.book.marketAsset[m] !== asset) continue;
      const p = a.book.positionProtocol[i]!;
      byProtocol.set(p, (byProtocol.get(p) ?? 0) + coll * a.book.marketPriceUsd[m]!);
    }
  }
  const rows = [...byProtocol.entries()]
    .sort((x, y) => y[1] - x[1])
    .map(([p, collateralUsd]) => {
      const tc = a.exposure.protocols[p]!.totalCollateralUsd;
      return { protocol: protocolOf(a.book, p), collateralUsd, share: tc > 0 ? collateralUsd / tc : 0 };
    });
  perAnalysis.set(key, rows);
  return rows;
}
