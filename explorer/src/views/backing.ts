import { assetOf, chainName, indexerQuery, type Meta, meta, riskQuery } from "../api.js";
import { lineChart } from "../charts.js";
import { h, replace, table } from "../dom.js";
import { fixed, formatUnits, timeOf, usd } from "../format.js";

type Backing = {
  asset: { id: string; symbol: string; decimals: number; priceUsd: number };
  locked: string;
  remoteSupply: string;
  inFlight: string;
  supply: string;
  backingRatio: number | null;
  shortfallUsd: number;
  remote: { chainId: number; wrappedToken: string; supply: string; supplyUsd: number }[];
};
type Supply = {
  id: string;
  custody: string;
  remoteOutstanding: string;
  inFlight: string;
  healthy: boolean;
  violations: number;
  excess: string;
  lastCheckChainId: number;
  lastCheckBlock: string;
  lastCheckTimestamp: string;
};
type Sample = {
  asset: string;
  timestamp: string;
  custody: string;
  remoteOutstanding: string;
  inFlight: string;
};
type Violation = {
  id: string;
  asset: string;
  chainId: number;
  blockNumber: string;
  blockTimestamp: string;
  trigger: string;
  messageId: string | null;
  excess: string;
};

/** Backing ratio of a sample: custody / (remote outstanding + in flight); null with nothing to back. */
export function sampleRatio(sample: Sample): number | null {
  const supply = BigInt(sample.remoteOutstanding) + BigInt(sample.inFlight);
  if (supply === 0n) return null;
  return Number((BigInt(sample.custody) * 1_000_000n) / supply) / 1_000_000;
}

async function load(m: Meta) {
  const [indexed, ...backings] = await Promise.all([
    indexerQuery<{
      assetSupplys: { items: Supply[] };
      backingSamples: { items: Sample[] };
      supplyViolations: { items: Violation[] };
    }>(`{
      assetSupplys { items { id custody remoteOutstanding inFlight healthy violations excess lastCheckChainId lastCheckBlock lastCheckTimestamp } }
      backingSamples(orderBy: "timestamp", orderDirection: "desc", limit: 1000) { items { asset timestamp custody remoteOutstanding inFlight } }
      supplyViolations(orderBy: "blockTimestamp", orderDirection: "desc", limit: 20) { items { id asset chainId blockNumber blockTimestamp trigger messageId excess } }
    }`),
    ...m.assets.map((a) =>
      riskQuery<{ bridgeBacking: Backing }>(
        `query($b: String!, $a: String!) { bridgeBacking(bridge: $b, asset: $a) { asset { id symbol decimals priceUsd } locked remoteSupply inFlight supply backingRatio shortfallUsd remote { chainId wrappedToken supply supplyUsd } } }`,
        { b: m.bridgeId, a: a.address },
      ).then((d) => d.bridgeBacking),
    ),
  ]);
  const others = await Promise.all(
    (m.otherBridges ?? []).flatMap((bridge) =>
      bridge.assets.map((a) =>
        riskQuery<{ bridgeBacking: Backing }>(
          `query($b: String!, $a: String!) { bridgeBacking(bridge: $b, asset: $a) { asset { id symbol decimals priceUsd } locked remoteSupply inFlight supply backingRatio shortfallUsd remote { chainId wrappedToken supply supplyUsd } } }`,
          { b: bridge.id, a: a.address },
        ).then((d) => ({ bridge, backing: d.bridgeBacking })),
      ),
    ),
  );
  return { indexed, backings, others };
}

/** The other lock/mint bridges' backing: locked in their lock contract against what they minted. */
function otherBridgesTable(m: Meta, others: { bridge: Meta["otherBridges"][number]; backing: Backing }[]) {
  if (others.length === 0)
    return h("p", { class: "muted" }, "The deployments file describes no other bridge.");
  return table(
    ["bridge", "asset", "locked", "minted (by chain)", "backing ratio", "shortfall"],
    others,
    ({ bridge, backing: b }) => [
      h("span", { title: bridge.name }, bridge.id),
      b.asset.symbol,
      formatUnits(b.locked, b.asset.decimals),
      b.remote
        .map((r) => `${formatUnits(r.supply, b.asset.decimals)} on ${chainName(m, r.chainId)}`)
        .join(", "),
      h(
        "span",
        {
          "data-testid": `other-backing-${bridge.id}-${b.asset.symbol}`,
          "data-value": String(b.backingRatio),
          class: b.backingRatio !== null && b.backingRatio < 1 ? "bad" : "",
        },
        fixed(b.backingRatio, 6),
      ),
      usd(b.shortfallUsd),
    ],
  );
}

/** Per asset: locked at home against minted on each remote chain, the ratio over time, checks, breaches. */
export async function backingView(container: HTMLElement) {
  const m = await meta();
  const cards = h("div", {});
  const breaches = h("div", {});
  const other = h("div", { "data-testid": "other-bridges" });
  replace(
    container,
    h("h1", {}, "Backing"),
    cards,
    h("h2", {}, "Breaches of the supply check"),
    breaches,
    h("h2", {}, "Other lock/mint bridges (read through their descriptors)"),
    other,
  );
  return async () => {
    const { indexed, backings, others } = await load(m);
    replace(other, otherBridgesTable(m, others));
    const sections = backings.map((b) => {
      const address = b.asset.id.toLowerCase();
      const supply = indexed.assetSupplys.items.find((s) => s.id === address);
      const samples = indexed.backingSamples.items.filter((s) => s.asset === address).reverse();
      const decimals = b.asset.decimals;
      const plot = h("div", { class: "chart", "data-testid": `backing-plot-${b.asset.symbol}` });
      const section = h(
        "section",
        { class: "card", "data-testid": `backing-${b.asset.symbol}` },
        h("h2", {}, `${b.asset.symbol}`),
        h(
          "dl",
          { class: "facts" },
          h("dt", {}, "locked on the home chain (L)"),
          h("dd", { "data-testid": "locked" }, formatUnits(b.locked, decimals)),
          h("dt", {}, "remote supply + in flight (S)"),
          h("dd", {}, `${formatUnits(b.remoteSupply, decimals)} + ${formatUnits(b.inFlight, decimals)}`),
          h("dt", {}, "backing ratio L / S"),
          h(
            "dd",
            {
              "data-testid": "backing-ratio",
              class: b.backingRatio !== null && b.backingRatio < 1 ? "bad" : "",
            },
            fixed(b.backingRatio, 6),
          ),
          h("dt", {}, "shortfall"),
          h("dd", {}, usd(b.shortfallUsd)),
          h("dt", {}, "last supply check"),
          h(
            "dd",
            { "data-testid": "last-check" },
            supply
              ? `${supply.healthy ? "held" : "FAILED"} at block ${supply.lastCheckBlock} on ${chainName(m, supply.lastCheckChainId)} (${timeOf(supply.lastCheckTimestamp)}), ${supply.violations} breach${supply.violations === 1 ? "" : "es"} so far`
              : "no check yet",
          ),
        ),
        table(["remote chain", "minted there (wrapped supply)", "value"], b.remote, (r) => [
          chainName(m, r.chainId),
          formatUnits(r.supply, decimals),
          usd(r.supplyUsd),
        ]),
        h("h3", {}, "Backing ratio at each periodic supply check"),
        plot,
      );
      queueMicrotask(() =>
        lineChart(
          plot,
          samples.map((s) => Number(s.timestamp)),
          [{ label: "L / S", values: samples.map(sampleRatio), color: "#1f6feb" }],
          "backing ratio",
        ),
      );
      return section;
    });
    replace(cards, sections);
    const rows = indexed.supplyViolations.items;
    replace(
      breaches,
      rows.length
        ? table(["asset", "chain", "block", "time", "trigger", "excess"], rows, (v) => {
            const asset = assetOf(m, v.asset);
            return [
              asset?.symbol ?? v.asset,
              chainName(m, v.chainId),
              v.blockNumber,
              timeOf(v.blockTimestamp),
              v.trigger,
              formatUnits(v.excess, asset?.decimals ?? 18),
            ];
          })
        : h(
            "p",
            { "data-testid": "no-breaches" },
            "None: remote supply never exceeded what the vault holds.",
          ),
    );
  };
}
