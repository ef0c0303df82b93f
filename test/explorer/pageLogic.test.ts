import { describe, expect, it } from "vitest";
import { formatUnits } from "../../explorer/src/format.js";
import { classifySearch } from "../../explorer/src/search.js";
import { sampleRatio } from "../../explorer/src/views/backing.js";
import { sortPositions } from "../../explorer/src/views/risk.js";
import type { RiskPosition } from "../../explorer/src/views/riskData.js";
import { parseStress } from "../../explorer/src/views/stress.js";
import { transferWhere } from "../../explorer/src/views/transfers.js";
import { type Progress, relayCommand, type TransferRow, waitingReason } from "../../explorer/src/waiting.js";

/** The explorer's decisions that need no browser: search, waiting reasons, stress input, sorting. */
describe("explorer page logic", () => {
  it("classifies the search box: hash, address, or a clear message", () => {
    const hash = `0x${"Ab".repeat(32)}`;
    expect(classifySearch(` ${hash} `)).toEqual({ kind: "hash", value: hash.toLowerCase() });
    expect(classifySearch(`0x${"1".repeat(40)}`)).toEqual({ kind: "address", value: `0x${"1".repeat(40)}` });
    expect(classifySearch("0x12345")).toMatchObject({
      kind: "invalid",
      message: expect.stringContaining("not an address"),
    });
    expect(classifySearch(`0x${"z".repeat(40)}`)).toMatchObject({ kind: "invalid" });
    expect(classifySearch("hello")).toMatchObject({
      kind: "invalid",
      message: expect.stringContaining("not a message id"),
    });
  });

  const row: TransferRow = {
    id: `0x${"1".repeat(64)}`,
    status: "pending",
    asset: "0xa",
    amount: "1",
    direction: "to_remote",
    sourceChainId: 1,
    destinationChainId: 2,
    sender: "0xs",
    recipient: "0xr",
    nonce: "1",
    sourceBlock: "10",
    sourceTx: "0xt",
    sourceTimestamp: "1",
    destinationBlock: null,
    destinationTx: null,
    destinationTimestamp: null,
    latencySeconds: null,
  };
  const progress = (p: Partial<Progress>): Progress => ({
    finality: { rule: "2 confirmations", blocksToGo: 0 },
    signatures: { valid: 0, threshold: 4, missing: [] },
    relayer: null,
    relayerError: null,
    ...p,
  });

  it("says why a transfer waits, in the order bridge status uses", () => {
    expect(waitingReason({ ...row, status: "delivered" }, null)).toBeNull();
    expect(waitingReason(row, progress({ finality: { rule: "2 confirmations", blocksToGo: 1 } }))).toBe(
      "waiting for source finality (2 confirmations): 1 block to go",
    );
    const down = Array.from({ length: 5 }, (_, i) => ({ url: `http://v${i}`, reason: "fetch failed" }));
    expect(waitingReason(row, progress({ signatures: { valid: 0, threshold: 4, missing: down } }))).toBe(
      "waiting for validators: 0 of 4 signatures; 5 of 5 validators unreachable",
    );
    const notYet = [{ url: "http://v0", reason: "not signed yet" }];
    expect(
      waitingReason(row, progress({ signatures: { valid: 3, threshold: 4, missing: notYet } })),
    ).toContain("3 of 4 signatures; the validators have not signed yet");
    expect(waitingReason(row, progress({ signatures: { valid: 4, threshold: 4, missing: [] } }))).toBe(
      "signed by a quorum; waiting for a relayer to submit it",
    );
    const stuck = { status: "stuck", stuckReason: "destination reverted: paused", history: [] };
    expect(
      waitingReason(row, progress({ signatures: { valid: 5, threshold: 4, missing: [] }, relayer: stuck })),
    ).toBe("relayer stuck: destination reverted: paused");
    expect(relayCommand(row.id)).toBe(`npx bridge relay ${row.id}`);
  });

  it("checks the stress form's ranges before asking the API", () => {
    expect(parseStress("priceShock", "", "150", "canonical", "0.5")).toMatchObject({
      ok: false,
      field: "shock",
    });
    expect(parseStress("priceShock", "", "-1", "canonical", "0.5")).toMatchObject({
      ok: false,
      field: "shock",
    });
    expect(parseStress("priceShock", "", "100", "canonical", "0.5")).toMatchObject({ ok: false });
    expect(parseStress("priceShock", "WETH", "30", "canonical", "x")).toEqual({
      ok: true,
      scenario: { priceShock: { asset: "WETH", shock: 0.3 } },
      label: "WETH price −30%",
    });
    expect(parseStress("bridgeFailure", "", "", "canonical", "1.5")).toMatchObject({
      ok: false,
      field: "recovery",
    });
    expect(parseStress("bridgeFailure", "", "", "canonical", "0")).toMatchObject({
      ok: true,
      scenario: { bridgeFailure: { bridge: "canonical", recovery: 0 } },
    });
  });

  it("sorts positions with unknown health factors last either way", () => {
    const p = (user: string, healthFactor: number | null, debtUsd: number) =>
      ({ user, healthFactor, debtUsd }) as RiskPosition;
    const rows = [p("a", 1.2, 5), p("b", null, 9), p("c", 1.01, 1)];
    expect(sortPositions(rows, "healthFactor", false).map((r) => r.user)).toEqual(["c", "a", "b"]);
    expect(sortPositions(rows, "healthFactor", true).map((r) => r.user)).toEqual(["a", "c", "b"]);
    expect(sortPositions(rows, "debtUsd", true).map((r) => r.user)).toEqual(["b", "a", "c"]);
  });

  it("builds Ponder filters and backing ratios", () => {
    expect(transferWhere({}, 100)).toEqual({});
    expect(transferWhere({ address: "0xa", route: "1-2", status: "pending", since: "60" }, 100)).toEqual({
      AND: [
        { OR: [{ sender: "0xa" }, { recipient: "0xa" }] },
        { sourceChainId: 1, destinationChainId: 2 },
        { status: "pending" },
        { sourceTimestamp_gte: "40" },
      ],
    });
    const sample = { asset: "0xa", timestamp: "1", custody: "150", remoteOutstanding: "100", inFlight: "50" };
    expect(sampleRatio(sample)).toBe(1);
    expect(sampleRatio({ ...sample, custody: "75" })).toBe(0.5);
    expect(sampleRatio({ ...sample, remoteOutstanding: "0", inFlight: "0" })).toBeNull();
    expect(formatUnits("25000000", 6)).toBe("25");
    expect(formatUnits("1234567", 6, 2)).toBe("1.23");
  });
});
