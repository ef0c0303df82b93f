import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { IndexedPositions } from "../../lib/risk/api/provider/indexedPositions.js";
import type { IndexerRows } from "../../lib/risk/api/provider/indexerRows.js";
import {
  analyzeRisk,
  type RiskAnalysis,
  type RiskPosition,
  type RiskSnapshot,
  updateRisk,
} from "../../lib/risk/index.js";
import { RAY } from "./fixtures.js";

/*
 * The incremental path (one mechanism: unchanged positions stay the same objects, and the engine reuses
 * their conversions) must give exactly what a full recompute gives, for any edit between two snapshots.
 */

const RESERVES = 3;
const entryArb = fc.record({
  collateral: fc.bigInt({ min: 0n, max: 10n ** 24n }),
  debt: fc.bigInt({ min: 0n, max: 10n ** 23n }),
  enabled: fc.boolean(),
  stable: fc.option(fc.bigInt({ min: 1n, max: 10n ** 21n }), { nil: null }),
});
const positionArb = fc.record({
  entries: fc.array(entryArb, { minLength: RESERVES, maxLength: RESERVES }),
  eMode: fc.constantFrom(0, 1),
});
const marketArb = fc.record({
  prices: fc.array(fc.double({ min: 0.01, max: 5_000, noNaN: true }), {
    minLength: RESERVES,
    maxLength: RESERVES,
  }),
  indexBps: fc.array(fc.integer({ min: 10_000, max: 13_000 }), { minLength: RESERVES, maxLength: RESERVES }),
  status: fc.constantFrom("priced" as const, "stale" as const, "unpriced" as const),
  timestamp: fc.integer({ min: 1_700_000_000, max: 1_800_000_000 }),
  // Whether reserve 0 is the bridge's wrapped token (a reserve's bridge can change between snapshots).
  bridged: fc.boolean(),
});

type Market = {
  prices: number[];
  indexBps: number[];
  status: "priced" | "stale" | "unpriced";
  timestamp: number;
  bridged?: boolean;
};

type PositionInput = {
  entries: { collateral: bigint; debt: bigint; enabled: boolean; stable: bigint | null }[];
  eMode: number;
};

function position(user: string, p: PositionInput): RiskPosition {
  return {
    user,
    eModeCategory: p.eMode,
    reserves: p.entries.map((e, r) => ({
      asset: `0xr${r}`,
      scaledCollateral: e.collateral,
      scaledDebt: e.debt,
      usedAsCollateral: e.enabled,
      stableDebt:
        e.stable === null
          ? null
          : { principal: e.stable, rate: RAY / 20n, lastUpdateTimestamp: 1_690_000_000n },
    })),
  };
}

function snapshot(market: Market, positions: RiskPosition[][]): RiskSnapshot {
  return {
    asOf: { blockTimestamps: [{ chainId: 10, timestamp: market.timestamp }], sources: [] },
    assets: [{ id: "0xa0", symbol: "A0", decimals: 18, chainId: 10, priceUsd: 1, priceUpdatedAt: 0 }],
    bridges: [{ id: "0xb0", name: "b0", assets: [] }],
    protocols: positions.map((list, pi) => ({
      id: `p${pi}`,
      name: `p${pi}`,
      chainId: 10,
      timestamp: market.timestamp,
      eModeCategories: [
        {
          id: 1,
          ltv: 9000,
          liquidationThreshold: 9300,
          liquidationBonus: 10100,
          hasPriceSource: false,
          oracleAnswer: null,
          priceStatus: "priced",
          priceReason: null,
        },
      ],
      reserves: market.prices.map((price, r) => ({
        asset: `0xr${r}`,
        symbol: `R${r}`,
        underlyingAsset: r === 0 ? "0xa0" : null,
        bridge: r === 0 && market.bridged !== false ? "0xb0" : null,
        priceUsd: price,
        decimals: 18,
        ltv: 7500,
        liquidationThreshold: 8000 + 100 * r,
        liquidationBonus: 10500,
        liquidityIndex: (RAY * BigInt(market.indexBps[r]!)) / 10_000n,
        variableBorrowIndex: (RAY * BigInt(market.indexBps[r]! + 100)) / 10_000n,
        poolLiquidity: null,
        priceStatus: r === 1 ? market.status : "priced",
        priceReason: r === 1 && market.status !== "priced" ? "R1 feed" : null,
        eModeCategory: r === 2 ? 1 : 0,
      })),
      positions: list,
    })),
  };
}

/** Everything an analysis derives (the snapshot it was made from is compared by the caller). */
const derived = (a: RiskAnalysis) => {
  const { snapshot: _, ...book } = a.book;
  return {
    book,
    health: a.health,
    backing: a.backing,
    exposure: a.exposure,
    protocols: a.protocols,
    order: a.order,
  };
};

const editArb = fc.record({
  protocol: fc.nat(),
  kind: fc.constantFrom("update", "remove", "add"),
  at: fc.nat(),
  position: positionArb,
});

describe("incremental risk analysis", () => {
  it("equals a full recompute after any edit of positions, prices, indexes, status or time", () => {
    fc.assert(
      fc.property(
        marketArb,
        marketArb,
        fc.array(fc.array(positionArb, { minLength: 0, maxLength: 8 }), { minLength: 1, maxLength: 2 }),
        fc.array(editArb, { maxLength: 6 }),
        fc.boolean(),
        (market, nextMarketArb, lists, edits, samePrices) => {
          const before = lists.map((list, pi) => list.map((p, k) => position(`0xu${pi}-${k}`, p)));
          const after = before.map((list) => [...list]);
          let fresh = 0;
          for (const edit of edits) {
            const list = after[edit.protocol % after.length]!;
            const at = list.length === 0 ? 0 : edit.at % list.length;
            if (edit.kind === "add" || list.length === 0)
              list.push(position(`0xnew${fresh++}`, edit.position));
            else if (edit.kind === "update") list[at] = position(list[at]!.user, edit.position);
            else list.splice(at, 1);
          }
          const nextMarket = samePrices ? market : nextMarketArb;
          const first = analyzeRisk(snapshot(market, before));
          const next = snapshot(nextMarket, after);
          expect(derived(analyzeRisk(next, first))).toEqual(derived(analyzeRisk(next)));
        },
      ),
      { numRuns: 200 },
    );
  });
  it("stays equal to a full recompute along a chain of blocks, each analysed from the previous incremental one", () => {
    // Each block edits positions the ways the indexer's provider does (same user updated in place, a new
    // user appended, a user removed by moving the last one into its place) and/or moves prices, indexes,
    // status and time; blocks with no price move exercise the shared-structure and merge paths.
    const blockArb = fc.record({
      edits: fc.array(
        fc.record({
          protocol: fc.nat(),
          kind: fc.constantFrom("update", "add", "swapRemove", "splice"),
          at: fc.nat(),
          position: positionArb,
        }),
        { maxLength: 4 },
      ),
      market: fc.option(marketArb, { nil: null }),
    });
    fc.assert(
      fc.property(
        marketArb,
        fc.array(fc.array(positionArb, { maxLength: 10 }), { minLength: 1, maxLength: 3 }),
        fc.array(blockArb, { minLength: 1, maxLength: 6 }),
        (firstMarket, lists, blocks) => {
          let market = firstMarket;
          let fresh = 0;
          let current = lists.map((list, pi) => list.map((p, k) => position(`0xu${pi}-${k}`, p)));
          let analysis = analyzeRisk(snapshot(market, current));
          for (const block of blocks) {
            current = current.map((list) => [...list]);
            for (const edit of block.edits) {
              const list = current[edit.protocol % current.length]!;
              const at = list.length === 0 ? 0 : edit.at % list.length;
              if (edit.kind === "add" || list.length === 0) {
                list.push(position(`0x${(fresh++).toString(16).padStart(4, "0")}new`, edit.position));
              } else if (edit.kind === "update") list[at] = position(list[at]!.user, edit.position);
              else if (edit.kind === "splice") list.splice(at, 1);
              else {
                const last = list.pop()!;
                if (at < list.length) list[at] = last;
              }
            }
            market = block.market ?? market;
            const next = snapshot(market, current);
            const incremental = analyzeRisk(next, analysis);
            expect(derived(incremental)).toEqual(derived(analyzeRisk(next)));
            analysis = incremental;
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});

/** A deterministic position from a seed: lists longer than one chunk (256) without generating each. */
function filler(seed: number): PositionInput {
  let a = seed * 2654435761;
  const next = () => {
    a = (a * 1103515245 + 12345) % 2147483648;
    return BigInt(a);
  };
  return {
    entries: Array.from({ length: RESERVES }, (_, r) => ({
      collateral: (next() * 10n ** 15n) % 10n ** 24n,
      debt: r === 1 ? (next() * 10n ** 14n) % 10n ** 23n : 0n,
      enabled: next() % 4n !== 0n,
      stable: r === 2 && next() % 5n === 0n ? (next() * 10n ** 10n) % 10n ** 21n : null,
    })),
    eMode: Number(next() % 2n),
  };
}

/**
 * `expect(derived(a)).toEqual(derived(b))`, with typed arrays compared byte for byte (stricter than
 * toEqual: the same bits) instead of element by element, which is what makes lists of thousands of
 * positions affordable in a property test.
 */
function expectSameAnalysis(a: RiskAnalysis, b: RiskAnalysis): void {
  const split = (x: unknown) => {
    const arrays: Record<string, Uint8Array> = {};
    const rest: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(x as Record<string, unknown>)) {
      if (ArrayBuffer.isView(value)) {
        arrays[key] = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
      } else rest[key] = value;
    }
    return { arrays, rest };
  };
  const x = derived(a);
  const y = derived(b);
  for (const part of ["book", "health"] as const) {
    const u = split(x[part]);
    const v = split(y[part]);
    expect(Object.keys(u.arrays).sort()).toEqual(Object.keys(v.arrays).sort());
    for (const key of Object.keys(u.arrays)) {
      expect(Buffer.compare(u.arrays[key]!, v.arrays[key]!), `${part}.${key}`).toBe(0);
    }
    expect(u.rest).toEqual(v.rest);
  }
  const ox = x.order;
  const oy = y.order;
  expect(
    Buffer.compare(
      new Uint8Array(ox.buffer, ox.byteOffset, ox.byteLength),
      new Uint8Array(oy.buffer, oy.byteOffset, oy.byteLength),
    ),
    "order",
  ).toBe(0);
  expect({ backing: x.backing, exposure: x.exposure, protocols: x.protocols }).toEqual({
    backing: y.backing,
    exposure: y.exposure,
    protocols: y.protocols,
  });
}

describe("updateRisk (in place)", () => {
  // A block edits positions (the same user's position replaced, possibly with its debt scaled so its HF
  // crosses 1, new users appended, users removed as the provider removes them) and sometimes moves
  // prices, indexes, status or time. Each block is analysed by updateRisk from the previous update.
  const editArb = fc.record({
    protocol: fc.nat(),
    kind: fc.constantFrom("update", "update", "scaleDebt", "add", "swapRemove"),
    at: fc.nat(),
    position: positionArb,
    factor: fc.constantFrom(0, 0.5, 0.9, 1.1, 2, 10),
  });
  const blockArb = fc.record({
    edits: fc.array(editArb, { maxLength: 5 }),
    market: fc.option(marketArb, { nil: null, freq: 4 }),
    // Only reserve 0's bridge changes (nothing a position's values depend on): exposure must follow.
    flipBridge: fc.boolean(),
  });
  const scaled = (p: RiskPosition, factor: number): RiskPosition => ({
    ...p,
    reserves: p.reserves.map((r) => ({
      ...r,
      scaledDebt: (r.scaledDebt * BigInt(Math.round(factor * 100))) / 100n,
    })),
  });

  it("equals a full recompute along a chain of blocks touching random positions, across chunk boundaries", () => {
    fc.assert(
      fc.property(
        marketArb,
        fc.array(fc.integer({ min: 0, max: 700 }), { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.array(blockArb, { minLength: 1, maxLength: 6 }),
        (firstMarket, sizes, seed, blocks) => {
          let market = firstMarket;
          let fresh = 0;
          let current = sizes.map((size, pi) =>
            Array.from({ length: size }, (_, k) => position(`0xu${pi}-${k}`, filler(seed + pi * 5_000 + k))),
          );
          let analysis = analyzeRisk(snapshot(market, current));
          for (const block of blocks) {
            current = current.map((list) => [...list]);
            let inPlace = true;
            for (const edit of block.edits) {
              const list = current[edit.protocol % current.length]!;
              const at = list.length === 0 ? 0 : edit.at % list.length;
              if (edit.kind === "add" || list.length === 0) {
                list.push(position(`0x${(fresh++).toString(16).padStart(4, "0")}new`, edit.position));
                inPlace = false;
              } else if (edit.kind === "update") list[at] = position(list[at]!.user, edit.position);
              else if (edit.kind === "scaleDebt") list[at] = scaled(list[at]!, edit.factor);
              else {
                const last = list.pop()!;
                if (at < list.length) list[at] = last;
                inPlace = false;
              }
            }
            market = block.market ?? market;
            if (block.flipBridge) market = { ...market, bridged: market.bridged === false };
            const next = snapshot(market, current);
            const previousHealth = analysis.health;
            const updated = updateRisk(analysis, next);
            expectSameAnalysis(updated, analyzeRisk(next));
            // Blocks that only replaced positions at their places (prices moved or not) update in place.
            if (inPlace) expect(updated.health).toBe(previousHealth);
            analysis = updated;
          }
        },
      ),
      { numRuns: 40 },
    );
  }, 120_000);

  it("refuses to update an analysis it already consumed", () => {
    const market: Market = {
      prices: [1, 1, 1],
      indexBps: [10_000, 10_000, 10_000],
      status: "priced",
      timestamp: 1_700_000_000,
    };
    const list = [position("0xu0", filler(1)), position("0xu1", filler(2))];
    const first = analyzeRisk(snapshot(market, [list]));
    const next = snapshot(market, [[list[0]!, position("0xu1", filler(3))]]);
    const second = updateRisk(first, next);
    expect(second.health).toBe(first.health);
    expect(() => updateRisk(first, next)).toThrow(/already updated/);
  });
});

type PositionRow = IndexerRows["positions"][number];

describe("IndexedPositions", () => {
  const row = (user: number, asset: number, balance: bigint, block: bigint): PositionRow => ({
    id: `p:0xu${user}:0xr${asset}`,
    protocol: "p",
    chainId: 10,
    user: `0xU${user}` as const,
    reserveId: `p:0xr${asset}`,
    asset: `0xr${asset}`,
    scaledATokenBalance: balance,
    scaledVariableDebt: balance / 2n,
    stableDebtPrincipal: 0n,
    stableBorrowRate: 0n,
    stableDebtTimestamp: 0n,
    usedAsCollateral: balance % 2n === 0n,
    updatedAtBlock: block,
  });
  const byUser = (positions: readonly RiskPosition[]) =>
    Object.fromEntries(
      positions.map((p) => [
        p.user,
        { ...p, reserves: [...p.reserves].sort((a, b) => a.asset.localeCompare(b.asset)) },
      ]),
    );

  it("kept in step with batches of row changes, holds what one read of the final rows gives", () => {
    const changeArb = fc.record({
      user: fc.integer({ min: 0, max: 6 }),
      asset: fc.integer({ min: 0, max: 2 }),
      balance: fc.bigInt({ min: 0n, max: 5n }),
      eMode: fc.option(fc.constantFrom(0, 1, 2), { nil: null }),
      removed: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(fc.array(changeArb, { maxLength: 6 }), { maxLength: 6 }), (batches) => {
        const kept = new IndexedPositions();
        const rows = new Map<string, PositionRow>();
        const users = new Map<string, IndexerRows["marketUsers"][number]>();
        let block = 0n;
        for (const batch of batches) {
          block++;
          // What one read sees: each row's state at the end of the batch (present, or gone).
          const last = new Map<string, PositionRow | null>();
          const changedUsers: IndexerRows["marketUsers"] = [];
          for (const c of batch) {
            const r = row(c.user, c.asset, c.balance, block);
            last.set(r.id, c.removed ? null : r);
            if (c.removed) rows.delete(r.id);
            else rows.set(r.id, r);
            if (c.eMode !== null) {
              const u = {
                id: `p:0xu${c.user}`,
                protocol: "p",
                chainId: 10,
                user: `0xu${c.user}` as const,
                eModeCategory: c.eMode,
                lastActivityBlock: block,
                updatedAtBlock: block,
              };
              users.set(u.id, u);
              changedUsers.push(u);
            }
          }
          const changed = [...last.values()].filter((r): r is PositionRow => r !== null);
          const removed = [...last].filter(([, r]) => r === null).map(([id]) => id);
          const before = kept.positionsOf("p");
          const snapshotOfBefore = [...before];
          kept.apply({ positions: changed, users: changedUsers, removedPositions: removed });
          // A list handed out earlier is never changed.
          expect(before).toEqual(snapshotOfBefore);
        }
        const once = new IndexedPositions();
        once.apply({ positions: [...rows.values()], users: [...users.values()] });
        expect(byUser(kept.positionsOf("p"))).toEqual(byUser(once.positionsOf("p")));
      }),
      { numRuns: 300 },
    );
  });

  it("keeps an unchanged user's position as the same object", () => {
    const kept = new IndexedPositions();
    kept.apply({ positions: [row(1, 0, 4n, 1n), row(2, 0, 4n, 1n)], users: [] });
    const [a, b] = kept.positionsOf("p");
    kept.apply({ positions: [row(1, 0, 4n, 2n), row(2, 0, 3n, 2n)], users: [] });
    const [a2, b2] = kept.positionsOf("p");
    expect(a2).toBe(a);
    expect(b2).not.toBe(b);
    expect(b2!.reserves[0]!.scaledCollateral).toBe(3n);
  });
});
