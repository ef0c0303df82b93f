import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { ConfigError, parseEnv, privateKey, readFileSecrets } from "../../lib/env.js";

const dir = mkdtempSync(join(tmpdir(), "env-secrets-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const KEY = `0x${"ab".repeat(32)}`;
const schema = z.object({ RELAYER_PRIVATE_KEY: privateKey, REDIS_URL: z.string().url("must be a URL") });

describe("secrets from files (NAME_FILE)", () => {
  it("reads the value from the file, trimmed, and leaves the input untouched", () => {
    const file = join(dir, "relayer.key");
    writeFileSync(file, `${KEY}\n`);
    const input = { RELAYER_PRIVATE_KEY_FILE: file };
    const { env, problems } = readFileSecrets(input, ["RELAYER_PRIVATE_KEY"]);
    expect(problems).toEqual([]);
    expect(env.RELAYER_PRIVATE_KEY).toBe(KEY);
    expect(input).toEqual({ RELAYER_PRIVATE_KEY_FILE: file });
    const config = parseEnv(
      schema,
      { ...input, REDIS_URL: "redis://127.0.0.1:6379" },
      { fileSecrets: ["RELAYER_PRIVATE_KEY"] },
    );
    expect(config.RELAYER_PRIVATE_KEY).toBe(KEY);
  });

  it("lists an unreadable file, a value given twice and the schema's own problems together", () => {
    const missing = join(dir, "nope.key");
    const both = join(dir, "both.key");
    writeFileSync(both, KEY);
    const attempt = () =>
      parseEnv(
        z.object({ RELAYER_PRIVATE_KEY: privateKey, OTHER_KEY: privateKey, REDIS_URL: z.string().url() }),
        {
          RELAYER_PRIVATE_KEY_FILE: missing,
          OTHER_KEY: KEY,
          OTHER_KEY_FILE: both,
          REDIS_URL: "not a url",
        },
        { fileSecrets: ["RELAYER_PRIVATE_KEY", "OTHER_KEY"] },
      );
    expect(attempt).toThrow(ConfigError);
    const problems = (() => {
      try {
        attempt();
      } catch (error) {
        return (error as ConfigError).problems;
      }
      return [];
    })();
    expect(problems).toEqual([
      `RELAYER_PRIVATE_KEY_FILE (${JSON.stringify(missing)}): cannot be read (ENOENT)`,
      "OTHER_KEY and OTHER_KEY_FILE: set only one of them",
      "RELAYER_PRIVATE_KEY (unset): required",
      expect.stringMatching(/^REDIS_URL \("not a url"\): /),
    ]);
  });

  it("never prints a key read from a file, even a malformed one", () => {
    const file = join(dir, "bad.key");
    const secret = `0x${"cd".repeat(31)}`; // one byte short
    writeFileSync(file, secret);
    try {
      parseEnv(
        schema,
        { RELAYER_PRIVATE_KEY_FILE: file, REDIS_URL: "redis://x" },
        { fileSecrets: ["RELAYER_PRIVATE_KEY"] },
      );
      expect.unreachable("a 31-byte key must be refused");
    } catch (error) {
      expect((error as Error).message).toContain(
        "RELAYER_PRIVATE_KEY (set): must be a 0x-prefixed 32-byte hex private key",
      );
      expect((error as Error).message).not.toContain(secret.slice(2, 20));
    }
  });
});
