import { stringify } from "viem";

/**
 * The one JSON encoding for values that may hold bigints (amounts, nonces, block numbers): bigints
 * become decimal strings, as viem writes them. Every HTTP body and printed document goes through it.
 *
 * @example
 * toJson({ amount: 10n ** 18n }); // '{"amount":"1000000000000000000"}'
 */
export function toJson(value: unknown, space?: number): string {
  return stringify(value, undefined, space);
}

/**
 * A JSON response whose body is `toJson(body)`; Hono's `c.json` would throw on a bigint.
 *
 * @example
 * app.get("/x", () => jsonResponse({ block: 12n }));
 */
export function jsonResponse(body: unknown, status = 200): Response {
  return new Response(toJson(body), { status, headers: { "content-type": "application/json" } });
}
