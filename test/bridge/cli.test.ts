import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { erc20Abi } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../devnet/anvil.js";
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

  async function bridge(args: string[], overrides: Record<string, string | undefined> = {}) {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...net.rpcEnv,
      DEPLOYMENT_FILE: net.deploymentFile,
      VALIDATOR_URLS: validators.map((v) => v.url).join(","),
      RELAYER_URL: relayer.url,
      LOG_LEVEL: "silent",
      ...overrides,
    };
    for (const [key, value] of Object.entries(env)) if (value === undefined) delete env[key];
    try {
      const { stdout, stderr } = await run(process.execPath, ["cli/bin.js", ...args], {
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
  const userUsdc = () =>
    net.chains[0]!.publicClient.readContract({
      address: net.usdc,
      abi: erc20Abi,
      functionName: "balanceOf",
      args: [user.address],
    });
  const send = ["send", "--from", "devnet-a", "--to", "devnet-b", "--token", "USDC"];

  /** Runs a `bridge send` that must fail: returns its stderr lines after checking nothing moved. */
  async function failingSend(args: string[], env: Record<string, string | undefined> = {}) {
    const [nonce, balance] = await Promise.all([userNonce(), userUsdc()]);
    const result = await bridge(args, env);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(await userNonce()).toBe(nonce);
    expect(await userUsdc()).toBe(balance);
    return result.stderr.trimEnd().split("\n");
  }

  it.each([
    [
      ["send", "--from", "devnet-x", "--to", "devnet-b", "--token", "USDC", "--amount", "1"],
      'error: unknown chain "devnet-x": this deployment has devnet-a, devnet-b',
    ],
    [[...send, "--amount", "0"], "error: --amount must be greater than zero"],
    [[...send, "--amount", "-5"], 'error: --amount "-5" must be a positive decimal number, e.g. 12.5'],
    [[...send, "--amount", "1.1234567"], "error: --amount has more than 6 decimals (USDC)"],
    [
      [...send, "--amount", "999999999"],
      "error: amount 999999999 USDC is above your balance on devnet-a (1000000000000 base units)",
    ],
    [
      [...send, "--amount", "1", "--recipient", "0x1234"],
      'error: --recipient "0x1234" is not an address (0x + 40 hex digits)',
    ],
  ])("rejects bad input %j with one clear line and sends nothing", async (args, firstLine) => {
    const lines = await failingSend(args);
    expect(lines[0]).toBe(firstLine);
    expect(lines).toHaveLength(1);
  });

  it("lists every problem at once: an unknown token does not hide the amount error", async () => {
    const lines = await failingSend(
      ["send", "--from", "devnet-a", "--to", "devnet-b", "--token", "DOGE", "--amount", "0"],
      { RELAYER_URL: "relayer:7200" },
    );
    expect(lines).toEqual([
      "error: 3 problems, nothing was sent:",
      '  - unknown token "DOGE" on devnet-a: known are USDC',
      "  - --amount must be greater than zero",
      '  - RELAYER_URL "relayer:7200" is not an http(s) URL',
    ]);
  });

  it("checks the destination RPC before locking: one line with the URL and what to check", async () => {
    const port = await freePort();
    const lines = await failingSend([...send, "--amount", "1"], {
      DEVNET_B_RPC_URL: `http://127.0.0.1:${port}`,
    });
    expect(lines).toEqual([
      `error: RPC for devnet-b is unreachable at http://127.0.0.1:${port}: check DEVNET_B_RPC_URL and that the node is running.`,
    ]);
  });

  it("reports an unreachable source RPC in one line, not viem's error", async () => {
    const port = await freePort();
    const lines = await failingSend([...send, "--amount", "1"], {
      DEVNET_A_RPC_URL: `http://127.0.0.1:${port}`,
    });
    expect(lines).toEqual([
      `error: RPC for devnet-a is unreachable at http://127.0.0.1:${port}: check DEVNET_A_RPC_URL and that the node is running.`,
    ]);
  });

  it("checks that a quorum of validators answers before locking", async () => {
    const ports = await Promise.all([freePort(), freePort()]);
    const urls = [...validators.slice(0, 3).map((v) => v.url), ...ports.map((p) => `http://127.0.0.1:${p}`)];
    const lines = await failingSend([...send, "--amount", "1"], { VALIDATOR_URLS: urls.join(",") });
    expect(lines).toEqual([
      `error: only 3 of 5 validators answer, 4 must sign: check VALIDATOR_URLS (no answer from ${urls.slice(3).join(", ")})`,
    ]);
  });

  it("checks the relayer before locking", async () => {
    const port = await freePort();
    const lines = await failingSend([...send, "--amount", "1"], { RELAYER_URL: `http://127.0.0.1:${port}` });
    expect(lines).toEqual([
      `error: the relayer does not answer at http://127.0.0.1:${port}: check RELAYER_URL and that the relayer is running`,
    ]);
  });

  it("bridge status with an unreachable RPC prints one line with the URL and what to check", async () => {
    const port = await freePort();
    const result = await bridge(["status", `0x${"ab".repeat(32)}`], {
      DEVNET_A_RPC_URL: `http://127.0.0.1:${port}`,
    });
    expect(result.code).toBe(1);
    expect(result.stderr.trimEnd().split("\n")).toEqual([
      `error: RPC at http://127.0.0.1:${port} did not answer (HTTP request failed.): check the URL and that the node is running`,
    ]);
  });

  it("derives the devnet's validator and relayer URLs with DEVNET_PORT_OFFSET", async () => {
    const lines = await failingSend([...send, "--amount", "1"], {
      VALIDATOR_URLS: undefined,
      RELAYER_URL: undefined,
      DEVNET_PORT_OFFSET: "21000",
    });
    const shifted = [28101, 28102, 28103, 28104, 28105].map((p) => `http://127.0.0.1:${p}`);
    expect(lines).toEqual([
      "error: 2 problems, nothing was sent:",
      `  - only 0 of 5 validators answer, 4 must sign: check VALIDATOR_URLS (no answer from ${shifted.join(", ")})`,
      "  - the relayer does not answer at http://127.0.0.1:28200: check RELAYER_URL and that the relayer is running",
    ]);
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
    // Delivered by proof under the root the quorum signed over the lock's source block.
    expect(status.stdout).toMatch(/root {9}0x[0-9a-f]{64} \(nonces \d+\.\.\d+, source block \d+\)/);
    expect(sent.stderr).toMatch(/waiting for source finality/);

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
