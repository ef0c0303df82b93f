import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type PlanBatchesReturnType, planBatches } from "../../relayer/delivery/batchPlan.js";
import { withGasMargin } from "../../relayer/delivery/gasPolicy.js";
import type { SimulatedCall } from "../../relayer/delivery/simulation.js";

type Message = { nonce: number; bad?: boolean; amount?: bigint };

/**
 * A destination as the planner sees it through eth_simulateV1: a batch costs `base` plus `perMessage`
 * per message and reverts as a whole when one of its messages is bad or its amounts exceed what is left
 * of `budget` (a mint ceiling shared by every batch); a reverted batch changes nothing for the next.
 */
function destination(options: { base?: bigint; perMessage?: bigint; budget?: bigint } = {}) {
  const { base = 50_000n, perMessage = 30_000n } = options;
  const calls: number[][] = [];
  const run = (parts: Message[][]): SimulatedCall[] => {
    let left = options.budget;
    return parts.map((part): SimulatedCall => {
      const amount = part.reduce((sum, m) => sum + (m.amount ?? 0n), 0n);
      const bad = part.find((m) => m.bad);
      if (bad) return { ok: false, error: new Error(`nonce ${bad.nonce} reverts`) };
      if (left !== undefined && amount > left) return { ok: false, error: new Error("ceiling reached") };
      if (left !== undefined) left -= amount;
      return { ok: true, gasUsed: base + perMessage * BigInt(part.length) };
    });
  };
  return {
    calls,
    run,
    simulate: async (parts: Message[][]) => {
      calls.push(parts.map((p) => p.length));
      return run(parts);
    },
  };
}

function messages(count: number, bad: number[] = []): Message[] {
  return Array.from({ length: count }, (_, i) => ({ nonce: i + 1, bad: bad.includes(i + 1) }));
}

const nonces = (batch: { members: Message[] }) => batch.members.map((m) => m.nonce);

describe("planBatches", () => {
  it("sends everything in one batch when it fits both caps", async () => {
    const chain = destination();
    const plan = await planBatches({
      messages: messages(5),
      gasCap: 30_000_000n,
      maxMessages: 100,
      simulate: chain.simulate,
    });
    expect(plan.batches.map(nonces)).toEqual([[1, 2, 3, 4, 5]]);
    expect(plan.batches[0]!.gas).toBe(withGasMargin(50_000n + 5n * 30_000n));
    expect(plan).toMatchObject({ failing: [], deferred: [], unplanned: [], cuts: [] });
    expect(chain.calls).toEqual([[5]]);
  });

  it("cuts by the message cap into the fewest, equal parts", async () => {
    const plan = await planBatches({
      messages: messages(10),
      gasCap: 30_000_000n,
      maxMessages: 4,
      simulate: destination().simulate,
    });
    expect(plan.batches.map(nonces)).toEqual([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
      [9, 10],
    ]);
  });

  it("cuts by the gas cap from the measured gas per message, leaving a tenth of the cap spare", async () => {
    const chain = destination({ base: 0n, perMessage: 100_000n });
    // 10 messages use 1.2M with the margin; 120_001 per message; 0.9 * 600k fits 4.
    const plan = await planBatches({
      messages: messages(10),
      gasCap: 600_000n,
      maxMessages: 100,
      simulate: chain.simulate,
    });
    expect(plan.batches.map(nonces)).toEqual([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
      [9, 10],
    ]);
    for (const batch of plan.batches) expect(batch.gas).toBeLessThanOrEqual(600_000n);
    expect(chain.calls).toEqual([[10], [4, 4, 2]]);
  });

  it("sends a message that alone exceeds the gas cap in a batch of its own, over the cap", async () => {
    const one = await planBatches({
      messages: messages(1),
      gasCap: 100_000n,
      maxMessages: 100,
      simulate: destination({ base: 50_000n, perMessage: 200_000n }).simulate,
    });
    expect(one.batches).toEqual([{ members: messages(1), gas: withGasMargin(250_000n) }]);

    const three = await planBatches({
      messages: messages(3),
      gasCap: 100_000n,
      maxMessages: 100,
      simulate: destination({ base: 50_000n, perMessage: 200_000n }).simulate,
    });
    expect(three.batches.map(nonces)).toEqual([[1], [2], [3]]);
    for (const batch of three.batches) expect(batch.gas).toBe(withGasMargin(250_000n));
  });

  it("sends the longest passing prefix of a reverting batch and defers the failing message and the rest", async () => {
    const plan = await planBatches({
      messages: messages(8, [6]),
      gasCap: 30_000_000n,
      maxMessages: 100,
      simulate: destination().simulate,
    });
    expect(plan.batches.map(nonces)).toEqual([[1, 2, 3, 4, 5]]);
    expect(plan.batches[0]!.gas).toBe(withGasMargin(50_000n + 5n * 30_000n));
    expect(plan.deferred.map((m) => m.nonce)).toEqual([6, 7, 8]);
    expect(plan.failing).toEqual([]);
    expect(plan.cuts).toEqual([{ size: 8, passing: 5, error: new Error("nonce 6 reverts") }]);
  });

  it("reports a message that fails alone as failing and still sends the others", async () => {
    const plan = await planBatches({
      messages: messages(4, [1]),
      gasCap: 30_000_000n,
      maxMessages: 100,
      simulate: destination().simulate,
    });
    expect(plan.failing).toEqual([{ message: messages(4, [1])[0], error: new Error("nonce 1 reverts") }]);
    expect(plan.batches.map(nonces)).toEqual([[2, 3, 4]]);
    expect(plan.deferred).toEqual([]);
  });

  it("after batches already planned, a message failing alone defers everything behind it", async () => {
    // Parts [1..3] and [4..6]: the second reverts at its first message (4).
    const plan = await planBatches({
      messages: messages(6, [4]),
      gasCap: 30_000_000n,
      maxMessages: 3,
      simulate: destination().simulate,
    });
    expect(plan.batches.map(nonces)).toEqual([[1, 2, 3]]);
    expect(plan.failing.map((f) => f.message.nonce)).toEqual([4]);
    expect(plan.deferred.map((m) => m.nonce)).toEqual([5, 6]);
  });

  it("leaves parts behind a reverting part unplanned, without a verdict", async () => {
    const plan = await planBatches({
      messages: messages(9, [5]),
      gasCap: 30_000_000n,
      maxMessages: 3,
      simulate: destination().simulate,
    });
    expect(plan.batches.map(nonces)).toEqual([[1, 2, 3], [4]]);
    expect(plan.deferred.map((m) => m.nonce)).toEqual([5, 6]);
    expect(plan.unplanned.map((m) => m.nonce)).toEqual([7, 8, 9]);
  });

  it("cuts at a shared budget running out: what fits goes now, the rest after it is mined", async () => {
    const ready = messages(6).map((m) => ({ ...m, amount: 10n }));
    const plan = await planBatches({
      messages: ready,
      gasCap: 30_000_000n,
      maxMessages: 100,
      simulate: destination({ budget: 35n }).simulate,
    });
    expect(plan.batches.map(nonces)).toEqual([[1, 2, 3]]);
    expect(plan.deferred.map((m) => m.nonce)).toEqual([4, 5, 6]);
  });

  it("keeps the passing prefix of a reverting batch within the gas cap (its gas was never measured)", async () => {
    // The part of 8 reverts at 6 (the ceiling), so its gas was never compared with the cap. Its passing
    // prefix 1..5 uses 1.2 * 260k = 312k with the margin; 1..3 (192k) is the longest that fits 200k.
    const ready = messages(8).map((m) => ({ ...m, amount: m.nonce === 6 ? 100n : 1n }));
    const plan = await planBatches({
      messages: ready,
      gasCap: 200_000n,
      maxMessages: 100,
      simulate: destination({ base: 10_000n, perMessage: 50_000n, budget: 10n }).simulate,
    });
    expect(plan.batches.map(nonces)).toEqual([[1, 2, 3]]);
    expect(plan.batches[0]!.gas).toBe(withGasMargin(160_000n));
    expect(plan.deferred.map((m) => m.nonce)).toEqual([4, 5, 6, 7, 8]);
    expect(plan.cuts).toEqual([{ size: 8, passing: 3, error: new Error("ceiling reached") }]);
  });

  it("plans nothing when the destination cannot simulate", async () => {
    const plan = await planBatches({
      messages: messages(3),
      gasCap: 30_000_000n,
      maxMessages: 100,
      simulate: async () => undefined,
    });
    expect(plan.batches).toEqual([]);
    expect(plan.unplanned).toEqual(messages(3));
  });
});

const caseArb = fc
  .record({
    count: fc.integer({ min: 1, max: 60 }),
    badNonces: fc.uniqueArray(fc.integer({ min: 1, max: 60 }), { maxLength: 6 }),
    maxMessages: fc.integer({ min: 1, max: 25 }),
    perMessage: fc.bigInt({ min: 20_000n, max: 400_000n }),
    gasCap: fc.bigInt({ min: 100_000n, max: 10_000_000n }),
    /** The batch's fixed cost, as a share of the cap (see the gas cap property). */
    baseShare: fc.integer({ min: 0, max: 8 }),
    amounts: fc.option(fc.array(fc.bigInt({ min: 1n, max: 10n }), { minLength: 60, maxLength: 60 }), {
      nil: undefined,
    }),
    budget: fc.bigInt({ min: 0n, max: 200n }),
  })
  .map((c) => ({
    ...c,
    messages: Array.from(
      { length: c.count },
      (_, i): Message => ({ nonce: i + 1, bad: c.badNonces.includes(i + 1), amount: c.amounts?.[i] }),
    ),
    base: (c.gasCap * BigInt(c.baseShare)) / 100n,
    budget: c.amounts ? c.budget : undefined,
  }));

function plannedNonces(plan: PlanBatchesReturnType<Message>): number[] {
  return [
    ...plan.batches.flatMap(nonces),
    ...plan.failing.map((f) => f.message.nonce),
    ...plan.deferred.map((m) => m.nonce),
    ...plan.unplanned.map((m) => m.nonce),
  ];
}

describe("planBatches (properties)", () => {
  it("accounts for every message exactly once, keeps nonce order and respects both caps", async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const chain = destination(c);
        const plan = await planBatches({ ...c, simulate: chain.simulate });
        expect([...plannedNonces(plan)].sort((a, b) => a - b)).toEqual(c.messages.map((m) => m.nonce));
        const sent = plan.batches.flatMap(nonces);
        expect(sent).toEqual([...sent].sort((a, b) => a - b));
        for (const batch of plan.batches) {
          expect(batch.members.length).toBeGreaterThan(0);
          expect(batch.members.length).toBeLessThanOrEqual(c.maxMessages);
          // The cut is sized from the measured gas per message with a tenth of the cap spare, so a
          // batch's fixed cost up to 8 % of the cap still fits; a single message may exceed it.
          if (batch.members.length > 1) expect(batch.gas).toBeLessThanOrEqual(c.gasCap);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("plans batches that pass in order with the gas they were simulated at; failing ones fail after them", async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const chain = destination(c);
        const plan = await planBatches({ ...c, simulate: chain.simulate });
        const sent = plan.batches.map((b) => b.members);
        const results = chain.run(sent);
        for (const [i, result] of results.entries()) {
          expect(result).toEqual({ ok: true, gasUsed: expect.any(BigInt) });
          if (result.ok) expect(withGasMargin(result.gasUsed)).toBe(plan.batches[i]!.gas);
        }
        for (const { message } of plan.failing)
          expect(chain.run([...sent, [message]]).at(-1)!.ok).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it("passes after passes deliver every good message and report exactly the bad ones as failing", async () => {
    await fc.assert(
      fc.asyncProperty(
        caseArb.map((c) => ({ ...c, budget: undefined })),
        async (c) => {
          const chain = destination(c);
          const delivered: number[] = [];
          const failing: number[] = [];
          let pending = c.messages;
          // Each pass is one deliverGroup: what is deferred or unplanned is tried again after it.
          while (pending.length > 0) {
            const plan = await planBatches({ ...c, messages: pending, simulate: chain.simulate });
            // Every pass sends a batch or settles a message, so the passes end.
            expect(plan.batches.length + plan.failing.length).toBeGreaterThan(0);
            delivered.push(...plan.batches.flatMap(nonces));
            failing.push(...plan.failing.map((f) => f.message.nonce));
            pending = [...plan.deferred, ...plan.unplanned].sort((a, b) => a.nonce - b.nonce);
          }
          const bad = c.messages.filter((m) => m.bad).map((m) => m.nonce);
          expect(delivered).toEqual(c.messages.filter((m) => !m.bad).map((m) => m.nonce));
          expect(failing).toEqual(bad);
        },
      ),
      { numRuns: 300 },
    );
  });
});
