import type { Address } from "viem";
import type { PonderProcess } from "../../harness/ponderProcess.js";

/** Reads of the indexer's GraphQL API that the indexer tests compare with the chains. */

export type Rows<T> = { items: T[] };

export async function query<T>(p: PonderProcess, q: string): Promise<T> {
  const body = await p.graphql<T>(q);
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data as T;
}

export const big = (value: unknown) => BigInt(value as string);

export async function deliveredCount(p: PonderProcess): Promise<number> {
  const data = await query<{ transfers: { totalCount: number } }>(
    p,
    `{ transfers(where: { status: delivered }, limit: 1) { totalCount } }`,
  );
  return data.transfers.totalCount;
}

type SupplyRow = {
  id: string;
  custody: string;
  remoteOutstanding: string;
  inFlight: string;
  awaitingSource: string;
  healthy: boolean;
  violations: number;
  excess: string;
};

export async function indexedTotals(p: PonderProcess) {
  const data = await query<{
    assetSupplys: Rows<SupplyRow>;
    tokenSupplys: Rows<{ chainId: number; asset: string; totalSupply: string; bridgeSupply: string }>;
    routeTotalss: Rows<{ asset: string; remoteChainId: number; outstanding: string; messages: number }>;
    transfers: { totalCount: number };
  }>(
    p,
    `{ assetSupplys { items { id custody remoteOutstanding inFlight awaitingSource healthy violations excess } }
       tokenSupplys { items { chainId asset totalSupply bridgeSupply } }
       routeTotalss { items { asset remoteChainId outstanding messages } }
       transfers(limit: 1) { totalCount } }`,
  );
  const supplyOf = (asset: Address) => data.assetSupplys.items.find((r) => r.id === asset.toLowerCase());
  const tokenOf = (chainId: number, asset: Address) =>
    data.tokenSupplys.items.find((r) => r.chainId === chainId && r.asset === asset.toLowerCase());
  return { data, supplyOf, tokenOf };
}
