import { MAX_UINT256 } from "../../../aave/accountData.js";
import { stableDebtBalance } from "../../../aave/userAccountData.js";
import {
  bridgedCollateral,
  comparePositionKeys,
  isLiquidatable,
  liquidationPrice,
  morphoExactPosition,
  PRICED,
  positionKey,
  positionOf,
  positionSortKey,
  type RiskBook,
  reserveKey,
  resolveProtocol,
  STATUS_NAMES,
} from "../../index.js";
import type { RiskLimits } from "../limits.js";
import { exactAccountData, protocolTime } from "./accountData.js";
import { badInput, parseUser, userInput } from "./inputs.js";
import { kindEnum, morphoEntryAmounts, morphoPositionField, parseMarket } from "./morpho.js";
import {
  bridgeOf,
  finiteOrNull,
  type PositionRef,
  protocolOf,
  type RiskContext,
  STATUS_BY_ENUM,
  statusEnum,
} from "./shared.js";

const RAY = 10n ** 27n;
/** Aave's rayMul: round half up. */
const rayMul = (a: bigint, b: bigint) => (a * b + RAY / 2n) / RAY;

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

function positionReserves({ a, i }: PositionRef) {
  const { book, snapshot } = a;
  const out = [];
  for (let e = book.positionStart[i]!; e < book.positionStart[i + 1]!; e++) {
    const pi = book.positionProtocol[i]!;
    const protocol = snapshot.protocols[pi]!;
    const pr = positionOf(book, i).reserves[e - book.positionStart[i]!]!;
    const key = reserveKey(pr.asset, pr.market);
    const reserve = protocol.reserves.find((r) => reserveKey(r.asset, r.market) === key)!;
    const r = book.entryReserve[e]!;
    const m = book.reserveMarket[r]!;
    const b = book.marketBridge[m]!;
    const stable = pr.stableDebt ? stableDebtBalance(pr.stableDebt, BigInt(protocolTime(a, pi))) : 0n;
    const morpho = pr.market === undefined ? undefined : morphoEntryAmounts({ a, i }, pr);
    out.push({
      asset: reserve.asset,
      symbol: reserve.symbol,
      bridge: b >= 0 ? bridgeOf(book, b) : null,
      collateral: (morpho?.collateral ?? rayMul(pr.scaledCollateral, reserve.liquidityIndex)).toString(),
      debt: (morpho?.debt ?? rayMul(pr.scaledDebt, reserve.variableBorrowIndex) + stable).toString(),
      stableDebt: stable.toString(),
      priceStatus: statusEnum(reserve.priceStatus ?? "priced"),
      collateralUsd: book.entryCollateral[e]! * book.marketPriceUsd[m]!,
      debtUsd: book.entryDebt[e]! * book.marketPriceUsd[m]!,
      usedAsCollateral: pr.usedAsCollateral,
    });
  }
  return out;
}

/** Query fields over positions: a filtered, health-ordered page and one position by user. */
export function positionQueries(limits: RiskLimits) {
  return {
    async positions(
      _: unknown,
      args: {
        protocol?: string | null;
        chainId?: number | null;
        status?: string | null;
        minHealthFactor?: number | null;
        maxHealthFactor?: number | null;
        market?: string | null;
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
      if (args.market != null && protocol < 0) {
        throw badInput("market: give the Morpho Blue protocol it belongs to (protocol)", {
          argument: "market",
        });
      }
      const market = args.market == null ? null : parseMarket(book, protocol, args.market);
      const chainId = args.chainId ?? null;
      const status = args.status == null ? -1 : STATUS_BY_ENUM.get(args.status)!;
      const bounded = args.minHealthFactor != null || args.maxHealthFactor != null;
      const hf = health.healthFactor;
      const matches = (i: number) => {
        const p = book.positionProtocol[i]!;
        if (protocol >= 0 && p !== protocol) return false;
        if (chainId !== null && book.protocols[p]!.chainId !== chainId) return false;
        if (status >= 0 && book.positionStatus[i] !== status) return false;
        if (market !== null && positionOf(book, i).market !== market) return false;
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

    async position(
      _: unknown,
      args: { protocol: string; user: string; market?: string | null },
      ctx: RiskContext,
    ) {
      const user = parseUser(args.user);
      const { analysis: a } = await ctx.risk();
      const p = userInput(() => resolveProtocol(a.book, args.protocol));
      const market = args.market == null ? undefined : parseMarket(a.book, p, args.market);
      if (market === undefined && a.book.protocols[p]!.kind === "morpho-blue") {
        throw badInput(
          `market: ${a.book.protocols[p]!.name} is a Morpho Blue instance; a position there is (user, market): give market`,
          { argument: "market" },
        );
      }
      const key = positionKey(user, market);
      for (let i = 0; i < a.book.positionCount; i++) {
        if (a.book.positionProtocol[i] === p && a.book.positionUser[i]!.toLowerCase() === key) {
          return { a, i } satisfies PositionRef;
        }
      }
      return null;
    },
  };
}

/** Field resolvers of the Position type. */
export const positionFields = {
  protocol: ({ a, i }: PositionRef) => protocolOf(a.book, a.book.positionProtocol[i]!),
  protocolKind: ({ a, i }: PositionRef) => kindEnum(a.book.protocols[a.book.positionProtocol[i]!]!.kind),
  user: ({ a, i }: PositionRef) => positionOf(a.book, i).user,
  morpho: morphoPositionField,
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
  // A position without entries reports no category, as this field always did.
  eModeCategory: ({ a, i }: PositionRef) =>
    a.book.positionStart[i] === a.book.positionStart[i + 1] ? 0 : a.book.positionEMode[i]!,
  accountData: exactAccountData,
  // Morpho: Morpho's own rule on exact bigints (the analysis' health factor agrees by construction).
  liquidatable: ({ a, i }: PositionRef) => {
    const morpho = morphoExactPosition(a.book, i);
    if (!morpho) return isLiquidatable(a.health.healthFactor[i]!);
    return a.book.positionStatus[i] === PRICED && morpho.health !== null && !morpho.health.healthy;
  },
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
};
