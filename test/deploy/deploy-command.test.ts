import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { createPublicClient, http } from "viem";
import { privateKeyToAddress } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bridgeVaultAbi, validatorSetAbi } from "../../contracts/generated/index.js";
import { type AnvilInstance, freePort, startAnvil } from "../../devnet/anvil.js";
import { readDeployment } from "../../lib/deployments.js";
import { devnetKeys } from "../../lib/devnet/accounts.js";

const run = promisify(execFile);
const cli = join(import.meta.dirname, "../../cli/bin.js");
const validators = devnetKeys.validators.map((key) => privateKeyToAddress(key)).join(",");

/** Runs `bridge deploy ...` as a user would, with a clean environment plus `env`. */
async function bridgeDeploy(args: string[], env: Record<string, string>) {
  const baseEnv = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "" };
  try {
    const { stdout, stderr } = await run("node", [cli, "deploy", ...args], { env: { ...baseEnv, ...env } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe("bridge deploy --network", () => {
  let sepolia: AnvilInstance;
  let baseSepolia: AnvilInstance;
  const out = join(mkdtempSync(join(tmpdir(), "deploy-")), "testnet.json");

  beforeAll(async () => {
    // Anvil started with the public testnets' chain ids stands in for them.
    [sepolia, baseSepolia] = await Promise.all([
      startAnvil({ chainId: 11155111 }),
      startAnvil({ chainId: 84532 }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([sepolia?.stop(), baseSepolia?.stop()]);
  });

  it("deploys the home and remote contracts to named testnets and writes a valid deployments file", async () => {
    const result = await bridgeDeploy(
      ["--network", "sepolia,base-sepolia", "--validators", validators, "--out", out],
      {
        SEPOLIA_RPC_URL: sepolia.rpcUrl,
        BASE_SEPOLIA_RPC_URL: baseSepolia.rpcUrl,
        DEPLOYER_PRIVATE_KEY: devnetKeys.deployer,
      },
    );
    expect(result.stderr).toContain("wrote");
    expect(result.code).toBe(0);

    const deployment = readDeployment(out);
    expect(deployment.homeChainId).toBe(11155111);
    expect(deployment.chains.map((c) => [c.network, c.role])).toEqual([
      ["sepolia", "home"],
      ["base-sepolia", "remote"],
    ]);
    expect(JSON.parse(readFileSync(out, "utf8")).validators.threshold).toBe(4);

    const home = deployment.chains[0]!;
    const client = createPublicClient({ transport: http(sepolia.rpcUrl) });
    const remoteOfVault = await client.readContract({
      address: home.bridge.address,
      abi: bridgeVaultAbi,
      functionName: "routes",
      args: [84532n],
    });
    expect(remoteOfVault).toBe(deployment.chains[1]!.bridge.address);
    const onChainValidators = await client.readContract({
      address: home.validatorSet.address,
      abi: validatorSetAbi,
      functionName: "validatorsOf",
      args: [1n],
    });
    expect([...onChainValidators].map((a) => a.toLowerCase()).sort()).toEqual(
      validators.toLowerCase().split(",").sort(),
    );
  });

  it("rejects an unknown network, naming the known ones", async () => {
    const result = await bridgeDeploy(["--network", "goerli-classic"], {});
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Unknown network "goerli-classic"');
    expect(result.stderr).toContain("sepolia, base-sepolia");
  });

  it("lists every missing setting at once: RPC URL, deployer key, validators", async () => {
    const result = await bridgeDeploy(["--network", "sepolia"], {});
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("SEPOLIA_RPC_URL");
    expect(result.stderr).toContain("DEPLOYER_PRIVATE_KEY");
    expect(result.stderr).toContain("VALIDATOR_ADDRESSES");
  });

  it("rejects a malformed key and a threshold at or below 2n/3", async () => {
    const result = await bridgeDeploy(
      ["--network", "sepolia", "--validators", validators, "--threshold", "3"],
      {
        SEPOLIA_RPC_URL: sepolia.rpcUrl,
        DEPLOYER_PRIVATE_KEY: "0x1234",
      },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("DEPLOYER_PRIVATE_KEY: must be a 0x-prefixed 32-byte hex private key");
    expect(result.stderr).toContain("3 of 5 is not allowed");
  });

  it("reports an unreachable RPC before sending anything", async () => {
    const closedPort = await freePort();
    const result = await bridgeDeploy(["--network", "sepolia", "--validators", validators], {
      SEPOLIA_RPC_URL: `http://127.0.0.1:${closedPort}`,
      DEPLOYER_PRIVATE_KEY: devnetKeys.deployer,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("RPC for sepolia is unreachable");
  });

  it("refuses an RPC that serves another chain than the network's", async () => {
    const result = await bridgeDeploy(["--network", "op-sepolia", "--validators", validators], {
      OP_SEPOLIA_RPC_URL: sepolia.rpcUrl,
      DEPLOYER_PRIVATE_KEY: devnetKeys.deployer,
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("serves chain 11155111, expected 11155420");
  });
});
