import type { RiskReserve, RiskSnapshot } from "../../lib/risk/index.js";

export const RAY = 10n ** 27n;
/** Whole tokens (may be fractional, as a decimal string) to base units. */
export const units = (amount: string | number, decimals: number): bigint => {
  const [int, frac = ""] = String(amount).split(".");
  return (
    BigInt(int!) * 10n ** BigInt(decimals) + BigInt((frac + "0".repeat(decimals)).slice(0, decimals) || "0")
  );
};
export const weth = (n: string | number) => units(n, 18);
export const usd6 = (n: string | number) => units(n, 6);

export const HOME = 31337;
export const CHAIN_B = 31338;
export const CHAIN_C = 31339;
export const NOW = 1_700_000_000;

export const WETH = "0x00000000000000000000000000000000000000e1";
export const USDC = "0x00000000000000000000000000000000000000c1";
export const MAIN = "0x00000000000000000000000000000000000000b1";
export const FAST = "0x00000000000000000000000000000000000000b2";

const reserve = (r: Partial<RiskReserve> & Pick<RiskReserve, "asset" | "symbol">): RiskReserve => ({
  underlyingAsset: null,
  bridge: null,
  priceUsd: 1,
  decimals: 18,
  ltv: 8000,
  liquidationThreshold: 8250,
  liquidationBonus: 10500,
  liquidityIndex: RAY,
  variableBorrowIndex: RAY,
  poolLiquidity: null,
  ...r,
});

/**
 * Two bridges, two lending protocols, five positions. Hand-computed figures (see unit tests):
 * - main/WETH: L = 100, S = 60 + 45 + 0 = 105, BR = 100/105, shortfall 5 WETH = 10,000 USD
 * - main/USDC: L = S = 1,000,000 -> BR 1; fast/WETH: S = 0 -> BR null
 * - lend-b: alice HF 1.1, bob 1.41667, carol 0.970588 (fast bridge), dave no debt
 * - lend-c: erin 1.1 cWETH (index 1.1) vs 1,050 USDC debt (index 1.05): HF 1.67619
 */
export function fixtureSnapshot(): RiskSnapshot {
  return {
    asOf: {
      blockTimestamps: [
        { chainId: HOME, timestamp: NOW - 2 },
        { chainId: CHAIN_B, timestamp: NOW - 1 },
        { chainId: CHAIN_C, timestamp: NOW - 1 },
      ],
      sources: [{ source: "indexer", updatedAt: NOW - 5 }],
    },
    assets: [
      { id: WETH, symbol: "WETH", decimals: 18, chainId: HOME, priceUsd: 2000, priceUpdatedAt: NOW - 30 },
      { id: USDC, symbol: "USDC", decimals: 6, chainId: HOME, priceUsd: 1, priceUpdatedAt: NOW - 30 },
    ],
    bridges: [
      {
        id: MAIN,
        name: "main",
        assets: [
          {
            asset: WETH,
            lockedOnHome: weth(100),
            remoteSupply: [
              { chainId: CHAIN_B, wrappedToken: "0xb0e1", supply: weth(60) },
              { chainId: CHAIN_C, wrappedToken: "0xc0e1", supply: weth(45) },
            ],
            inFlight: 0n,
          },
          {
            asset: USDC,
            lockedOnHome: usd6(1_000_000),
            remoteSupply: [
              { chainId: CHAIN_B, wrappedToken: "0xb0c1", supply: usd6(600_000) },
              { chainId: CHAIN_C, wrappedToken: "0xc0c1", supply: usd6(300_000) },
            ],
            inFlight: usd6(100_000),
          },
        ],
      },
      {
        id: FAST,
        name: "fast",
        assets: [{ asset: WETH, lockedOnHome: weth(10), remoteSupply: [], inFlight: 0n }],
      },
    ],
    protocols: [
      {
        id: "0x1b",
        name: "lend-b",
        chainId: CHAIN_B,
        reserves: [
          reserve({ asset: "0xb0e1", symbol: "mWETH", underlyingAsset: WETH, bridge: MAIN, priceUsd: 2000 }),
          reserve({
            asset: "0xb0e2",
            symbol: "fWETH",
            underlyingAsset: WETH,
            bridge: FAST,
            priceUsd: 2000,
            poolLiquidity: weth(10),
          }),
          reserve({
            asset: "0xb0d0",
            symbol: "bUSD",
            decimals: 6,
            liquidationThreshold: 9000,
            ltv: 8500,
            liquidationBonus: 10400,
          }),
        ],
        positions: [
          {
            user: "0xa11ce",
            reserves: [
              { asset: "0xb0e1", scaledCollateral: weth(10), scaledDebt: 0n, usedAsCollateral: true },
              { asset: "0xb0d0", scaledCollateral: 0n, scaledDebt: usd6(15_000), usedAsCollateral: false },
            ],
          },
          {
            user: "0xb0b",
            reserves: [
              { asset: "0xb0e1", scaledCollateral: weth(5), scaledDebt: 0n, usedAsCollateral: true },
              {
                asset: "0xb0d0",
                scaledCollateral: usd6(5_000),
                scaledDebt: usd6(9_000),
                usedAsCollateral: true,
              },
            ],
          },
          {
            user: "0xca401",
            reserves: [
              { asset: "0xb0e2", scaledCollateral: weth(1), scaledDebt: 0n, usedAsCollateral: true },
              { asset: "0xb0d0", scaledCollateral: 0n, scaledDebt: usd6(1_700), usedAsCollateral: false },
            ],
          },
          {
            user: "0xda7e",
            reserves: [
              { asset: "0xb0e1", scaledCollateral: weth(2), scaledDebt: 0n, usedAsCollateral: false },
            ],
          },
        ],
      },
      {
        id: "0x1c",
        name: "lend-c",
        chainId: CHAIN_C,
        reserves: [
          reserve({
            asset: "0xc0e1",
            symbol: "cWETH",
            underlyingAsset: WETH,
            bridge: MAIN,
            priceUsd: 2000,
            ltv: 7500,
            liquidationThreshold: 8000,
            liquidationBonus: 10500,
            liquidityIndex: (RAY * 11n) / 10n,
          }),
          reserve({
            asset: "0xc0c1",
            symbol: "cUSDC",
            underlyingAsset: USDC,
            bridge: MAIN,
            decimals: 6,
            liquidationThreshold: 8500,
            liquidationBonus: 10400,
            variableBorrowIndex: (RAY * 105n) / 100n,
          }),
        ],
        positions: [
          {
            user: "0xe1212",
            reserves: [
              { asset: "0xc0e1", scaledCollateral: weth(1), scaledDebt: 0n, usedAsCollateral: true },
              { asset: "0xc0c1", scaledCollateral: 0n, scaledDebt: usd6(1_000), usedAsCollateral: false },
            ],
          },
        ],
      },
    ],
  };
}
