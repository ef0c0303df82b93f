import { assetOf, chainName, indexerQuery, type Meta, meta } from "../api.js";
import { h, replace, table } from "../dom.js";
import { formatUnits, shortHex, timeOf } from "../format.js";
import type { TransferRow } from "../waiting.js";

export type TransferFilter = { address?: string; route?: string; status?: string; since?: string };

const listFields =
  "id status asset amount sourceChainId destinationChainId sender recipient sourceTx sourceTimestamp destinationTx latencySeconds";

/** Ponder `where` for the filter: address matches sender or recipient; route is "<from>-<to>". */
export function transferWhere(filter: TransferFilter, nowSeconds: number): Record<string, unknown> {
  const and: Record<string, unknown>[] = [];
  if (filter.address) and.push({ OR: [{ sender: filter.address }, { recipient: filter.address }] });
  if (filter.route) {
    const [from, to] = filter.route.split("-").map(Number);
    and.push({ sourceChainId: from, destinationChainId: to });
  }
  if (filter.status) and.push({ status: filter.status });
  if (filter.since) and.push({ sourceTimestamp_gte: String(nowSeconds - Number(filter.since)) });
  return and.length ? { AND: and } : {};
}

export async function fetchTransfers(filter: TransferFilter, limit = 50): Promise<TransferRow[]> {
  const data = await indexerQuery<{ transfers: { items: TransferRow[] } }>(
    `query($where: transferFilter, $limit: Int) { transfers(where: $where, orderBy: "sourceTimestamp", orderDirection: "desc", limit: $limit) { items { ${listFields} } } }`,
    { where: transferWhere(filter, Math.floor(Date.now() / 1000)), limit },
  );
  return data.transfers.items;
}

function routes(m: Meta): { value: string; label: string }[] {
  const home = m.chains.find((c) => c.role === "home");
  if (!home) return [];
  return m.chains
    .filter((c) => c.role !== "home")
    .flatMap((remote) => [
      { value: `${home.chainId}-${remote.chainId}`, label: `${home.network} → ${remote.network}` },
      { value: `${remote.chainId}-${home.chainId}`, label: `${remote.network} → ${home.network}` },
    ]);
}

function select(name: string, current: string | undefined, options: { value: string; label: string }[]) {
  return h(
    "select",
    { name, "aria-label": name },
    options.map((o) => h("option", { value: o.value, selected: o.value === (current ?? "") }, o.label)),
  );
}

export function transferRows(m: Meta, rows: TransferRow[]): HTMLTableElement {
  return table(
    ["message", "status", "route", "amount", "sender", "recipient", "sent", "latency"],
    rows,
    (t) => {
      const asset = assetOf(m, t.asset);
      return [
        h("a", { href: `#/transfer/${t.id}`, class: "mono" }, shortHex(t.id)),
        h("span", { class: `status ${t.status}`, "data-status": t.status }, t.status.replace("_", " ")),
        `${chainName(m, t.sourceChainId)} → ${chainName(m, t.destinationChainId)}`,
        `${formatUnits(t.amount, asset?.decimals ?? 18)} ${asset?.symbol ?? shortHex(t.asset)}`,
        h("span", { class: "mono" }, shortHex(t.sender)),
        h("span", { class: "mono" }, shortHex(t.recipient)),
        timeOf(t.sourceTimestamp),
        t.latencySeconds === null ? "–" : `${t.latencySeconds} s`,
      ];
    },
    { "data-testid": "transfer-list" },
  );
}

/** Transfers list with filters; the filter lives in the URL hash so a view can be shared. */
export async function transfersView(container: HTMLElement, params: URLSearchParams) {
  const m = await meta();
  const filter: TransferFilter = {
    address: params.get("address") ?? undefined,
    route: params.get("route") ?? undefined,
    status: params.get("status") ?? undefined,
    since: params.get("since") ?? undefined,
  };
  const form = h(
    "form",
    { class: "filters" },
    h("input", { name: "address", placeholder: "sender or recipient 0x…", value: filter.address ?? "" }),
    select("route", filter.route, [{ value: "", label: "every route" }, ...routes(m)]),
    select("status", filter.status, [
      { value: "", label: "any status" },
      { value: "pending", label: "pending" },
      { value: "delivered", label: "delivered" },
      { value: "awaiting_source", label: "awaiting source" },
    ]),
    select("since", filter.since, [
      { value: "", label: "any time" },
      { value: "600", label: "last 10 min" },
      { value: "3600", label: "last hour" },
      { value: "86400", label: "last day" },
    ]),
    h("button", { type: "submit" }, "Filter"),
  );
  const error = h("p", { class: "error", role: "alert" });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const address = String(data.get("address") ?? "")
      .trim()
      .toLowerCase();
    if (address && !/^0x[0-9a-f]{40}$/.test(address)) {
      error.textContent = `"${address}" is not an address (0x + 40 hex digits)`;
      return;
    }
    const next = new URLSearchParams();
    for (const [key, value] of data)
      if (String(value).trim()) next.set(key, String(value).trim().toLowerCase());
    location.hash = `#/transfers?${next}`;
  });
  const list = h("div", {});
  replace(container, h("h1", {}, "Transfers"), form, error, list);
  return async () => {
    const rows = await fetchTransfers(filter);
    replace(list, rows.length ? transferRows(m, rows) : h("p", { class: "muted" }, "No transfer matches."));
  };
}
