import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** The ways a public RPC endpoint misbehaves that the services must ride through. */
export const rpcFaults = ["drop", "status5xx", "delay", "truncate"] as const;
export type RpcFault = (typeof rpcFaults)[number];

export type LossyRpcOptions = {
  /** Share of requests that get a fault, in [0, 1]. */
  share: number;
  /** Which faults to draw from, uniformly (default: all four). */
  faults?: readonly RpcFault[];
  /** How long a delayed request waits before it is forwarded (default 800 ms). */
  delayMs?: number;
  /**
   * JSON-RPC methods answered as a node without them answers (-32601, "method not found"), as public
   * endpoints do for eth_simulateV1. Always, whatever `share` says.
   */
  refuseMethods?: readonly string[];
};

export type LossyRpc = {
  url: string;
  /** Requests seen, faults injected and methods refused so far, per kind. */
  counts(): { requests: number; refused: number } & Record<RpcFault, number>;
  /** Changes the share of faulty requests from now on (0 turns the proxy into a plain forwarder). */
  setShare(share: number): void;
  close(): Promise<void>;
};

/**
 * A JSON-RPC proxy on 127.0.0.1 in front of `target` that, for `share` of the requests, drops the
 * connection without an answer, answers 503, forwards after a delay, or forwards and then cuts the
 * answer in half (a body that does not parse). The rest pass unchanged.
 */
export async function startLossyRpc(target: string, options: LossyRpcOptions): Promise<LossyRpc> {
  const faults = options.faults ?? rpcFaults;
  const delayMs = options.delayMs ?? 800;
  let share = options.share;
  const counts = { requests: 0, refused: 0, drop: 0, status5xx: 0, delay: 0, truncate: 0 };
  const refused = new Set(options.refuseMethods ?? []);
  const server: Server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    counts.requests++;
    if (refused.size > 0) {
      const call = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { id?: unknown; method?: string };
      // Batches are forwarded whole: the services here send single calls.
      if (!Array.isArray(call) && call.method && refused.has(call.method)) {
        counts.refused++;
        response.writeHead(200, { "content-type": "application/json" });
        response.end(
          JSON.stringify({
            jsonrpc: "2.0",
            id: call.id ?? null,
            error: { code: -32601, message: `the method ${call.method} does not exist/is not available` },
          }),
        );
        return;
      }
    }
    const fault = Math.random() < share ? faults[Math.floor(Math.random() * faults.length)] : undefined;
    if (fault) counts[fault]++;
    if (fault === "drop") {
      request.socket.destroy();
      return;
    }
    if (fault === "status5xx") {
      response.writeHead(503, { "content-type": "text/plain" });
      response.end("upstream overloaded");
      return;
    }
    if (fault === "delay") await new Promise((resolve) => setTimeout(resolve, delayMs));
    try {
      const upstream = await fetch(target, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: Buffer.concat(chunks),
      });
      const text = await upstream.text();
      const body = fault === "truncate" ? text.slice(0, Math.floor(text.length / 2)) : text;
      response.writeHead(upstream.status, { "content-type": "application/json" });
      response.end(body);
    } catch {
      response.writeHead(502);
      response.end();
    }
  });
  // Keep-alive sockets of killed clients would otherwise hold close() open.
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    counts: () => ({ ...counts }),
    setShare: (value) => {
      share = value;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
