/**
 * Writes the key files docker-compose.yml mounts as secrets (./secrets/*.key, mode 600): one per
 * validator and one per relayer, from the anvil development accounts the devnet uses (validators 5..9,
 * relayers 1 and 10). For any other network, put your own keys in those files instead; an existing file
 * is never overwritten. Prints file names and addresses, never a key.
 *
 *   npm run compose:secrets
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Hex } from "viem";
import { privateKeyToAddress } from "viem/accounts";
import { devnetKeys } from "../lib/devnet/accounts.js";
import { composeSecretFiles } from "./src/compose.js";

/** The devnet key of each compose secret (by secret name). */
export function devnetSecretKeys(): Record<string, Hex> {
  const keys: Record<string, Hex> = {};
  devnetKeys.validators.forEach((key, i) => {
    keys[`validator_${i + 1}_key`] = key;
  });
  keys.relayer_1_key = devnetKeys.relayer;
  keys.relayer_2_key = devnetKeys.relayer2;
  return keys;
}

/** Writes the missing secret files under `root`; returns what it did per file. */
export function writeComposeSecrets(root: string): { file: string; address: string; written: boolean }[] {
  const keys = devnetSecretKeys();
  return Object.entries(composeSecretFiles()).map(([name, relative]) => {
    const key = keys[name];
    if (!key) throw new Error(`no devnet key for compose secret ${name}`);
    const file = join(root, relative);
    const address = privateKeyToAddress(key);
    if (existsSync(file)) return { file: relative, address, written: false };
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, `${key}\n`, { mode: 0o600 });
    return { file: relative, address, written: true };
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  for (const r of writeComposeSecrets(resolve(".")))
    console.log(`${r.file}  ${r.written ? "written" : "kept (exists)"}  account ${r.address}`);
}
