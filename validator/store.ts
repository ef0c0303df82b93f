import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import type { Hex } from "viem";
import type { SerializedMessage } from "../lib/attestationApi.js";
import { BridgeError } from "../lib/errors.js";

/** One signature this validator produced, as kept on disk and served over HTTP. */
export type SignedAttestation = {
  messageId: Hex;
  message: SerializedMessage;
  epoch: number;
  signer: Hex;
  signature: Hex;
  signedAt: string;
};

/** Raised when asked to sign a second, different message for a (source chain, nonce) already signed. */
export class ConflictingMessageError extends BridgeError {
  constructor(sourceChainId: number, nonce: string, signedId: Hex, requestedId: Hex) {
    super(
      `Refusing to sign: nonce ${nonce} of chain ${sourceChainId} is already signed for another message.`,
      {
        details: `Signed ${signedId}; asked for ${requestedId}. A validator signs one message per (chain, nonce).`,
      },
    );
  }
}

export class StoreCorruptError extends BridgeError {}

/**
 * The validator's memory of what it signed and how far it scanned. Signatures go to an append-only
 * JSON-lines file that is fsynced before a signature is returned, so a crash can lose a signature it
 * never served but never "forget" one it did — which is what makes "one message per (chain, nonce)"
 * survive restarts. Scan cursors are small JSON files replaced atomically (write + rename).
 */
export class ValidatorStore {
  private readonly signaturesPath: string;
  private readonly cursorsPath: string;
  private readonly byId = new Map<Hex, SignedAttestation[]>();
  private readonly byNonce = new Map<string, Hex>();
  private cursors: Record<string, number> = {};
  private fd: number | undefined;

  constructor(readonly directory: string) {
    mkdirSync(directory, { recursive: true });
    this.signaturesPath = join(directory, "signatures.jsonl");
    this.cursorsPath = join(directory, "cursors.json");
    this.load();
    this.fd = openSync(this.signaturesPath, "a");
  }

  private load(): void {
    if (existsSync(this.signaturesPath)) {
      const lines = readFileSync(this.signaturesPath, "utf8").split("\n");
      lines.forEach((line, index) => {
        if (line.trim() === "") return;
        let entry: SignedAttestation;
        try {
          entry = JSON.parse(line) as SignedAttestation;
        } catch (cause) {
          // A torn last line means the process died mid-append, before fsync returned: that signature
          // was never served, so dropping it is safe. A torn line anywhere else is real corruption.
          if (index >= lines.length - 2) return;
          throw new StoreCorruptError(`${this.signaturesPath} line ${index + 1} is not JSON.`, { cause });
        }
        this.remember(entry);
      });
    }
    if (existsSync(this.cursorsPath)) {
      this.cursors = JSON.parse(readFileSync(this.cursorsPath, "utf8")) as Record<string, number>;
    }
  }

  private remember(entry: SignedAttestation): void {
    const list = this.byId.get(entry.messageId) ?? [];
    list.push(entry);
    this.byId.set(entry.messageId, list);
    this.byNonce.set(nonceKey(entry.message.sourceChainId, entry.message.nonce), entry.messageId);
  }

  /** Every attestation for a message, newest epoch last. */
  attestations(messageId: Hex): SignedAttestation[] {
    return this.byId.get(messageId.toLowerCase() as Hex) ?? this.byId.get(messageId) ?? [];
  }

  /** The message id already signed for (chain, nonce), if any. */
  signedIdFor(sourceChainId: number, nonce: string): Hex | undefined {
    return this.byNonce.get(nonceKey(sourceChainId, nonce));
  }

  /**
   * Throws ConflictingMessageError if (chain, nonce) was signed for a different message. Call before
   * producing a signature; `append` checks again so the rule holds whoever calls it.
   */
  assertSignable(message: SerializedMessage, messageId: Hex): void {
    const existing = this.signedIdFor(message.sourceChainId, message.nonce);
    if (existing !== undefined && existing !== messageId) {
      throw new ConflictingMessageError(message.sourceChainId, message.nonce, existing, messageId);
    }
  }

  /** Durably records a signature (fsync) before it may be served. */
  append(entry: SignedAttestation): void {
    this.assertSignable(entry.message, entry.messageId);
    if (this.fd === undefined) throw new BridgeError("The validator store is closed.");
    writeSync(this.fd, `${JSON.stringify(entry)}\n`);
    fsyncSync(this.fd);
    this.remember(entry);
  }

  /**
   * Durably records several signatures with one fsync. All are checked first (against the store and
   * each other), so a conflict writes none of them.
   */
  appendMany(entries: readonly SignedAttestation[]): void {
    const batch = new Map<string, Hex>();
    for (const entry of entries) {
      this.assertSignable(entry.message, entry.messageId);
      const key = nonceKey(entry.message.sourceChainId, entry.message.nonce);
      const other = batch.get(key);
      if (other !== undefined && other !== entry.messageId) {
        throw new ConflictingMessageError(
          entry.message.sourceChainId,
          entry.message.nonce,
          other,
          entry.messageId,
        );
      }
      batch.set(key, entry.messageId);
    }
    if (entries.length === 0) return;
    if (this.fd === undefined) throw new BridgeError("The validator store is closed.");
    writeSync(this.fd, entries.map((entry) => `${JSON.stringify(entry)}\n`).join(""));
    fsyncSync(this.fd);
    for (const entry of entries) this.remember(entry);
  }

  get signedCount(): number {
    return this.byId.size;
  }

  /** Last block of `chainId` whose logs were fully processed, if any. */
  cursor(chainId: number): number | undefined {
    return this.cursors[String(chainId)];
  }

  setCursor(chainId: number, block: number): void {
    this.cursors = { ...this.cursors, [String(chainId)]: block };
    const temporary = `${this.cursorsPath}.tmp`;
    const fd = openSync(temporary, "w");
    writeSync(fd, JSON.stringify(this.cursors));
    fsyncSync(fd);
    closeSync(fd);
    renameSync(temporary, this.cursorsPath);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

function nonceKey(sourceChainId: number, nonce: string): string {
  return `${sourceChainId}:${nonce}`;
}
