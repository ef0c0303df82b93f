import { riskQuery } from "../api.js";

/** Upper edges of the health-factor histogram; the last bucket is "above the last edge, or no debt". */
export const hfEdges = [1, 1.05, 1.1, 1.25, 1.5, 2, 3] as const;

export type Histogram = {
  labels: string[];
  counts: number[];
  stale: number;
  unpriced: number;
  total: number;
};

/**
 * Exact counts from the risk API: one `totalCount` per cumulative bound (HF <= edge; the API's bounds
 * are inclusive), all in one request with aliases, so no position list has to cross the wire.
 */
export async function histogram(protocol: string): Promise<Histogram> {
  const bounds = hfEdges.map(
    (edge, i) => `c${i}: positions(protocol: $p, maxHealthFactor: ${edge}, first: 1) { totalCount }`,
  );
  const data = await riskQuery<Record<string, { totalCount: number }>>(
    `query($p: String!) {
      ${bounds.join("\n")}
      priced: positions(protocol: $p, status: PRICED, first: 1) { totalCount }
      stale: positions(protocol: $p, status: STALE, first: 1) { totalCount }
      unpriced: positions(protocol: $p, status: UNPRICED, first: 1) { totalCount }
      all: positions(protocol: $p, first: 1) { totalCount }
    }`,
    { p: protocol },
  );
  const cumulative = hfEdges.map((_, i) => data[`c${i}`]!.totalCount);
  const counts = cumulative.map((c, i) => c - (i === 0 ? 0 : cumulative[i - 1]!));
  counts.push(data.priced!.totalCount - cumulative[cumulative.length - 1]!);
  const labels = hfEdges.map((edge, i) => (i === 0 ? `≤ ${edge}` : `${hfEdges[i - 1]}–${edge}`));
  labels.push(`> ${hfEdges[hfEdges.length - 1]} / no debt`);
  return {
    labels,
    counts,
    stale: data.stale!.totalCount,
    unpriced: data.unpriced!.totalCount,
    total: data.all!.totalCount,
  };
}

export type RiskPosition = {
  user: string;
  status: "PRICED" | "STALE" | "UNPRICED";
  statusReason: string | null;
  healthFactor: number | null;
  collateralUsd: number;
  debtUsd: number;
  liquidationPrice: number | null;
  bridgedShare: number;
  liquidatable: boolean;
};

const positionFields =
  "user status statusReason healthFactor collateralUsd debtUsd liquidationPrice bridgedShare liquidatable";

/** The riskiest positions (the API orders by health factor) plus every stale or unpriced one, up to 20 each. */
export async function closestPositions(protocol: string): Promise<RiskPosition[]> {
  const data = await riskQuery<Record<string, { edges: { node: RiskPosition }[] }>>(
    `query($p: String!) {
      riskiest: positions(protocol: $p, status: PRICED, maxHealthFactor: 1000000, first: 20) { edges { node { ${positionFields} } } }
      stale: positions(protocol: $p, status: STALE, first: 20) { edges { node { ${positionFields} } } }
      unpriced: positions(protocol: $p, status: UNPRICED, first: 20) { edges { node { ${positionFields} } } }
    }`,
    { p: protocol },
  );
  return [...data.riskiest!.edges, ...data.stale!.edges, ...data.unpriced!.edges].map((e) => e.node);
}

export type Exposure = {
  protocol: { id: string };
  totalCollateralUsd: number;
  hhi: number;
  positionsSkipped: number;
  bridges: { bridge: { id: string }; collateralUsd: number; share: number; borrowingPowerShare: number }[];
};

export async function exposures(protocols: string[]): Promise<Exposure[]> {
  const aliases = protocols.map(
    (p, i) =>
      `e${i}: exposure(protocol: ${JSON.stringify(p)}) { protocol { id } totalCollateralUsd hhi positionsSkipped bridges { bridge { id } collateralUsd share borrowingPowerShare } }`,
  );
  const data = await riskQuery<Record<string, Exposure>>(`{ ${aliases.join("\n")} }`);
  return protocols.map((_, i) => data[`e${i}`]!);
}

export type CurvePoint = {
  shock: number;
  liquidatableDebtUsd: number;
  positionsLiquidatable: number;
  positionsSkipped: number;
};

export async function liquidationCurve(asset: string | null): Promise<CurvePoint[]> {
  const data = await riskQuery<{ liquidationCurve: CurvePoint[] }>(
    `query($a: String) { liquidationCurve(asset: $a, steps: 19) { shock liquidatableDebtUsd positionsLiquidatable positionsSkipped } }`,
    { a: asset },
  );
  return data.liquidationCurve;
}
