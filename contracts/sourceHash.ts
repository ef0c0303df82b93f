import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

/** Every .sol file under `dir`, sorted so the hash does not depend on directory order. */
export function listSolidityFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...listSolidityFiles(path));
    else if (entry.name.endsWith(".sol")) found.push(path);
  }
  return found.sort();
}

/** sha256 over the relative path and content of every Solidity source: what the artifacts were built from. */
export function hashSources(dir: string): string {
  const hash = createHash("sha256");
  for (const file of listSolidityFiles(dir)) {
    hash.update(relative(dir, file));
    hash.update("\0");
    hash.update(readFileSync(file));
    hash.update("\0");
  }
  return hash.digest("hex");
}
