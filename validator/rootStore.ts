import { closeSync, existsSync, fsyncSync, openSync, readFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { Hex } from "viem";
import { BridgeError } from "../lib/errors.js";
import type { SignedRootAttestation } from "../lib/rootApi.js";
import { StoreCorruptError } from "./store.js";

/** Raised when asked to sign a second, different root for a route's source block or nonce. */
export class ConflictingRootError extends BridgeError {}

/**
 * The root attestations this validator signed, in an append-only JSON-lines file fsynced before a
 * signature is served (the same rule as signatures.jsonl): after a restart the validator serves the
 * same roots and still refuses a different root for a (route, source block) or a nonce it covered.
 */
export class RootStore {
  private readonly path: string;
  private readonly byMessage = new Map<Hex, SignedRootAttestation[]>();
  private readonly byBlock = new Map<string, Hex>();
  private readonly byNonce = new Map<string, Hex>();
  private fd: number | undefined;

  constructor(directory: string) {
    this.path = join(directory, "roots.jsonl");
    if (existsSync(this.path)) {
      const lines = readFileSync(this.path, "utf8").split("\n");
      lines.forEach((line, index) => {
        if (line.trim() === "") return;
        try {
          this.remember(JSON.parse(line) as SignedRootAttestation);
        } catch (cause) {
          // A torn last line was never fsynced, so never served: dropping it is safe.
          if (index >= lines.length - 2) return;
          throw new StoreCorruptError(`${this.path} line ${index + 1} is not JSON.`, { cause });
        }
      });
    }
    this.fd = openSync(this.path, "a");
  }

  private remember(entry: SignedRootAttestation): void {
    for (const id of entry.messageIds) {
      const key = id.toLowerCase() as Hex;
      this.byMessage.set(key, [...(this.byMessage.get(key) ?? []), entry]);
    }
    this.byBlock.set(blockKey(entry), entry.root.toLowerCase() as Hex);
    for (const nonce of nonceRange(entry))
      this.byNonce.set(nonceKey(entry, nonce), entry.root.toLowerCase() as Hex);
  }

  /** Every root attestation covering message `id`, newest last. */
  forMessage(id: Hex): SignedRootAttestation[] {
    return this.byMessage.get(id.toLowerCase() as Hex) ?? [];
  }

  /** The entry signed for this route's source block under `epoch`, if any. */
  signed(
    entry: Pick<SignedRootAttestation, "messageIds" | "epoch" | "root">,
  ): SignedRootAttestation | undefined {
    return this.forMessage(entry.messageIds[0] as Hex).find(
      (e) => e.epoch === entry.epoch && e.root.toLowerCase() === entry.root.toLowerCase(),
    );
  }

  /** Throws ConflictingRootError when `entry` contradicts a root signed before. */
  assertSignable(entry: SignedRootAttestation): void {
    const root = entry.root.toLowerCase();
    const sameBlock = this.byBlock.get(blockKey(entry));
    if (sameBlock !== undefined && sameBlock !== root) {
      throw new ConflictingRootError(
        `Refusing to sign root ${root}: block ${entry.sourceBlock} of chain ${entry.sourceChainId} toward ${entry.destinationChainId} already has root ${sameBlock}.`,
      );
    }
    for (const nonce of nonceRange(entry)) {
      const other = this.byNonce.get(nonceKey(entry, nonce));
      if (other !== undefined && other !== root) {
        throw new ConflictingRootError(
          `Refusing to sign root ${root}: nonce ${nonce} is under root ${other}.`,
        );
      }
    }
  }

  /** Durably records root attestations (one fsync) after checking every one of them. */
  appendMany(entries: readonly SignedRootAttestation[]): void {
    for (const entry of entries) this.assertSignable(entry);
    if (entries.length === 0) return;
    if (this.fd === undefined) throw new BridgeError("The validator's root store is closed.");
    writeSync(this.fd, entries.map((entry) => `${JSON.stringify(entry)}\n`).join(""));
    fsyncSync(this.fd);
    for (const entry of entries) this.remember(entry);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

function blockKey(entry: SignedRootAttestation): string {
  return `${entry.sourceChainId}:${entry.destinationChainId}:${entry.sourceBlock}`;
}

function nonceKey(entry: SignedRootAttestation, nonce: bigint): string {
  return `${entry.sourceChainId}:${entry.destinationChainId}:${nonce}`;
}

function* nonceRange(entry: SignedRootAttestation): Generator<bigint> {
  for (let n = BigInt(entry.firstNonce); n <= BigInt(entry.lastNonce); n++) yield n;
}
