import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { type Address, erc20Abi, type Hex, parseEventLogs } from "viem";
import { bridgeVaultAbi } from "../../contracts/generated/BridgeVault.js";
import type { Clients } from "../../deploy/system.js";
import { freePort } from "../../devnet/anvil.js";

const run = promisify(execFile);
const root = join(import.meta.dirname, "../..");

export type ExplorerDevnet = {
  /** The explorer's URL as `npm start` printed it. */
  explorerUrl: string;
  /** Origin of the indexer (GraphQL, risk API, explorer). */
  origin: string;
  env: NodeJS.ProcessEnv;
  output: () => string;
  validatorPorts: number[];
  stop: () => Promise<void>;
};

/**
 * `npm start` as a newcomer runs it (devnet/main.ts with every service), on free RPC ports and a port
 * offset of its own so it runs beside another devnet. Demo traffic stays nearly idle after its first
 * round (no price walk, no liquidator): the tests move prices and send transfers themselves.
 */
export async function startExplorerDevnet(): Promise<ExplorerDevnet> {
  const scratch = mkdtempSync(join(tmpdir(), "explorer-devnet-"));
  const offset = 2000 + Math.floor(Math.random() * 900) * 10;
  const rpc = [await freePort(), await freePort(), await freePort()].map((p) => `http://127.0.0.1:${p}`);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DEVNET_PORT_OFFSET: String(offset),
    DEVNET_A_RPC_URL: rpc[0],
    DEVNET_B_RPC_URL: rpc[1],
    DEVNET_C_RPC_URL: rpc[2],
    DEPLOYMENT_FILE: join(scratch, "devnet.json"),
    // Its own state and logs: another suite may run a devnet from this checkout at the same time.
    DEVNET_DATA_DIR: join(scratch, "data"),
    TRAFFIC_INTERVAL_MS: "600000",
    TRAFFIC_PRICE_WALK: "off",
    TRAFFIC_LIQUIDATIONS: "off",
    // A backing-ratio point every 10 blocks, so the plot has a history within the test's minutes.
    INDEXER_SUPPLY_CHECK_INTERVAL_BLOCKS: "10",
  };
  let output = "";
  const devnet: ChildProcess = spawn(process.execPath, ["--import", "tsx", "devnet/main.ts"], {
    cwd: root,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  devnet.stdout?.on("data", (chunk) => {
    output += chunk.toString();
  });
  devnet.stderr?.on("data", (chunk) => {
    output += chunk.toString();
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (output.includes("Ctrl-C stops everything")) {
        clearInterval(timer);
        resolve();
      } else if (devnet.exitCode !== null) {
        clearInterval(timer);
        reject(new Error(`devnet exited early:\n${output}`));
      }
    }, 200);
  });
  const explorerUrl = /explorer\s+(http:\/\/\S+\/explorer\/)/.exec(output)?.[1];
  if (!explorerUrl) throw new Error(`npm start printed no explorer URL:\n${output}`);
  return {
    explorerUrl,
    origin: new URL(explorerUrl).origin,
    env,
    output: () => output,
    validatorPorts: [1, 2, 3, 4, 5].map((i) => 7100 + i + offset),
    async stop() {
      if (devnet.exitCode !== null) return;
      const exited = new Promise((resolve) => devnet.once("exit", resolve));
      devnet.kill("SIGINT");
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 20_000))]);
      if (devnet.exitCode === null) devnet.kill("SIGKILL");
    },
  };
}

/** `bridge <args>` through the built CLI (dist/cli, made by `npm ci`), against this devnet. */
export async function bridgeCli(devnet: ExplorerDevnet, args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, ["cli/bin.js", ...args], {
    cwd: root,
    env: devnet.env,
    timeout: 120_000,
  });
  return stdout;
}

/** Pid of the process listening on a local TCP port (the devnet's own children), from `ss`. */
export async function listenerPid(port: number): Promise<number | undefined> {
  const { stdout } = await run("ss", ["-ltnpH", `sport = :${port}`]);
  const match = /pid=(\d+)/.exec(stdout);
  return match ? Number(match[1]) : undefined;
}

/** Runs `assertion` until it stops throwing (the page polls every 3 s); rethrows its last error. */
export async function retry(assertion: () => Promise<void>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await assertion();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

/** Approves and locks 1.25 USDC toward `destinationChainId` straight on the vault; returns the message id. */
export async function lockWithoutCli(
  clients: Clients,
  vault: Address,
  token: Address,
  destinationChainId: bigint,
): Promise<Hex> {
  const { walletClient, publicClient } = clients;
  const amount = 1_250_000n;
  const approval = await walletClient.writeContract({
    address: token,
    abi: erc20Abi,
    functionName: "approve",
    args: [vault, amount],
  });
  await publicClient.waitForTransactionReceipt({ hash: approval });
  const hash = await walletClient.writeContract({
    address: vault,
    abi: bridgeVaultAbi,
    functionName: "lock",
    args: [token, amount, destinationChainId, walletClient.account.address],
  });
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  const [locked] = parseEventLogs({ abi: bridgeVaultAbi, eventName: "Locked", logs: receipt.logs });
  if (!locked) throw new Error(`lock ${hash} emitted no Locked event`);
  return locked.args.messageId;
}
