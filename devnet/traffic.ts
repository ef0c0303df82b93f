/**
 * Demo traffic for the devnet: each demo user bridges small amounts in both directions between the
 * home chain and every remote chain (lock A→B, A→C; burn B→A, C→A); on the remote chains' Aave markets
 * the eMode users supply, borrow, repay and move aTokens, every Chainlink aggregator gets a new round
 * every ~10 s (a bounded random walk, far inside each feed's heartbeat so no staleness alert fires on a
 * running devnet), once per run one proxy is switched to a new aggregator (silently, as Chainlink does),
 * and the liquidator liquidates whatever becomes liquidatable on Aave and on Morpho Blue (the walk dips
 * wWETH once per run so at least one liquidation on each happens). Runs until stopped.
 */
import { erc20Abi, type Hex, maxUint256, parseUnits } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { bridgeMinterAbi, bridgeVaultAbi } from "../contracts/generated/index.js";
import { clientsFor } from "../deploy/system.js";
import { transact } from "../deploy/transact.js";
import { type ChainDeployment, deploymentPath, readDeployment } from "../lib/deployments.js";
import { errorSummary } from "../lib/errors.js";
import { logger } from "../lib/logger.js";
import { getNetwork, resolveRpcUrl } from "../lib/networks.js";
import { createScheduler } from "../lib/service/scheduler.js";
import { devKey, devnetKeys } from "./accounts.js";
import { BORROWER_ACCOUNT_INDEXES, EMODE_ACCOUNT_INDEXES } from "./seed.js";
import { lendingStep, liquidateAll, MarketTraffic, movePrices } from "./trafficAave.js";
import { liquidateMorpho } from "./trafficMorpho.js";

const log = logger.child({ service: "traffic" });
const deployment = readDeployment(process.env.DEPLOYMENT_FILE ?? deploymentPath("devnet"));
const home = deployment.chains.find((c) => c.role === "home")!;
const remotes = deployment.chains.filter((c) => c.role === "remote");
const INTERVAL_MS = Number(process.env.TRAFFIC_INTERVAL_MS ?? 4000);
/** Every feed gets a round this often (1 h heartbeat for ETH, 24 h for stablecoins: far inside both). */
const PRICE_INTERVAL_MS = Number(process.env.TRAFFIC_PRICE_INTERVAL_MS ?? 10_000);

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

const scheduler = createScheduler();

/**
 * One demo activity on the services' scheduler: each wait is the interval ±50 % so the users do not
 * send in lockstep, and a failed step (a revert, a busy nonce) is logged in one line and retried.
 */
function every(name: string, intervalMs: number, work: () => Promise<void>): void {
  scheduler.every(
    {
      name,
      intervalMs,
      jitter: 0.5,
      onError: (error) => log.warn({ loop: name, err: errorSummary(error) }, "demo step failed; continuing"),
    },
    work,
  );
}

// Nothing to flush: a step cut short leaves at most one unconfirmed demo transaction.
process.once("SIGTERM", () => process.exit(0));
process.once("SIGINT", () => process.exit(0));

const markets = await Promise.all(
  remotes
    .filter((chain) => chain.aaveMarkets.length > 0)
    .map((chain) => MarketTraffic.load(chain, (key) => clients(chain, key), log)),
);
const priceTargets = [home, ...remotes].map((chain) => ({
  chain,
  clients: clients(chain, devnetKeys.deployer),
}));
const borrowers = [...BORROWER_ACCOUNT_INDEXES, ...EMODE_ACCOUNT_INDEXES].map(
  (i) => privateKeyToAccount(devKey(i)).address,
);
const eModeKeys = EMODE_ACCOUNT_INDEXES.map(devKey);

log.info({ users: devnetKeys.users.length, remotes: remotes.map((r) => r.network) }, "demo traffic started");
for (const [index, key] of devnetKeys.users.entries())
  every(`user-${index}`, INTERVAL_MS, () => sendOne(key));
if (process.env.TRAFFIC_PRICE_WALK !== "off")
  every("prices", PRICE_INTERVAL_MS, () => movePrices(priceTargets, markets, log));
// off: nobody liquidates, so a test that drops a price sees the debt at risk stay at risk.
if (process.env.TRAFFIC_LIQUIDATIONS !== "off")
  for (const market of markets)
    every(`liquidations-${market.chain.network}`, 5000, () => liquidateAll(market, borrowers));
if (process.env.TRAFFIC_LIQUIDATIONS !== "off")
  for (const chain of remotes)
    if (chain.morpho) {
      const morpho = chain.morpho;
      every(`morpho-liquidations-${chain.network}`, 5000, async () => {
        await liquidateMorpho(morpho, clients(chain, devnetKeys.liquidator), borrowers, log);
      });
    }
for (const market of markets)
  every(`lending-${market.chain.network}`, INTERVAL_MS * 2, () => lendingStep(market, eModeKeys));
