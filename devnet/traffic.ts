/**
 * Demo traffic for the devnet: each demo user bridges small amounts in both directions between the
 * home chain and every remote chain (lock A→B, A→C; burn B→A, C→A), and the wWETH price feeds on the
 * remote chains take a bounded random walk so health factors move. Runs until stopped.
 */
import { erc20Abi, type Hex, maxUint256, parseUnits } from "viem";
import { bridgeMinterAbi, bridgeVaultAbi, priceFeedAbi } from "../contracts/generated/index.js";
import { clientsFor } from "../deploy/system.js";
import { transact } from "../deploy/transact.js";
import { type ChainDeployment, deploymentPath, readDeployment } from "../lib/deployments.js";
import { logger } from "../lib/logger.js";
import { getNetwork, resolveRpcUrl } from "../lib/networks.js";
import { devnetKeys } from "./accounts.js";

const log = logger.child({ service: "traffic" });
const deployment = readDeployment(process.env.DEPLOYMENT_FILE ?? deploymentPath("devnet"));
const home = deployment.chains.find((c) => c.role === "home")!;
const remotes = deployment.chains.filter((c) => c.role === "remote");
const INTERVAL_MS = Number(process.env.TRAFFIC_INTERVAL_MS ?? 4000);
/** The random walk stays within this band around the starting price, so the demo never runs away. */
const PRICE_BAND = [0.9, 1.05] as const;
let running = true;

function clients(chain: ChainDeployment, key: Hex) {
  const network = getNetwork(chain.network);
  return clientsFor({ network, rpcUrl: resolveRpcUrl(network), role: chain.role }, key);
}

function pick<T>(items: readonly T[]): T {
  return items[Math.floor(Math.random() * items.length)]!;
}

async function sendOne(key: Hex): Promise<void> {
  const remote = pick(remotes);
  const symbol = pick(["USDC", "WETH"] as const);
  const amount =
    symbol === "USDC"
      ? parseUnits((10 + Math.random() * 990).toFixed(2), 6)
      : parseUnits((0.01 + Math.random() * 0.5).toFixed(4), 18);
  if (Math.random() < 0.6) {
    const c = clients(home, key);
    const token = home.tokens.find((t) => t.symbol === symbol)!;
    const allowance = await c.publicClient.readContract({
      address: token.address,
      abi: erc20Abi,
      functionName: "allowance",
      args: [c.walletClient.account.address, home.bridge.address],
    });
    if (allowance < amount) {
      await transact(
        c,
        {
          address: token.address,
          abi: erc20Abi,
          functionName: "approve",
          args: [home.bridge.address, maxUint256],
        },
        "approve",
      );
    }
    const { transactionHash: hash } = await transact(
      c,
      {
        address: home.bridge.address,
        abi: bridgeVaultAbi,
        functionName: "lock",
        args: [token.address, amount, BigInt(remote.chainId), c.walletClient.account.address],
      },
      "lock",
    );
    log.info(
      { from: home.network, to: remote.network, symbol, amount: amount.toString(), tx: hash },
      "locked",
    );
  } else {
    const c = clients(remote, key);
    const wrapped = remote.tokens.find((t) => t.symbol === `w${symbol}`)!;
    const balance = await c.publicClient.readContract({
      address: wrapped.address,
      abi: erc20Abi,
      functionName: "balanceOf",
      args: [c.walletClient.account.address],
    });
    const burn = balance < amount ? balance / 2n : amount;
    if (burn === 0n) return;
    const { transactionHash: hash } = await transact(
      c,
      {
        address: remote.bridge.address,
        abi: bridgeMinterAbi,
        functionName: "burn",
        args: [wrapped.address, burn, BigInt(home.chainId), c.walletClient.account.address],
      },
      "burn",
    );
    log.info(
      { from: remote.network, to: home.network, symbol: wrapped.symbol, amount: burn.toString(), tx: hash },
      "burned",
    );
  }
}

async function movePrices(): Promise<void> {
  for (const remote of remotes) {
    const feed = remote.tokens.find((t) => t.symbol === "wWETH")?.priceFeed;
    if (!feed) continue;
    const c = clients(remote, devnetKeys.deployer);
    const initial = 3000;
    const current =
      Number(
        await c.publicClient.readContract({ address: feed, abi: priceFeedAbi, functionName: "latestAnswer" }),
      ) / 1e8;
    const next = Math.min(
      initial * PRICE_BAND[1],
      Math.max(initial * PRICE_BAND[0], current * (1 + (Math.random() - 0.5) * 0.02)),
    );
    await transact(
      c,
      {
        address: feed,
        abi: priceFeedAbi,
        functionName: "setAnswer",
        args: [BigInt(Math.round(next * 1e8))],
      },
      "setAnswer",
    );
    log.info({ chain: remote.network, asset: "wWETH", priceUsd: next.toFixed(2) }, "price moved");
  }
}

async function loop(name: string, work: () => Promise<void>, intervalMs: number): Promise<void> {
  while (running) {
    try {
      await work();
    } catch (error) {
      log.warn(
        { loop: name, err: error instanceof Error ? error.message.split("\n")[0] : String(error) },
        "demo step failed; continuing",
      );
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs * (0.5 + Math.random())));
  }
}

process.once("SIGTERM", () => {
  running = false;
  process.exit(0);
});
process.once("SIGINT", () => {
  running = false;
  process.exit(0);
});

log.info({ users: devnetKeys.users.length, remotes: remotes.map((r) => r.network) }, "demo traffic started");
await Promise.all([
  ...devnetKeys.users.map((key, index) => loop(`user-${index}`, () => sendOne(key), INTERVAL_MS)),
  ...(process.env.TRAFFIC_PRICE_WALK === "off" ? [] : [loop("prices", movePrices, 10_000)]),
]);
