import type { Address } from "viem";
import { aaveOracleAbi, aavePoolAbi, aTokenAbi } from "../contracts/generated/index.js";
import type { AaveFixture } from "./aaveFixture.js";

/**
 * When an account's indexed figures differ from Pool.getUserAccountData, says which reserve's inputs
 * differ: the indexed reserve state (index, rate, last update), the indexed price and the indexed scaled
 * balance against the Pool's, AaveOracle's and the aToken's own answers at the same block. A bare
 * "expected 161829734409837, received 161829734408450" names no cause; this names the input.
 */

type IndexedReserve = {
  asset: string;
  symbol: string | null;
  liquidityIndex: string;
  liquidityRate: string;
  lastUpdateTimestamp: string;
  priceSource: string | null;
  updatedAtBlock: string;
};
type IndexedSource = {
  proxy: string;
  answer: string | null;
  updatedAt: string | null;
  aggregator: string | null;
};

export async function explainAccountMismatch(
  f: AaveFixture,
  graphql: <T>(query: string, variables?: Record<string, unknown>) => Promise<{ data?: T; errors?: unknown }>,
  user: Address,
  blockNumber: bigint,
  positions: readonly { user: string; asset: string; scaledATokenBalance: string }[],
): Promise<string> {
  const body = await graphql<{
    reserves: { items: IndexedReserve[] };
    priceSources: { items: IndexedSource[] };
  }>(
    `query ($chainId: Int!) {
       reserves(where: { chainId: $chainId }, limit: 100) {
         items { asset symbol liquidityIndex liquidityRate lastUpdateTimestamp priceSource updatedAtBlock } }
       priceSources(where: { chainId: $chainId }, limit: 100) { items { proxy answer updatedAt aggregator } } }`,
    { chainId: f.chain.id },
  );
  if (!body.data) return `could not read indexed reserves: ${JSON.stringify(body.errors)}`;
  const { reserves, priceSources } = body.data;
  const at = { blockNumber } as const;
  const lines: string[] = [];
  for (const reserve of f.market.reserves) {
    const indexed = reserves.items.find((r) => r.asset === reserve.asset.toLowerCase());
    const [data, income, price, scaled] = await Promise.all([
      f.publicClient.readContract({
        address: f.market.pool,
        abi: aavePoolAbi,
        functionName: "getReserveData",
        args: [reserve.asset],
        ...at,
      }),
      f.publicClient.readContract({
        address: f.market.pool,
        abi: aavePoolAbi,
        functionName: "getReserveNormalizedIncome",
        args: [reserve.asset],
        ...at,
      }),
      f.publicClient
        .readContract({
          address: f.market.aaveOracle,
          abi: aaveOracleAbi,
          functionName: "getAssetPrice",
          args: [reserve.asset],
          ...at,
        })
        .catch((error: Error) => `unreadable: ${error.message.split("\n")[0]}`),
      f.publicClient.readContract({
        address: reserve.aToken,
        abi: aTokenAbi,
        functionName: "scaledBalanceOf",
        args: [user],
        ...at,
      }),
    ]);
    const source = priceSources.items.find((s) => s.proxy === indexed?.priceSource?.toLowerCase());
    const row = positions.find(
      (p) => p.user === user.toLowerCase() && p.asset === reserve.asset.toLowerCase(),
    );
    const chain = {
      liquidityIndex: data.liquidityIndex.toString(),
      liquidityRate: data.currentLiquidityRate.toString(),
      lastUpdateTimestamp: data.lastUpdateTimestamp.toString(),
      price: String(price),
      scaledATokenBalance: scaled.toString(),
    };
    const ours = {
      liquidityIndex: indexed?.liquidityIndex ?? "none",
      liquidityRate: indexed?.liquidityRate ?? "none",
      lastUpdateTimestamp: indexed?.lastUpdateTimestamp ?? "none",
      price: source?.answer ?? "none",
      scaledATokenBalance: row?.scaledATokenBalance ?? "0",
    };
    const differing = (Object.keys(chain) as (keyof typeof chain)[]).filter((k) => chain[k] !== ours[k]);
    if (differing.length === 0) continue;
    lines.push(
      `${reserve.symbol}: ${differing.map((k) => `${k} pool ${chain[k]} indexed ${ours[k]}`).join("; ")}` +
        ` (pool normalized income ${income}; indexed row from block ${indexed?.updatedAtBlock ?? "?"},` +
        ` source ${source?.proxy ?? "?"} via aggregator ${source?.aggregator ?? "?"} updatedAt ${source?.updatedAt ?? "?"})`,
    );
  }
  return lines.length > 0
    ? lines.join("\n")
    : "every reserve input (index, rate, price, scaled balance) agrees";
}
