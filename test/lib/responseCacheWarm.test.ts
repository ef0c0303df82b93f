import { describe, expect, it } from "vitest";
import { createResponseCache } from "../../src/api/responseCache.js";

/**
 * Warming the response cache (src/api/responseCache.ts): documents asked for recently are executed on
 * a new version before anyone asks, and a request then gets exactly the answer it would have been
 * executed to. The "server" answers with the version and the document, so any answer computed on the
 * wrong version shows.
 */

type Version = { n: number };

function server() {
  let version: Version = { n: 1 };
  const executed: string[] = [];
  const execute = async (request: Request, v?: Version) => {
    const body = (await request.json()) as { query: string; variables?: unknown };
    executed.push(`${v?.n}:${body.query}`);
    if (body.query.includes("broken")) return Response.json({ data: null, errors: [{ message: "x" }] });
    return Response.json({ data: { version: v?.n, query: body.query, variables: body.variables ?? null } });
  };
  return {
    execute,
    executed,
    version: async () => version,
    next: () => {
      version = { n: version.n + 1 };
      return version;
    },
  };
}

/** As the HTTP server hands requests over: with a content-length (the cache looks only at short ones). */
const post = (query: string, variables?: unknown) => {
  const body = JSON.stringify({ query, variables });
  return new Request("http://x/risk/graphql", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json",
      "content-length": String(Buffer.byteLength(body)),
    },
    body,
  });
};

describe("response cache warming", () => {
  it("answers recent documents on the new version ahead of requests, identical to executing them", async () => {
    const s = server();
    // As the risk API's: documents asking for alerts also key on the second.
    const cache = createResponseCache<Version>({
      version: s.version,
      clockKey: (query) => (query.includes("alerts") ? String(Math.floor(Date.now() / 1000)) : ""),
      warm: { windowMs: 60_000, maxDocuments: 10 },
    });
    // Its answer is good for the current second: warmed under that second's key.
    await cache.handle(post("{ alerts }"), s.execute);
    const documents = [
      ["{ a }", undefined],
      ["query($p: String!) { b(p: $p) }", { p: "aave" }],
    ] as const;
    for (const [q, v] of documents) await cache.handle(post(q, v), s.execute);
    const v2 = s.next();
    // Not across a second boundary: the alerts answer is kept under the second it was computed in.
    while (Date.now() % 1000 > 800) await new Promise((resolve) => setTimeout(resolve, 50));
    await cache.warm(v2, s.execute);
    expect(cache.stats().warmed).toBe(3);
    // Most recently asked first.
    expect(s.executed.filter((e) => e.startsWith("2:"))).toEqual([
      "2:query($p: String!) { b(p: $p) }",
      "2:{ a }",
      "2:{ alerts }",
    ]);
    expect((await cache.handle(post("{ alerts }"), s.execute)).headers.get("x-cache")).toBe("hit");
    for (const [q, v] of documents) {
      const cached = await cache.handle(post(q, v), s.execute);
      expect(cached.headers.get("x-cache")).toBe("hit");
      const fresh = await s.execute(post(q, v), v2);
      expect(await cached.text()).toBe(await fresh.text());
    }
    // Warming again within the second finds them answered: nothing executed twice on one version.
    while (Date.now() % 1000 > 800) await new Promise((resolve) => setTimeout(resolve, 50));
    const second = Math.floor(Date.now() / 1000);
    let before = s.executed.length;
    await cache.warm(v2, s.execute);
    expect(s.executed.length).toBe(before);
    // In the next second only the clock-keyed document is executed again.
    while (Math.floor(Date.now() / 1000) === second) await new Promise((resolve) => setTimeout(resolve, 20));
    before = s.executed.length;
    await cache.warm(v2, s.execute);
    expect(s.executed.slice(before)).toEqual(["2:{ alerts }"]);
  });

  it("does nothing for a version that is not the newest, nor without the warm option", async () => {
    const s = server();
    const cache = createResponseCache<Version>({
      version: s.version,
      warm: { windowMs: 60_000, maxDocuments: 10 },
    });
    await cache.handle(post("{ a }"), s.execute);
    const stale = s.next();
    s.next();
    await cache.warm(stale, s.execute);
    expect(cache.stats().warmed).toBe(0);

    const plain = createResponseCache<Version>({ version: s.version });
    await plain.handle(post("{ a }"), s.execute);
    await plain.warm(s.next(), s.execute);
    expect(plain.stats().warmed).toBe(0);
  });

  it("leaves out documents not asked for within the window and answers with errors", async () => {
    const s = server();
    const cache = createResponseCache<Version>({
      version: s.version,
      warm: { windowMs: 0, maxDocuments: 10 },
    });
    await cache.handle(post("{ a }"), s.execute);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await cache.warm(s.next(), s.execute);
    expect(cache.stats().warmed).toBe(0);

    const errors = createResponseCache<Version>({
      version: s.version,
      warm: { windowMs: 60_000, maxDocuments: 10 },
    });
    await errors.handle(post("{ broken }"), s.execute);
    const v = s.next();
    await errors.warm(v, s.execute);
    expect(errors.stats().warmed).toBe(0);
    const again = await errors.handle(post("{ broken }"), s.execute);
    expect(again.headers.get("x-cache")).toBe("miss");
  });
});
