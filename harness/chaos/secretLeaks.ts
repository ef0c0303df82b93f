import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Hex } from "viem";

export type SecretLeak = { file: string; keyIndex: number; form: "0x" | "bare" };

/**
 * Greps every file in `logDir` for each private key, raw hex with and without its 0x prefix (any case).
 * A key is reported by its index in `keys`, never by its value.
 */
export function findSecretLeaks(logDir: string, keys: readonly Hex[]): SecretLeak[] {
  const leaks: SecretLeak[] = [];
  for (const file of readdirSync(logDir)) {
    const text = readFileSync(join(logDir, file), "utf8").toLowerCase();
    for (const [keyIndex, key] of keys.entries()) {
      const bare = key.toLowerCase().replace(/^0x/, "");
      if (text.includes(`0x${bare}`)) leaks.push({ file, keyIndex, form: "0x" });
      else if (text.includes(bare)) leaks.push({ file, keyIndex, form: "bare" });
    }
  }
  return leaks;
}
