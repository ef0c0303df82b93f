import { type ChildProcess, spawn } from "node:child_process";
import { networkInterfaces } from "node:os";
import { join } from "node:path";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../devnet/anvil.js";
import { type BridgeNet, startBridgeNet } from "../../harness/bridgeNet.js";
import { DATABASE_URL, REDIS_URL, uniqueName, waitFor } from "../../harness/bridgeServices.js";
import { devnetKeys } from "../../lib/devnet/accounts.js";

/*
 * The service edge as operators meet it: the real entry files (validator/main.ts, relayer/main.ts)
 * started with environment variables only.
 */

type Started = {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
};

/** Runs an entry file's build in dist/ (build.mjs), as `npm run validator` / `npm run relayer` do. */
function startService(entry: string, env: Record<string, string>): Started {
  const built = `dist/${entry.replace(/\.ts$/, ".js")}`;
  const child = spawn(process.execPath, ["--enable-source-maps", built], {
    env: { ...process.env, LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (chunk) => {
    stdout += chunk;
  });
  child.stderr!.on("data", (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

async function stop(started: Started): Promise<void> {
  if (started.child.exitCode !== null) return;
  started.child.kill("SIGTERM");
  const timer = setTimeout(() => started.child.kill("SIGKILL"), 15_000);
  await started.exited;
  clearTimeout(timer);
}

/** An IPv4 address of this machine other than loopback: what another container or host would dial. */
function nonLoopbackAddress(): string {
  for (const entries of Object.values(networkInterfaces())) {
    for (const entry of entries ?? []) if (entry.family === "IPv4" && !entry.internal) return entry.address;
  }
  throw new Error("this machine has no non-loopback IPv4 address");
}

describe("service edge", () => {
  let net: BridgeNet;
  const running: Started[] = [];

  beforeAll(async () => {
    net = await startBridgeNet({ remotes: 1 });
  });
  afterAll(async () => {
    await Promise.all(running.map(stop));
    await net?.stop();
  });

  it("serves the validator and the relayer on a non-loopback address with *_HOST=0.0.0.0, logging at LOG_LEVEL=debug", async () => {
    const address = nonLoopbackAddress();
    const [validatorPort, relayerPort] = [await freePort(), await freePort()];
    const validator = startService("validator/main.ts", {
      ...net.rpcEnv,
      VALIDATOR_PRIVATE_KEY: devnetKeys.validators[0]!,
      VALIDATOR_HOST: "0.0.0.0",
      VALIDATOR_PORT: String(validatorPort),
      VALIDATOR_DATA_DIR: join(net.dir, "edge-validator"),
      DEPLOYMENT_FILE: net.deploymentFile,
      LOG_LEVEL: "debug",
    });
    running.push(validator);
    const validatorUrl = `http://${address}:${validatorPort}`;
    const relayer = startService("relayer/main.ts", {
      ...net.rpcEnv,
      RELAYER_PRIVATE_KEY: devnetKeys.relayer,
      RELAYER_HOST: "0.0.0.0",
      RELAYER_PORT: String(relayerPort),
      REDIS_URL,
      DATABASE_URL,
      RELAYER_DB_SCHEMA: uniqueName("edge"),
      RELAYER_QUEUE_PREFIX: uniqueName("q"),
      VALIDATOR_URLS: validatorUrl,
      DEPLOYMENT_FILE: net.deploymentFile,
      LOG_LEVEL: "debug",
    });
    running.push(relayer);

    const reach = async (url: string) => {
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
        return response.ok ? ((await response.json()) as { address: string }) : undefined;
      } catch {
        return undefined;
      }
    };
    const validatorHealth = await waitFor(
      "validator on a non-loopback address",
      () => reach(`${validatorUrl}/health`),
      60_000,
    );
    const relayerHealth = await waitFor(
      "relayer on a non-loopback address",
      () => reach(`http://${address}:${relayerPort}/health`),
      60_000,
    );
    expect(validatorHealth.address).toBe(privateKeyToAccount(devnetKeys.validators[0]!).address);
    expect(relayerHealth.address).toBe(privateKeyToAccount(devnetKeys.relayer).address);

    // pino writes numeric levels: 20 is debug. The request log of the /health calls above is one.
    for (const service of [validator, relayer]) {
      await waitFor("a debug line", async () => service.stdout().includes('"level":20'), 10_000);
    }
  });

  it.each([
    [
      "validator/main.ts",
      {
        VALIDATOR_PRIVATE_KEY: devnetKeys.validators[0]!,
        VALIDATOR_DATA_DIR: "/tmp/unused",
        VALIDATOR_HOST: "not a host!",
      },
    ],
    [
      "relayer/main.ts",
      {
        RELAYER_PRIVATE_KEY: devnetKeys.relayer,
        VALIDATOR_URLS: "http://127.0.0.1:1",
        RELAYER_HOST: "not a host!",
      },
    ],
  ])("%s with LOG_LEVEL=verbose lists the problems on stderr and exits 2", async (entry, env) => {
    const started = startService(entry, { ...env, LOG_LEVEL: "verbose" });
    running.push(started);
    expect(await started.exited).toBe(2);
    const stderr = started.stderr();
    expect(stderr).toMatch(/^Invalid configuration \(2 problems\):\n/);
    expect(stderr).toMatch(/_HOST \("not a host!"\): must be an IP address/);
    expect(stderr).toContain('LOG_LEVEL ("verbose"): Invalid enum value.');
    // A listed problem, not a crash: no stack frames.
    expect(stderr).not.toMatch(/^\s+at /m);
  });
});
