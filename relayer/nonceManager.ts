import { randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import type { Address, PublicClient } from "viem";
import { BridgeError } from "../lib/errors.js";

export class NonceLockTimeoutError extends BridgeError {}

const RELEASE_SCRIPT = `if redis.call("get", KEYS[1]) == ARGV[1] then return redis.call("del", KEYS[1]) else return 0 end`;

/**
 * Hands out transaction nonces for one (chain, sender). Within a process, sends are serialized by a
 * promise chain; across relayer processes that share a key, by a Redis lock around "read the pending
 * nonce, sign, broadcast". The node's pending count is read under the lock, so a crashed relayer's
 * broadcast transactions are counted and no two relayers ever sign the same nonce.
 */
export class NonceManager {
  private tail: Promise<unknown> = Promise.resolve();
  private readonly key: string;

  constructor(
    private readonly parameters: {
      redis: Redis;
      prefix: string;
      chainId: number;
      address: Address;
      client: PublicClient;
    },
  ) {
    this.key = `${parameters.prefix}:nonce-lock:${parameters.chainId}:${parameters.address.toLowerCase()}`;
  }

  /** Runs `send` with the next nonce while holding the lock; `send` must broadcast before returning. */
  withNonce<T>(send: (nonce: number) => Promise<T>): Promise<T> {
    const run = this.tail.then(
      () => this.locked(send),
      () => this.locked(send),
    );
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async locked<T>(send: (nonce: number) => Promise<T>): Promise<T> {
    const token = randomUUID();
    const deadline = Date.now() + 30_000;
    while ((await this.parameters.redis.set(this.key, token, "PX", 15_000, "NX")) !== "OK") {
      if (Date.now() > deadline) {
        throw new NonceLockTimeoutError(
          `Could not lock the nonce of ${this.parameters.address} on chain ${this.parameters.chainId}.`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 30));
    }
    try {
      const nonce = await this.parameters.client.getTransactionCount({
        address: this.parameters.address,
        blockTag: "pending",
      });
      return await send(nonce);
    } finally {
      await this.parameters.redis.eval(RELEASE_SCRIPT, 1, this.key, token).catch(() => undefined);
    }
  }
}
