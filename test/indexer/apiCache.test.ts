import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PonderProcess, startPonder } from "../../harness/ponderProcess.js";
import { eventually } from "../helpers/eventually.js";
import type { IndexerNet } from "../helpers/indexerFixture.js";
import { type Devnet, freezeAtCommonTimestamp, startDevnet } from "../risk-e2e/devnetRisk.js";

/**
 * The bridge and risk GraphQL response caches (src/api/responseCache.ts) inside a real `ponder start`
 * on the devnet's chains, over real HTTP. The chains are frozen (no block mined) except where a test
 * mines one, so the indexed checkpoint holds still between requests that are compared. An "uncached"
 * answer is the same document with a unique comment appended: a key of its own, executed fresh.
 */

const BRIDGE_QUERY = `{ _meta { status }
  transfers(limit: 50, orderBy: "sourceTimestamp", orderDirection: "desc") {
    items { id status amount sourceChainId destinationChainId sourceTimestamp } totalCount }
  assetSupplys { items { id custody remoteOutstanding inFlight healthy } } }`;

const RISK_QUERY = `{ snapshot { blocks { chainId blockNumber } }
  positions(first: 20) { totalCount edges { node { user healthFactor status protocol { id } } } } }`;

type Answer = { status: number; cache: string | null; text: string; body: Record<string, unknown> };

describe("GraphQL response cache (real devnet + ponder)", () => {
  let devnet: Devnet;
  let ponder: PonderProcess;
  const pgliteDir = mkdtempSync(join(tmpdir(), "api-cache-pglite-"));
  let fresh = 0;

  const post = async (path: string, query: string, variables?: Record<string, unknown>): Promise<Answer> => {
    const response = await fetch(`${ponder.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query, variables }),
    });
    const text = await response.text();
    return {
      status: response.status,
      cache: response.headers.get("x-cache"),
      text,
      body: JSON.parse(text) as Record<string, unknown>,
    };
  };
  const bridge = (query: string) => post("/graphql", query);
  const risk = (query: string) => post("/risk/graphql", query);
  const uncached = (query: string) => `${query}\n# uncached ${++fresh}`;

  type Status = Record<string, { id: number; block: { number: number } }>;
  const status = async () => (await (await fetch(`${ponder.url}/status`)).json()) as Status;
  const riskBlocks = (a: Answer) =>
    (a.body.data as { snapshot: { blocks: { chainId: number; blockNumber: string }[] } }).snapshot.blocks;
  const metaBlocks = (a: Answer) =>
    Object.values((a.body.data as { _meta: { status: Status } })._meta.status).map((c) => c.block.number);

  /** Waits until the indexer has indexed the frozen chains' blocks and the risk snapshot holds them. */
  const settle = async (atLeast: Map<number, bigint>) => {
    await eventually(
      status,
      (s) =>
        Object.values(s).length === devnet.chains.length &&
        Object.values(s).every((c) => BigInt(c.block.number) >= atLeast.get(c.id)!),
      150_000,
    );
    const indexed = await status();
    await eventually(
      () => risk(uncached(RISK_QUERY)),
      (a) =>
        Object.values(indexed).every((c) =>
          riskBlocks(a).some((b) => b.chainId === c.id && Number(b.blockNumber) >= c.block.number),
        ),
      30_000,
    );
  };

  beforeAll(async () => {
    devnet = await startDevnet();
    ponder = await startPonder({
      net: { env: devnet.env } as unknown as IndexerNet,
      schema: "api_cache",
      pgliteDir,
    });
    await ponder.waitReady(180_000);
    await settle(await freezeAtCommonTimestamp(devnet));
  }, 300_000);

  afterAll(async () => {
    await ponder?.kill();
    await devnet?.stop();
    rmSync(pgliteDir, { recursive: true, force: true });
  });

  it("bridge: a repeated query is served from the cache, byte for byte the uncached answer", async () => {
    const first = await bridge(BRIDGE_QUERY);
    expect(first.status).toBe(200);
    expect(first.body.errors).toBeUndefined();
    expect(first.cache).toBe("miss");
    const again = await bridge(BRIDGE_QUERY);
    expect(again.cache).toBe("hit");
    expect(again.text).toBe(first.text);
    const executed = await bridge(uncached(BRIDGE_QUERY));
    expect(executed.cache).toBe("miss");
    expect(executed.text).toBe(first.text);
  });

  it("risk: a repeated query is served from the cache, byte for byte the uncached answer", async () => {
    const first = await risk(RISK_QUERY);
    expect(first.body.errors).toBeUndefined();
    const again = await risk(RISK_QUERY);
    expect(again.cache).toBe("hit");
    expect(again.text).toBe(first.text);
    // Whitespace and commas are insignificant in a document without strings: one key.
    const respaced = await risk(RISK_QUERY.replace(/\s+/g, "\n  , "));
    expect(respaced.cache).toBe("hit");
    expect(respaced.text).toBe(first.text);
    const executed = await risk(uncached(RISK_QUERY));
    expect(executed.cache).toBe("miss");
    expect(executed.text).toBe(first.text);
  });

  it("concurrent identical requests share one execution", async () => {
    for (const [path, query] of [
      ["/graphql", uncached(BRIDGE_QUERY)],
      ["/risk/graphql", uncached(RISK_QUERY)],
    ] as const) {
      const answers = await Promise.all(Array.from({ length: 20 }, () => post(path, query)));
      expect(answers.filter((a) => a.cache === "miss")).toHaveLength(1);
      expect(answers.every((a) => a.cache === "miss" || a.cache === "shared" || a.cache === "hit")).toBe(
        true,
      );
      expect(new Set(answers.map((a) => a.text)).size).toBe(1);
    }
  });

  it("a newly indexed block invalidates: the next answer is executed on it", async () => {
    const before = await bridge(BRIDGE_QUERY);
    expect((await bridge(BRIDGE_QUERY)).cache).toBe("hit");
    const riskBefore = await risk(RISK_QUERY);
    expect((await risk(RISK_QUERY)).cache).toBe("hit");

    // Omnichain ordering indexes a block once every chain is past it: let every chain mine again.
    const chain = devnet.chains[1]!;
    const mined = (await chain.client.getBlockNumber()) + 1n;
    for (const c of devnet.chains) await c.test.setIntervalMining({ interval: 1 });
    await eventually(
      status,
      (s) =>
        Object.values(s).some((c) => c.id === chain.deployment.chainId && BigInt(c.block.number) >= mined),
      60_000,
    );
    // /status has the block: the very next bridge answer must be executed on it, never the kept one.
    const after = await bridge(BRIDGE_QUERY);
    expect(after.cache).toBe("miss");
    expect(after.text).not.toBe(before.text);
    expect(metaBlocks(after).some((n) => n >= Number(mined))).toBe(true);

    // The risk provider looks at the indexer's progress at most once a second: the cached document
    // moves to the new snapshot within that, and never goes back.
    const riskAfter = await eventually(
      () => risk(RISK_QUERY),
      (a) =>
        riskBlocks(a).some((b) => b.chainId === chain.deployment.chainId && BigInt(b.blockNumber) >= mined),
      10_000,
    );
    expect(riskAfter.text).not.toBe(riskBefore.text);
    await freezeAtCommonTimestamp(devnet);
  });

  it("a document asked for recently is answered on a new snapshot before it is asked again, as executing it gives", async () => {
    // Asked once: the risk API answers it on each new snapshot for the next 10 s (src/api/risk.ts).
    const before = await risk(RISK_QUERY);
    await settle(await freezeAtCommonTimestamp(devnet));
    // The first request for it on the new snapshot finds the answer ready.
    const warmed = await risk(RISK_QUERY);
    expect(warmed.cache).toBe("hit");
    expect(warmed.text).not.toBe(before.text);
    expect(warmed.text).toBe((await risk(uncached(RISK_QUERY))).text);
  });

  it("alerts follow the clock: a document asking for them is answered anew each second", async () => {
    const query = "{ alerts { kind severity } }";
    const first = await risk(query);
    expect(first.body.errors).toBeUndefined();
    expect((await risk(query)).cache).toBe("hit");
    // In a later second the answer kept for the first one is not served: it is executed on request,
    // or ahead by the API's once-a-second warming (which keys on the second too: test/lib/responseCacheWarm).
    await new Promise((r) => setTimeout(r, 1_100));
    const later = await risk(query);
    expect(["miss", "shared", "hit"]).toContain(later.cache);
    expect(later.text).toBe((await risk(uncached(query))).text);
  });

  it("refusals are unchanged and kept by document; execution errors are not kept", async () => {
    const deep = `{ transfers { items { ${"supply { routes { items { supply { ".repeat(8)} id ${"} } } }".repeat(8)} } } }`;
    const aliased = `{ ${Array.from({ length: 40 }, (_, i) => `a${i}: alerts { kind }`).join(" ")} }`;
    const wide = `{ alerts { ${Array.from({ length: 3000 }, () => "message").join(" ")} } }`;
    for (const [path, query, says] of [
      ["/graphql", deep, /depth limit of 12/],
      ["/risk/graphql", aliased, /aliases; the limit is 20/],
      ["/risk/graphql", wide, /more than 1000 tokens/],
    ] as const) {
      const first = await post(path, query);
      const message = (first.body.errors as { message: string }[] | undefined)?.[0]?.message;
      expect(message).toMatch(says);
      expect(first.body.data ?? null).toBeNull();
      const again = await post(path, query);
      expect(again.cache).toBe("refused");
      expect(again.text).toBe(first.text);
    }
    // Execution errors (an unknown protocol depends on the data; a page too large is checked by the
    // resolver) are executed every time, never kept.
    const unknown = `{ position(protocol: "no-such-protocol", user: "0x${"11".repeat(20)}") { user } }`;
    const huge = "{ positions(first: 1000000) { totalCount } }";
    for (const [query, says] of [
      [unknown, /Unknown protocol/],
      [huge, /first must be between 1 and 100/],
    ] as const) {
      for (let i = 0; i < 2; i++) {
        const answer = await risk(query);
        expect((answer.body.errors as { message: string }[])[0]!.message).toMatch(says);
        expect(answer.cache).toBe("miss");
      }
    }
  });
});
