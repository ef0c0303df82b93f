import { describe, expect, it } from "vitest";
import { logger } from "../../lib/logger.js";
import { createServiceApp, serve } from "../../lib/service/http.js";
import { jsonResponse, toJson } from "../../lib/service/json.js";
import { createScheduler, nextDelayMs } from "../../lib/service/scheduler.js";

const quiet = logger.child({}, { level: "silent" });

describe("loop scheduler", () => {
  it("waits the interval, doubles it per consecutive failure up to the cap, and spreads it by the jitter", () => {
    const options = { name: "x", intervalMs: 100, maxBackoffMs: 500 };
    expect([0, 1, 2, 3, 9].map((failures) => nextDelayMs(options, failures))).toEqual([
      100, 200, 400, 500, 500,
    ]);
    const jittered = { ...options, jitter: 0.25 };
    expect(nextDelayMs(jittered, 0, () => 0)).toBe(75);
    expect(nextDelayMs(jittered, 0, () => 1)).toBe(125);
  });

  it("runs steps back to back while they report more work, recovers after errors, and stop wakes a sleeper", async () => {
    const scheduler = createScheduler();
    const calls: number[] = [];
    const errors: number[] = [];
    let n = 0;
    scheduler.every(
      { name: "t", intervalMs: 60_000, onError: (_e, failures) => errors.push(failures) },
      async () => {
        n++;
        calls.push(n);
        if (n === 2) throw new Error("boom");
        return n < 2;
      },
    );
    // Step 1 asks for more, step 2 fails and the loop goes to sleep for minutes: stop must not wait.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await scheduler.stop();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(calls).toEqual([1, 2]);
    expect(errors).toEqual([1]);
    expect(() => scheduler.every({ name: "late", intervalMs: 1 }, async () => undefined)).toThrow(/stopped/);
  });
});

describe("JSON and HTTP edge", () => {
  it("writes bigints as decimal strings", async () => {
    expect(toJson({ amount: 10n ** 20n, nested: [1n] })).toBe(
      '{"amount":"100000000000000000000","nested":["1"]}',
    );
    const response = jsonResponse({ block: 7n }, 201);
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ block: "7" });
  });

  it("answers /health, a JSON 404, and client errors as 4xx without logging them", async () => {
    class BadInput extends Error {}
    const app = createServiceApp({
      log: quiet,
      health: () => ({ healthy: false, body: { status: "degraded" } }),
      clientErrorStatus: (error) => (error instanceof BadInput ? 400 : undefined),
    });
    app.get("/bad", () => {
      throw new BadInput("wrong input");
    });
    app.get("/broken", () => {
      throw new Error("bug");
    });
    const server = await serve({ app, host: "127.0.0.1", port: 0 });
    try {
      const get = async (path: string) => {
        const response = await fetch(`${server.url}${path}`);
        return [response.status, await response.json()];
      };
      expect(await get("/health")).toEqual([503, { status: "degraded" }]);
      expect(await get("/nope")).toEqual([404, { error: "not found" }]);
      expect(await get("/bad")).toEqual([400, { error: "wrong input" }]);
      expect(await get("/broken")).toEqual([500, { error: "bug" }]);
    } finally {
      await server.close();
    }
  });
});
