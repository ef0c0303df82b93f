import fc from "fast-check";
import type { RiskSnapshot } from "../../lib/risk/index.js";
import { RAY } from "./fixtures.js";

/** Home asset ids of generated snapshots (symbols A0, A1). */
export const ASSETS = ["0xa0", "0xa1"];
/** Bridge ids of generated snapshots (names b0, b1). */
export const BRIDGES = ["0xb0", "0xb1"];

const reserveArb = fc.record({
  lt: fc.integer({ min: 5_000, max: 9_500 }),
  lbExtra: fc.integer({ min: 0, max: 1_500 }),
  price: fc.double({ min: 0.5, max: 5_000, noNaN: true }),
  asset: fc.integer({ min: -1, max: 1 }),
  bridge: fc.integer({ min: -1, max: 1 }),
  pool: fc.option(fc.integer({ min: 1, max: 100_000 }), { nil: null }),
  indexBps: fc.integer({ min: 10_000, max: 15_000 }),
});

const positionArb = (reserves: number) =>
  fc.array(
    fc.record({
      collateral: fc.integer({ min: 0, max: 1_000 }),
      debtUsd: fc.integer({ min: 0, max: 2_000 }),
      enabled: fc.boolean(),
    }),
    { minLength: reserves, maxLength: reserves },
  );

/** Random valid snapshots: 1-2 protocols, 2-4 reserves each (6 decimals), 1-10 positions. */
export const snapshotArb: fc.Arbitrary<RiskSnapshot> = fc
  .array(
    fc.array(reserveArb, { minLength: 2, maxLength: 4 }).chain((reserves) =>
      fc.record({
        reserves: fc.constant(reserves),
        positions: fc.array(positionArb(reserves.length), { minLength: 1, maxLength: 10 }),
      }),
    ),
    { minLength: 1, maxLength: 2 },
  )
  .map((protocols) => ({
    asOf: { blockTimestamps: [], sources: [] },
    assets: ASSETS.map((id, i) => ({
      id,
      symbol: `A${i}`,
      decimals: 6,
      chainId: 1,
      priceUsd: 1,
      priceUpdatedAt: 0,
    })),
    bridges: BRIDGES.map((id, i) => ({ id, name: `b${i}`, assets: [] })),
    protocols: protocols.map((p, pi) => ({
      id: `p${pi}`,
      name: `p${pi}`,
      chainId: 10 + pi,
      reserves: p.reserves.map((r, ri) => {
        const lt = r.lt;
        const underlying = r.asset >= 0 ? ASSETS[r.asset]! : r.bridge >= 0 ? ASSETS[0]! : null;
        return {
          asset: `0x${pi}${ri}`,
          symbol: `T${pi}${ri}`,
          underlyingAsset: underlying,
          bridge: r.bridge >= 0 ? BRIDGES[r.bridge]! : null,
          priceUsd: r.price,
          decimals: 6,
          ltv: lt - 500,
          liquidationThreshold: lt,
          liquidationBonus: Math.min(10_000 + r.lbExtra, Math.floor(100_000_000 / lt)),
          liquidityIndex: (RAY * BigInt(r.indexBps)) / 10_000n,
          variableBorrowIndex: RAY,
          poolLiquidity: r.pool === null ? null : BigInt(r.pool) * 1_000_000n,
        };
      }),
      positions: p.positions.map((entries, ui) => ({
        user: `0xu${ui}`,
        reserves: entries.map((e, ri) => ({
          asset: `0x${pi}${ri}`,
          scaledCollateral: BigInt(e.collateral) * 1_000_000n,
          // debt amounts are USD-sized: convert to tokens of that reserve
          scaledDebt: BigInt(Math.floor((e.debtUsd / p.reserves[ri]!.price) * 1_000_000)),
          usedAsCollateral: e.enabled,
        })),
      })),
    })),
  }));
