import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type Address,
  createPublicClient,
  createTestClient,
  erc20Abi,
  http,
  type PublicClient,
  type TestClient,
} from "viem";
import { freePort } from "../../devnet/anvil.js";
import { type ChainDeployment, type Deployment, readDeployment } from "../../lib/deployments.js";
import { devnetNetworks, rpcUrlVariable } from "../../lib/networks.js";

/**
 * The devnet as `npm start` runs it (chains + deployment + seeding, DEVNET_SERVICES=none), plus the
 * chain reads the risk e2e tests compare the API against (the Aave side is chainPool.ts and
 * expectedRisk.ts). Everything here reads the chains with viem; nothing reads the indexer, so the two
 * sides are independent.
 */

export type DevnetChain = {
  deployment: ChainDeployment;
  rpcUrl: string;
  client: PublicClient;
  test: TestClient<"anvil">;
};

export type Devnet = {
  deployment: Deployment;
  deploymentFile: string;
  chains: DevnetChain[];
  /** DEPLOYMENT_FILE and <NETWORK>_RPC_URL for child processes. */
  env: Record<string, string>;
  chain(chainId: number): DevnetChain;
  stop(): Promise<void>;
};

export async function startDevnet(): Promise<Devnet> {
  const dir = mkdtempSync(join(tmpdir(), "risk-e2e-"));
  const deploymentFile = join(dir, "devnet.json");
  const rpcUrls: string[] = [];
  for (let i = 0; i < devnetNetworks.length; i++) rpcUrls.push(`http://127.0.0.1:${await freePort()}`);
  const env: Record<string, string> = { DEPLOYMENT_FILE: deploymentFile };
  devnetNetworks.forEach((network, i) => {
    env[rpcUrlVariable(network)] = rpcUrls[i]!;
  });
  const child: ChildProcess = spawn(process.execPath, ["--enable-source-maps", "dist/devnet/main.js"], {
    cwd: join(import.meta.dirname, "../.."),
    env: { ...process.env, ...env, DEVNET_SERVICES: "none" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk) => {
    output += chunk.toString();
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (output.includes("Ctrl-C stops everything")) {
        clearInterval(timer);
        resolve();
      } else if (child.exitCode !== null) {
        clearInterval(timer);
        reject(new Error(`devnet exited early:\n${output}`));
      }
    }, 100);
  });
  const deployment = readDeployment(deploymentFile);
  const chains = deployment.chains.map((c) => {
    const network = devnetNetworks.find((n) => n.name === c.network)!;
    const rpcUrl = rpcUrls[devnetNetworks.indexOf(network)]!;
    return {
      deployment: c,
      rpcUrl,
      client: createPublicClient({ transport: http(rpcUrl) }) as PublicClient,
      test: createTestClient({ mode: "anvil", transport: http(rpcUrl) }),
    };
  });
  return {
    deployment,
    deploymentFile,
    chains,
    env,
    chain: (chainId) => chains.find((c) => c.deployment.chainId === chainId)!,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGINT");
        await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
        if (child.exitCode === null) child.kill("SIGKILL");
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The time of a chain's data in the risk snapshot, from /metrics (`risk_data_last_update_timestamp_seconds`). */
export function riskDataTimestamp(metrics: string, chainId: number): number {
  const line = metrics.match(
    new RegExp(`^risk_data_last_update_timestamp_seconds\\{source="chain:${chainId}"\\} (\\d+)`, "m"),
  );
  return line ? Number(line[1]) : Number.NEGATIVE_INFINITY;
}

/**
 * Stops interval mining and mines a block at one common timestamp T on every chain, then an empty one at
 * T + 1. Afterwards nothing moves: the indexer catches up to the T blocks (with omnichain ordering a block
 * is processed once every chain has reached a later checkpoint, hence the T + 1 blocks), its snapshot
 * brings reserve indexes forward to its indexed block, and reading the chains at that same block makes
 * `getUserAccountData` accrue interest to the same instant. Pending transactions (a price update) land
 * in the T blocks. Returns the T block number per chain id.
 */
export async function freezeAtCommonTimestamp(devnet: Devnet): Promise<Map<number, bigint>> {
  for (const c of devnet.chains) await c.test.setIntervalMining({ interval: 0 });
  const latest = await Promise.all(devnet.chains.map((c) => c.client.getBlock()));
  const timestamp = latest.reduce((max, b) => (b.timestamp > max ? b.timestamp : max), 0n) + 1n;
  const atT = new Map<number, bigint>();
  for (const c of devnet.chains) {
    await c.test.setNextBlockTimestamp({ timestamp });
    await c.test.mine({ blocks: 1 });
    // Not viem's cached block number (kept for the polling interval): the block just mined.
    atT.set(c.deployment.chainId, await c.client.getBlockNumber({ cacheTime: 0 }));
  }
  for (const c of devnet.chains) {
    await c.test.setNextBlockTimestamp({ timestamp: timestamp + 1n });
    await c.test.mine({ blocks: 1 });
  }
  return atT;
}

/** ERC-20 balance / supply at a block. */
export async function balanceAt(chain: DevnetChain, token: Address, holder: Address, blockNumber: bigint) {
  return chain.client.readContract({
    address: token,
    abi: erc20Abi,
    functionName: "balanceOf",
    args: [holder],
    blockNumber,
  });
}

export async function supplyAt(chain: DevnetChain, token: Address, blockNumber: bigint) {
  return chain.client.readContract({
    address: token,
    abi: erc20Abi,
    functionName: "totalSupply",
    blockNumber,
  });
}
