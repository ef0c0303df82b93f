import { BridgeError } from "../../lib/errors.js";
import { type IndexerDb, readCheckpoints } from "../../lib/risk/api/provider/indexerRows.js";

/**
 * A response cache for a GraphQL endpoint whose answers change only when new data is indexed: the
 * bridge GraphQL (Ponder's, over the indexed tables: a new indexed block is a new checkpoint) and the
 * risk GraphQL (one analysis per risk snapshot). Answers are kept per data version, keyed by the
 * request's query (whitespace-normalised when that cannot change its meaning), operation name,
 * variables and Accept header, and concurrent identical requests share one execution (single-flight).
 *
 * Correctness rests on the version: `version()` is called after the request arrived and must return
 * the identity of the data an execution started now would read at least (the indexed checkpoints, the
 * risk snapshot object). An answer is stored under the version read before its execution began, so it
 * is never older than that version; a request that finds a newer version finds no entry and executes.
 *
 * What is not kept: answers with GraphQL errors or a non-200 status, except refusals (a document the
 * GraphQL layer rejected while parsing or validating, which does not depend on the data; kept by
 * document alone, see {@link isRefusal}), so a repeated hostile query is refused from memory before any
 * work, even before `version()`; the first time, it is refused by the GraphQL layer as without the
 * cache (after one shared read of the version). Bodies above `maxBodyBytes` and entries beyond `maxEntries` per
 * version are not kept (a flood of distinct queries is executed as if there were no cache).
 */

export type CachedAnswer = {
  status: number;
  headers: [string, string][];
  body: string;
};

export type ResponseCacheOutcome = "hit" | "miss" | "shared" | "bypass" | "refused";

export type ResponseCacheParameters<V> = {
  /**
   * The data version an execution started now would see at least. Compared with ===, so return the
   * same string/object while nothing changed.
   */
  version: () => Promise<V>;
  /**
   * Extra key part for a document whose answer also depends on the clock (the risk API's alerts carry
   * data ages): e.g. the current second. Default: none.
   */
  clockKey?: (query: string) => string;
  /** Entries kept per version. Default 1000. */
  maxEntries?: number;
  /** Largest body kept. Default 1 MB. */
  maxBodyBytes?: number;
  /** Largest request body looked at; larger ones go straight to the handler. Default 64 KB. */
  maxRequestBytes?: number;
  /** Replaced versions remembered (so they are never used again). Default 1024. */
  maxRetired?: number;
  /** Documents whose refusal is kept. Default 1000. */
  maxRefusals?: number;
  /**
   * Remember the documents answered from the cache or kept in it, so {@link ResponseCache.warm} can
   * execute them again on a new version before anyone asks: those asked for within `windowMs`, at most
   * `maxDocuments` (the most recently asked). Default: none remembered, `warm` does nothing.
   */
  warm?: { windowMs: number; maxDocuments: number };
};

/** Outcomes of requests, and `warmed`: answers computed by {@link ResponseCache.warm}. */
export type ResponseCacheStats = Record<ResponseCacheOutcome | "warmed", number>;

export type ResponseCache<V> = {
  /**
   * Answers `request` from the cache or through `execute` (called with an equivalent request, at most
   * once per key and version at a time, with the version the answer is kept under). Sets `x-cache` on the response: hit, shared (waited on a
   * concurrent identical request), miss, refused (a refusal kept from before) or bypass.
   */
  handle(
    request: Request,
    execute: (request: Request, version?: V) => Response | Promise<Response>,
  ): Promise<Response>;
  /**
   * Executes the remembered documents (see `warm` in the parameters) on `version`, one at a time, each
   * only if it has no answer under `version` yet, and keeps their answers as if requested: a request
   * then finds them ready. Call it once `version()` returns `version`; it stops when a newer version
   * is seen. Documents with a clock key are answered under the current clock key (good for the rest of
   * that second): call `warm` again when the clock key changes (the risk API does, every second while
   * it is in use) and only those are executed again. Never rejects (a failed execution is simply not
   * kept).
   */
  warm(version: V, execute: (request: Request, version: V) => Response | Promise<Response>): Promise<void>;
  stats(): ResponseCacheStats;
};

type Parsed = { key: string; query: string };
/** A request remembered for warming: enough to build it again. */
type Remembered = { url: string; headers: [string, string][]; text: string; query: string; askedAt: number };
type Entry = { running: Promise<CachedAnswer>; answer?: CachedAnswer };

/**
 * `query` with runs of whitespace and commas (both insignificant in GraphQL) collapsed, when it has no
 * string literal or comment in which they would be significant; otherwise unchanged.
 */
export function normalizeQuery(query: string): string {
  if (/["#]/.test(query)) return query;
  return query
    .replace(/[\s,]+/g, " ")
    .replace(/ ?([{}():!=@$[\]]) ?/g, "$1")
    .trim();
}

/** JSON with object keys sorted, so `{a, b}` and `{b, a}` variables give one key. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/**
 * True for a refusal: errors and no `data` entry at all, which the GraphQL spec reserves for errors
 * raised before execution began (parsing, validation, our depth/alias/token/cost limits); an execution
 * error carries `data` (possibly null). A refusal depends on the document alone, so it is kept by
 * document. Yoga answers refusals with 400 (200 under Ponder, which rewrites the status); a 5xx is
 * never kept.
 */
export function isRefusal(status: number, body: string): boolean {
  if (status !== 200 && status !== 400) return false;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return false;
  }
  if (parsed === null || typeof parsed !== "object" || "data" in parsed) return false;
  const errors = (parsed as { errors?: unknown }).errors;
  return Array.isArray(errors) && errors.length > 0;
}

const hasErrors = (body: string) => body.includes('"errors"');

class Lru<K, V> {
  readonly #map = new Map<K, V>();
  constructor(readonly max: number) {}
  /** Least recently used first. */
  entries(): IterableIterator<[K, V]> {
    return this.#map.entries();
  }
  get(key: K): V | undefined {
    const value = this.#map.get(key);
    if (value !== undefined) {
      this.#map.delete(key);
      this.#map.set(key, value);
    }
    return value;
  }
  set(key: K, value: V): void {
    this.#map.delete(key);
    this.#map.set(key, value);
    while (this.#map.size > this.max) this.#map.delete(this.#map.keys().next().value as K);
  }
}

function toResponse(answer: CachedAnswer, outcome: ResponseCacheOutcome): Response {
  const headers = new Headers(answer.headers);
  headers.set("x-cache", outcome);
  return new Response(answer.body, { status: answer.status, headers });
}

async function capture(response: Response): Promise<CachedAnswer> {
  const headers: [string, string][] = [];
  response.headers.forEach((value, name) => {
    // Recomputed by the server for each response built from the answer.
    if (name !== "content-length" && name !== "x-cache") headers.push([name, value]);
  });
  return { status: response.status, headers, body: await response.text() };
}

export function createResponseCache<V>(params: ResponseCacheParameters<V>): ResponseCache<V> {
  const maxEntries = params.maxEntries ?? 1000;
  const maxBodyBytes = params.maxBodyBytes ?? 1_000_000;
  const maxRequestBytes = params.maxRequestBytes ?? 64 * 1024;
  /**
   * Answers of the newest version seen (key -> the answer once known, and the execution giving it).
   * A version that was once newest and then replaced is never used again: a request still carrying it
   * (it read the version just before the change) is executed without the cache, and a checkpoint that
   * comes back after a reorg cannot revive answers computed before the rollback.
   */
  let current: { version: V; entries: Map<string, Entry> } | undefined;
  const retired = new Lru<V, true>(params.maxRetired ?? 1024);
  const refusals = new Lru<string, CachedAnswer>(params.maxRefusals ?? 1000);
  const counts: ResponseCacheStats = { hit: 0, miss: 0, shared: 0, bypass: 0, refused: 0, warmed: 0 };

  const entriesOf = (version: V): Map<string, Entry> | undefined => {
    if (current?.version === version) return current.entries;
    if (retired.get(version)) return undefined;
    if (current) retired.set(current.version, true);
    current = { version, entries: new Map() };
    return current.entries;
  };

  const parse = (request: Request, text: string): Parsed | undefined => {
    let body: { query?: unknown; variables?: unknown; operationName?: unknown; extensions?: unknown };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      return undefined;
    }
    if (body === null || typeof body !== "object" || typeof body.query !== "string") return undefined;
    // Extensions (persisted queries and the like) are not looked at: leave such requests alone.
    if (body.extensions !== undefined) return undefined;
    const query = normalizeQuery(body.query);
    return {
      query,
      key: stableJson([
        query,
        body.operationName ?? null,
        body.variables ?? null,
        request.headers.get("accept") ?? "",
      ]),
    };
  };

  /**
   * Executes `request` on `version` and keeps a clean answer under `key` (shared with concurrent
   * identical requests meanwhile); a refusal is kept by document (`documentKey`).
   */
  const executeInto = async (
    entries: Map<string, Entry>,
    key: string,
    documentKey: string,
    request: Request,
    version: V,
    execute: (request: Request, version: V) => Response | Promise<Response>,
  ): Promise<CachedAnswer> => {
    const running = Promise.resolve(execute(request, version)).then(capture);
    // Beyond maxEntries a new document is executed without being kept or shared.
    const entry: Entry | undefined = entries.size < maxEntries ? { running } : undefined;
    if (entry) entries.set(key, entry);
    const drop = () => {
      if (entry && entries.get(key) === entry) entries.delete(key);
    };
    let answer: CachedAnswer;
    try {
      answer = await running;
    } catch (error) {
      drop();
      throw error;
    }
    if (answer.status !== 200 || hasErrors(answer.body) || answer.body.length > maxBodyBytes) {
      drop();
      if (isRefusal(answer.status, answer.body) && answer.body.length <= maxBodyBytes)
        refusals.set(documentKey, answer);
    } else if (entry) {
      entry.answer = answer;
    }
    return answer;
  };

  /** An answer's key under a version: the document's, after the clock part when there is one. */
  const entryKey = (query: string, documentKey: string) =>
    params.clockKey ? `${params.clockKey(query)}|${documentKey}` : documentKey;

  const remembered = new Lru<string, Remembered>(params.warm?.maxDocuments ?? 0);
  const remember = (request: Request, text: string, parsed: Parsed) => {
    if (!params.warm) return;
    // The headers an answer can depend on here (the key has Accept); nothing else is kept.
    const headers: [string, string][] = [];
    for (const name of ["content-type", "accept"]) {
      const value = request.headers.get(name);
      if (value !== null) headers.push([name, value]);
    }
    remembered.set(parsed.key, { url: request.url, headers, text, query: parsed.query, askedAt: Date.now() });
  };

  return {
    stats: () => ({ ...counts }),
    async warm(version, execute) {
      if (!params.warm) return;
      // Only the newest version: an older one must not displace the one requests already use. A
      // version that cannot be read now is no reason to warm (nor to reject: callers do not wait).
      const newest = await params.version().catch(() => undefined);
      if (newest !== version) return;
      const since = Date.now() - params.warm.windowMs;
      const documents = [...remembered.entries()].filter(([, d]) => d.askedAt >= since).reverse();
      for (const [documentKey, d] of documents) {
        const entries = entriesOf(version);
        if (!entries) return;
        const key = entryKey(d.query, documentKey);
        if (entries.has(key)) continue;
        const request = new Request(d.url, { method: "POST", headers: d.headers, body: d.text });
        try {
          await executeInto(entries, key, documentKey, request, version, execute);
          counts.warmed++;
        } catch {
          // Not kept: the request that asks for it executes it, as without warming.
        }
        // One document per turn of the event loop: requests and indexing are not held up by the rest.
        await new Promise((resolve) => setImmediate(resolve));
      }
    },
    async handle(request, execute) {
      const length = Number(request.headers.get("content-length") ?? Number.NaN);
      const contentType = request.headers.get("content-type") ?? "";
      if (
        request.method !== "POST" ||
        !contentType.includes("application/json") ||
        !(length <= maxRequestBytes)
      ) {
        counts.bypass++;
        const response = await execute(request);
        return withOutcome(response, "bypass");
      }
      const text = await request.text();
      const again = () =>
        new Request(request.url, {
          method: "POST",
          headers: request.headers,
          body: text,
          signal: request.signal,
        });
      const parsed = parse(request, text);
      if (!parsed) {
        counts.bypass++;
        return withOutcome(await execute(again()), "bypass");
      }
      const refused = refusals.get(parsed.key);
      if (refused) {
        counts.refused++;
        return toResponse(refused, "refused");
      }
      const version = await params.version();
      const key = entryKey(parsed.query, parsed.key);
      const entries = entriesOf(version);
      if (!entries) {
        counts.bypass++;
        return withOutcome(await execute(again()), "bypass");
      }
      const existing = entries.get(key);
      if (existing?.answer) {
        counts.hit++;
        remember(request, text, parsed);
        return toResponse(existing.answer, "hit");
      }
      if (existing) {
        counts.shared++;
        try {
          const answer = await existing.running;
          remember(request, text, parsed);
          return toResponse(answer, "shared");
        } catch {
          // The shared execution failed: this request runs its own, as without the cache.
          counts.bypass++;
          return withOutcome(await execute(again()), "bypass");
        }
      }
      counts.miss++;
      const answer = await executeInto(entries, key, parsed.key, again(), version, execute);
      if (answer.status === 200 && !hasErrors(answer.body)) remember(request, text, parsed);
      return toResponse(answer, "miss");
    },
  };
}

function withOutcome(response: Response, outcome: ResponseCacheOutcome): Response {
  const headers = new Headers(response.headers);
  headers.set("x-cache", outcome);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

/**
 * `read` shared by concurrent callers without ever handing a caller a result read before it called:
 * a caller arriving while a read is under way waits for the next one, which starts when that one ends
 * (all such callers share it). So at most one read runs and one waits, however many callers there are.
 *
 * @example
 * const version = freshReads(() => readCheckpointFingerprint(db));
 */
export function freshReads<T>(read: () => Promise<T>): () => Promise<T> {
  let running: Promise<T> | undefined;
  let queued: Promise<T> | undefined;
  const start = (): Promise<T> => {
    const started: Promise<T> = read().finally(() => {
      if (running === started) running = undefined;
    });
    running = started;
    return started;
  };
  return () => {
    if (!running) return start();
    queued ??= running
      .then(
        () => {},
        () => {},
      )
      .then(() => {
        queued = undefined;
        return running ?? start();
      });
    return queued;
  };
}

/**
 * The bridge GraphQL's data version: Ponder's latest checkpoint per chain, read fresh for every request
 * batch ({@link freshReads}). Ponder writes a block's rows and its checkpoint in one transaction, so a
 * changed row comes with a changed checkpoint (but see docs/benchmarks.md on reorgs).
 */
export function indexedCheckpointVersion(db: IndexerDb): () => Promise<string> {
  return freshReads(async () =>
    (await readCheckpoints(db))
      .map((c) => `${c.chainId}:${c.latestCheckpoint}`)
      .sort()
      .join(","),
  );
}

/** INDEXER_API_CACHE is neither "on" nor "off". */
export class ApiCacheConfigError extends BridgeError {}

/**
 * INDEXER_API_CACHE: "on" (default) keeps the bridge and risk GraphQL answers per indexed block; "off"
 * executes every request (for comparisons: bench/api-load.ts, the cache tests).
 */
export function apiCacheEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env.INDEXER_API_CACHE ?? "on";
  if (value !== "on" && value !== "off")
    throw new ApiCacheConfigError(`INDEXER_API_CACHE must be "on" or "off", not "${value}".`);
  return value === "on";
}
