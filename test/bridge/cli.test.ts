import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BridgeNet, startBridgeNet } from "../../harness/bridgeNet.js";
import { startTestRelayer, startTestValidator } from "../../harness/bridgeServices.js";
import { devnetKeys } from "../../lib/devnet/accounts.js";
import type { RunningRelayer } from "../../relayer/service.js";
import type { RunningValidator } from "../../validator/service.js";

const run = promisify(execFile);

describe("bridge CLI", () => {
  let net: BridgeNet;
  let validators: RunningValidator[] = [];
  let relayer: RunningRelayer;
  const user = privateKeyToAccount(devnetKeys.users[0]!);

  beforeAll(async () => {
    net = await startBridgeNet({ remotes: 1, blockTimeSeconds: 0.5, finalityBlocks: 2 });
    validators = await Promise.all([0, 1, 2, 3, 4].map((i) => startTestValidator(net, i)));
    relayer = await startTestRelayer(
      net,
      validators.map((v) => v.url),
    );
  });
  afterAll(async () => {
    await relayer?.stop();
    await Promise.all(validators.map((v) => v.stop()));
    await net?.stop();
  });

  async function bridge(args: string[]) {
    const env = {
      ...process.env,
      ...net.rpcEnv,
      DEPLOYMENT_FILE: net.deploymentFile,
      VALIDATOR_URLS: validators.map((v) => v.url).join(","),
      RELAYER_URL: relayer.url,
      LOG_LEVEL: "silent",
    };
    try {
      const { stdout, stderr } = await run(process.execPath, ["--import", "tsx", "cli/main.ts", ...args], {
        env,
        timeout: 90_000,
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  }

  const userNonce = () => net.chains[0]!.publicClient.getTransactionCount({ address: user.address });

  it.each([
    [
      ["--from", "devnet-x", "--to", "devnet-b", "--token", "USDC", "--amount", "1"],
      /unknown chain "devnet-x"/,
    ],
    [["--from", "devnet-a", "--to", "devnet-b", "--token", "DOGE", "--amount", "1"], /unknown token "DOGE"/],
    [["--from", "devnet-a", "--to", "devnet-b", "--token", "USDC", "--amount", "0"], /greater than zero/],
    [["--from", "devnet-a", "--to", "devnet-b", "--token", "USDC", "--amount", "-5"], /positive decimal/],
    [
      ["--from", "devnet-a", "--to", "devnet-b", "--token", "USDC", "--amount", "999999999"],
      /above your balance/,
    ],
    [
      ["--from", "devnet-a", "--to", "devnet-b", "--token", "USDC", "--amount", "1", "--recipient", "0x1234"],
      /not an address/,
    ],
  ])("rejects bad input %j with a clear error and sends nothing", async (args, message) => {
    const before = await userNonce();
    const result = await bridge(["send", ...args]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe("");
    expect(await userNonce()).toBe(before);
  });

  it("sends with --wait until delivered, then status explains the legs", async () => {
    const sent = await bridge([
      "send",
      "--from",
      "devnet-a",
      "--to",
      "devnet-b",
      "--token",
      "USDC",
      "--amount",
      "2.5",
      "--wait",
      "--timeout",
      "60",
    ]);
    expect(sent.stderr).toMatch(/delivered on devnet-b/);
    expect(sent.code).toBe(0);
    const id = sent.stdout.trim();
    expect(id).toMatch(/^0x[0-9a-f]{64}$/);
    const status = await bridge(["status", id]);
    expect(status.stdout).toMatch(/status\s+delivered/);
    expect(status.stdout).toMatch(/signatures {3}[45] valid, 4 required/);

    // Burn back home; release arrives on devnet-a.
    const back = await bridge([
      "send",
      "--from",
      "devnet-b",
      "--to",
      "devnet-a",
      "--token",
      "wUSDC",
      "--amount",
      "1",
      "--wait",
      "--timeout",
      "60",
    ]);
    expect(back.stderr).toMatch(/delivered on devnet-a/);
  });
});
