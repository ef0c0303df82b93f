import { assetOf, chainName, getJson, indexerQuery, meta } from "../api.js";
import { h, replace, table } from "../dom.js";
import { formatUnits, timeOf } from "../format.js";
import { type Progress, relayCommand, type TransferRow, waitingReason } from "../waiting.js";
import { transferRows } from "./transfers.js";

const detailFields =
  "id status asset amount direction sourceChainId destinationChainId sender recipient nonce sourceBlock sourceTx sourceTimestamp destinationBlock destinationTx destinationTimestamp latencySeconds";

let optionalFields: Promise<string> | undefined;
/**
 * Fields the transfer type may gain later (a batched attestation's `root`): asked only when the
 * indexer's schema has them, so the page works before and after that change.
 */
function extraFields(): Promise<string> {
  optionalFields ??= indexerQuery<{ __type: { fields: { name: string }[] } | null }>(
    '{ __type(name: "transfer") { fields { name } } }',
  )
    .then((d) => (d.__type?.fields.some((f) => f.name === "root") ? " root" : ""))
    .catch(() => "");
  return optionalFields;
}

async function findTransfer(hash: string): Promise<TransferRow | TransferRow[] | null> {
  const fields = detailFields + (await extraFields());
  const byId = await indexerQuery<{ transfer: TransferRow | null }>(
    `query($id: String!) { transfer(id: $id) { ${fields} } }`,
    { id: hash },
  );
  if (byId.transfer) return byId.transfer;
  const byTx = await indexerQuery<{ transfers: { items: TransferRow[] } }>(
    `query($h: String!) { transfers(where: { OR: [{ sourceTx: $h }, { destinationTx: $h }] }, limit: 50) { items { ${fields} } } }`,
    { h: hash },
  );
  if (byTx.transfers.items.length === 1) return byTx.transfers.items[0]!;
  return byTx.transfers.items.length ? byTx.transfers.items : null;
}

function stageRows(row: TransferRow, progress: Progress | null): [string, string][] {
  const stages: [string, string][] = [["sent (source block)", timeOf(row.sourceTimestamp)]];
  for (const entry of progress?.relayer?.history ?? []) {
    stages.push([
      `relayer: ${entry.status}${entry.reason ? ` (${entry.reason})` : ""}`,
      new Date(entry.at).toISOString().replace("T", " ").replace(/Z$/, " UTC"),
    ]);
  }
  stages.push(["delivered (destination block)", timeOf(row.destinationTimestamp)]);
  if (row.latencySeconds !== null) stages.push(["latency", `${row.latencySeconds} s`]);
  return stages;
}

/** One message: both legs, stage times, signatures of k, and why it waits with the self-relay command. */
export async function transferView(container: HTMLElement, hash: string) {
  const m = await meta();
  const heading = h("h1", {}, "Transfer");
  const body = h("div", { "data-testid": "transfer-detail" });
  replace(container, heading, body);
  if (!/^0x[0-9a-f]{64}$/.test(hash)) {
    replace(
      body,
      h("p", { class: "error", role: "alert" }, `"${hash}" is not a message id or transaction hash`),
    );
    return async () => {};
  }
  return async () => {
    const found = await findTransfer(hash);
    if (found === null) {
      replace(
        body,
        h(
          "p",
          { class: "error", role: "alert", "data-testid": "not-found" },
          `not found: no transfer with message id or transaction hash ${hash}`,
        ),
      );
      return;
    }
    if (Array.isArray(found)) {
      replace(
        body,
        h("p", {}, `Transaction ${hash} carries ${found.length} transfers:`),
        transferRows(m, found),
      );
      return;
    }
    const row = found;
    const progress =
      row.status === "delivered"
        ? null
        : await getJson<Progress>(`/explorer/api/progress/${row.id}`).then((r) =>
            r.status === 200 ? r.body : null,
          );
    const asset = assetOf(m, row.asset);
    const reason = waitingReason(row, progress);
    const legs = table(
      ["leg", "chain", "block", "transaction", "time"],
      [
        ["source", chainName(m, row.sourceChainId), row.sourceBlock, row.sourceTx, row.sourceTimestamp],
        [
          "destination",
          chainName(m, row.destinationChainId),
          row.destinationBlock,
          row.destinationTx,
          row.destinationTimestamp,
        ],
      ],
      ([leg, chain, block, tx, time]) => [
        leg,
        chain,
        block ?? "not yet",
        h("span", { class: "mono" }, tx ?? "not yet"),
        timeOf(time),
      ],
    );
    replace(
      body,
      h(
        "dl",
        { class: "facts" },
        h("dt", {}, "message id"),
        h("dd", { class: "mono" }, row.id),
        h("dt", {}, "status"),
        h(
          "dd",
          {},
          h(
            "span",
            { class: `status ${row.status}`, "data-testid": "transfer-status" },
            row.status.replace("_", " "),
          ),
        ),
        h("dt", {}, "amount"),
        h("dd", {}, `${formatUnits(row.amount, asset?.decimals ?? 18, 8)} ${asset?.symbol ?? row.asset}`),
        h("dt", {}, "route"),
        h(
          "dd",
          {},
          `${chainName(m, row.sourceChainId)} → ${chainName(m, row.destinationChainId)} (nonce ${row.nonce ?? "?"})`,
        ),
        h("dt", {}, "sender → recipient"),
        h("dd", { class: "mono" }, `${row.sender ?? "?"} → ${row.recipient}`),
        row.root !== undefined && h("dt", {}, "attested root"),
        row.root !== undefined && h("dd", { class: "mono" }, row.root ?? "not yet"),
        h("dt", {}, "signatures"),
        h(
          "dd",
          { "data-testid": "signatures" },
          progress
            ? `${progress.signatures.valid} of ${progress.signatures.threshold} required`
            : row.status === "delivered"
              ? "quorum reached (delivered)"
              : "unknown",
        ),
      ),
      reason &&
        h(
          "div",
          { class: "waiting", "data-testid": "waiting" },
          h("p", { "data-testid": "waiting-reason" }, reason),
          h("p", {}, "Deliver it yourself (needs the validators' signatures and gas on the destination):"),
          h("pre", { "data-testid": "relay-command" }, relayCommand(row.id)),
        ),
      h("h2", {}, "Legs"),
      legs,
      h("h2", {}, "Stages"),
      table(["stage", "time"], stageRows(row, progress), (s) => s),
    );
  };
}
