/**
 * The explorer's only data sources, all on the indexer's origin: Ponder's GraphQL (/graphql), the risk
 * API (/risk/graphql), Ponder's /status, and the explorer's two JSON helpers (/explorer/api/*).
 */
export class GraphQLRequestError extends Error {
  override name = "GraphQLRequestError";
}

async function post<T>(url: string, query: string, variables?: Record<string, unknown>): Promise<T> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json().catch(() => ({}))) as { data?: T; errors?: { message: string }[] };
  if (body.errors?.length) throw new GraphQLRequestError(body.errors.map((e) => e.message).join("; "));
  if (!response.ok || !body.data) throw new GraphQLRequestError(`${url} answered HTTP ${response.status}`);
  return body.data;
}

export const indexerQuery = <T>(query: string, variables?: Record<string, unknown>) =>
  post<T>("/graphql", query, variables);
export const riskQuery = <T>(query: string, variables?: Record<string, unknown>) =>
  post<T>("/risk/graphql", query, variables);

export async function getJson<T>(url: string): Promise<{ status: number; body: T }> {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as T };
}

export type Meta = {
  name: string;
  bridgeId: string;
  homeChainId: number;
  chains: { chainId: number; network: string; role: string; protocols: string[] }[];
  assets: { address: string; symbol: string; decimals: number }[];
  /** Lock/mint bridges the deployments file describes (compared in exposure; not run here). */
  otherBridges: { id: string; name: string; assets: { address: string; symbol: string }[] }[];
};

let metaPromise: Promise<Meta> | undefined;
/** Names from the deployments file; fetched once per page load. */
export function meta(): Promise<Meta> {
  metaPromise ??= getJson<Meta>("/explorer/api/meta").then((r) => r.body);
  return metaPromise;
}

export function chainName(m: Meta, chainId: number | null | undefined): string {
  if (chainId === null || chainId === undefined) return "?";
  return m.chains.find((c) => c.chainId === chainId)?.network ?? `chain ${chainId}`;
}

export function assetOf(m: Meta, address: string | null | undefined) {
  return m.assets.find((a) => a.address === address?.toLowerCase());
}

/** Ponder's /status: the block each chain is indexed to. */
export type IndexedStatus = Record<
  string,
  { id: number; block: { number: number; timestamp: number } | null }
>;
export async function indexedStatus(): Promise<IndexedStatus> {
  return (await getJson<IndexedStatus>("/status")).body;
}
