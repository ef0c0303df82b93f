/**
 * The Aave half of the devnet's demo traffic (devnet/traffic.ts runs the loops): Chainlink rounds on every
 * feed, one silent aggregator switch and one price dip per run, liquidations, and small eMode lending.
 */

import type { Logger } from "pino";
import { type Address, type Hex, maxUint256, parseEventLogs, parseUnits } from "viem";
import { aavePoolAbi, aTokenAbi, eacAggregatorProxyAbi, testERC20Abi } from "../contracts/generated/index.js";
import { pushPrice, replaceAggregator } from "../deploy/aave.js";
import type { Clients } from "../deploy/system.js";
import { transact } from "../deploy/transact.js";
import type { AaveMarketDeployment, ChainDeployment } from "../lib/deployments.js";
import { devnetKeys } from "./accounts.js";

const RAY = 10n ** 27n;
const STABLECOINS = new Set(["USDC", "wUSDC", "DAI"]);
/** Random-walk bands around each feed's first answer, and the largest step per round. */
const BANDS = { stable: [0.995, 1.005, 0.001], volatile: [0.9, 1.05, 0.01] } as const;
/** Which round of the walk dips wWETH (to liquidate the HF 1.035 borrowers) and which switches a proxy. */
const DIP_ROUND = 3;
const SWITCH_ROUND = 6;
/** wWETH at 95.5% of its start price puts the HF 1.035 borrowers at about 0.99. */
const DIP_FACTOR = 0.955;

type Reserve = {
  symbol: string;
  asset: Address;
  decimals: number;
  aToken: Address;
  variableDebtToken: Address;
};

/** One remote chain's market, with the reserve token addresses read once from the Pool. */
export class MarketTraffic {
  private constructor(
    readonly chain: ChainDeployment,
    readonly market: AaveMarketDeployment,
    readonly reserves: Reserve[],
    readonly clientsFor: (key: Hex) => Clients,
    readonly log: Logger,
  ) {}

  static async load(chain: ChainDeployment, clientsFor: (key: Hex) => Clients, log: Logger) {
    const market = chain.aaveMarkets[0]!;
    const { publicClient } = clientsFor(devnetKeys.deployer);
    const assets = await publicClient.readContract({
      address: market.pool,
      abi: aavePoolAbi,
      functionName: "getReservesList",
    });
    const reserves: Reserve[] = [];
    for (const asset of assets) {
      const data = await publicClient.readContract({
        address: market.pool,
        abi: aavePoolAbi,
        functionName: "getReserveData",
        args: [asset],
      });
      const token = chain.tokens.find((t) => t.address === asset);
      reserves.push({
        symbol: token?.symbol ?? asset,
        asset,
        decimals: token?.decimals ?? 18,
        aToken: data.aTokenAddress,
        variableDebtToken: data.variableDebtTokenAddress,
      });
    }
    return new MarketTraffic(
      chain,
      market,
      reserves,
      clientsFor,
      log.child({ chain: chain.network, market: market.protocol }),
    );
  }

  reserve(symbol: string): Reserve {
    const found = this.reserves.find((r) => r.symbol === symbol);
    if (!found) throw new Error(`no reserve ${symbol} on ${this.chain.network}`);
    return found;
  }
}

const firstAnswers = new Map<Address, bigint>();
let round = 0;

/**
 * One round on every feed of every chain (chains in parallel, feeds in order: one deployer nonce per
 * chain). Submits to whatever aggregator the proxy reads now, so the walk follows a switched proxy.
 */
export async function movePrices(
  targets: { chain: ChainDeployment; clients: Clients }[],
  markets: MarketTraffic[],
  log: Logger,
): Promise<void> {
  round++;
  await Promise.all(
    targets.map(async ({ chain, clients }) => {
      for (const token of chain.tokens) {
        if (!token.priceFeed) continue;
        const proxy = token.priceFeed;
        const read = { address: proxy, abi: eacAggregatorProxyAbi } as const;
        const aggregator = await clients.publicClient.readContract({ ...read, functionName: "aggregator" });
        const current = await clients.publicClient.readContract({ ...read, functionName: "latestAnswer" });
        if (!firstAnswers.has(proxy)) firstAnswers.set(proxy, current);
        const first = Number(firstAnswers.get(proxy)!);
        const [low, high, step] = STABLECOINS.has(token.symbol) ? BANDS.stable : BANDS.volatile;
        let next = Number(current) * (1 + (Math.random() * 2 - 1) * step);
        const dip = round === DIP_ROUND && chain.role === "remote" && token.symbol === "wWETH";
        if (dip) next = first * DIP_FACTOR;
        next = Math.round(Math.min(first * high, Math.max(first * low, next)));
        await pushPrice(clients, aggregator, BigInt(next));
        if (dip)
          log.info(
            { chain: chain.network, asset: token.symbol, answer: next },
            "price dip (demo liquidation)",
          );
      }
    }),
  );
  const target = markets[0];
  if (round === SWITCH_ROUND && target) {
    const source =
      target.market.priceSources.find((s) => s.symbol === "wWETH") ?? target.market.priceSources[0];
    if (!source) return;
    const clients = target.clientsFor(devnetKeys.deployer);
    const read = { address: source.proxy, abi: eacAggregatorProxyAbi } as const;
    const previous = await clients.publicClient.readContract({ ...read, functionName: "aggregator" });
    const answer = await clients.publicClient.readContract({ ...read, functionName: "latestAnswer" });
    const { aggregator } = await replaceAggregator(clients, source.proxy, answer);
    log.info(
      { chain: target.chain.network, asset: source.symbol, proxy: source.proxy, previous, aggregator },
      "switched a price proxy to a new aggregator (no event on the proxy)",
    );
  }
}

async function balance(clients: Clients, token: Address, owner: Address) {
  return clients.publicClient.readContract({
    address: token,
    abi: aTokenAbi,
    functionName: "balanceOf",
    args: [owner],
  });
}

/** Liquidates every watched account whose health factor is below 1: largest collateral, largest debt. */
export async function liquidateAll(market: MarketTraffic, accounts: Address[]): Promise<void> {
  const liquidator = market.clientsFor(devnetKeys.liquidator);
  const pool = market.market.pool;
  for (const user of accounts) {
    const data = await liquidator.publicClient.readContract({
      address: pool,
      abi: aavePoolAbi,
      functionName: "getUserAccountData",
      args: [user],
    });
    if (data[1] === 0n || data[5] >= 10n ** 18n) continue;
    const held = await Promise.all(
      market.reserves.map(async (r) => ({
        r,
        collateral: await balance(liquidator, r.aToken, user),
        debt: await balance(liquidator, r.variableDebtToken, user),
      })),
    );
    // Largest by amount normalised to 18 decimals: prices are near 1 for stablecoins and wWETH is the only
    // volatile asset, so this picks the real largest position in this demo.
    const norm = (amount: bigint, decimals: number) => amount * 10n ** BigInt(18 - decimals);
    const weth = (r: Reserve) => (r.symbol === "wWETH" ? 3000n : 1n);
    const by = (key: "collateral" | "debt") =>
      held
        .filter((h) => h[key] > 0n)
        .sort((a, b) =>
          norm(b[key], b.r.decimals) * weth(b.r) > norm(a[key], a.r.decimals) * weth(a.r) ? 1 : -1,
        )[0];
    const collateral = by("collateral");
    const debt = by("debt");
    if (!collateral || !debt) continue;
    const liquidatorAddress = liquidator.walletClient.account.address;
    if (debt.r.symbol === "DAI") {
      await transact(
        liquidator,
        {
          address: debt.r.asset,
          abi: testERC20Abi,
          functionName: "mint",
          args: [liquidatorAddress, debt.debt],
        },
        "mint DAI",
      );
    }
    const receipt = await transact(
      liquidator,
      {
        address: pool,
        abi: aavePoolAbi,
        functionName: "liquidationCall",
        args: [collateral.r.asset, debt.r.asset, user, maxUint256, false],
      },
      "liquidationCall",
    );
    const [event] = parseEventLogs({ abi: aavePoolAbi, eventName: "LiquidationCall", logs: receipt.logs });
    // The protocol fee travels as an aToken BalanceTransfer to the treasury (scaled amount times index).
    const fee = parseEventLogs({ abi: aTokenAbi, eventName: "BalanceTransfer", logs: receipt.logs })
      .filter((l) => l.address.toLowerCase() === collateral.r.aToken.toLowerCase() && l.args.from === user)
      .reduce((sum, l) => sum + (l.args.value * l.args.index) / RAY, 0n);
    market.log.info(
      {
        user,
        collateral: collateral.r.symbol,
        debt: debt.r.symbol,
        debtRepaid: event?.args.debtToCover.toString(),
        collateralSeized: event?.args.liquidatedCollateralAmount.toString(),
        protocolFee: fee.toString(),
        tx: receipt.transactionHash,
      },
      "liquidated",
    );
  }
}

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;

/** One small action by a random eMode user: supply DAI, borrow DAI, repay DAI, or move aTokens. */
export async function lendingStep(market: MarketTraffic, keys: Hex[]): Promise<void> {
  const index = Math.floor(Math.random() * keys.length);
  const clients = market.clientsFor(keys[index]!);
  const other = market.clientsFor(keys[(index + 1) % keys.length]!).walletClient.account.address;
  const me = clients.walletClient.account.address;
  const pool = market.market.pool;
  const dai = market.reserve("DAI");
  const action = pick(["supply", "borrow", "repay", "transfer"] as const);
  let amount = parseUnits((50 + Math.random() * 950).toFixed(2), 18);
  const poolCall = (functionName: string, args: readonly unknown[]) =>
    transact(
      clients,
      { address: pool, abi: aavePoolAbi, functionName, args },
      `${action} on ${market.chain.network}`,
    );
  if (action === "supply" || action === "repay") {
    // DAI is the chain's own test stablecoin: a public faucet mint.
    await transact(
      clients,
      { address: dai.asset, abi: testERC20Abi, functionName: "mint", args: [me, amount] },
      "mint DAI",
    );
    if (action === "supply") await poolCall("supply", [dai.asset, amount, me, 0]);
    else if ((await balance(clients, dai.variableDebtToken, me)) > 0n)
      await poolCall("repay", [dai.asset, amount, 2n, me]);
    else return;
  } else if (action === "borrow") {
    const data = await clients.publicClient.readContract({
      address: pool,
      abi: aavePoolAbi,
      functionName: "getUserAccountData",
      args: [me],
    });
    // Stay clear of liquidation: the demo's liquidations come from the price dip, not from this loop.
    if (data[5] < 1_150000000000000000n) return;
    amount /= 4n;
    await poolCall("borrow", [dai.asset, amount, 2n, 0, me]);
  } else {
    const aDai = await balance(clients, dai.aToken, me);
    if (aDai === 0n) return;
    await transact(
      clients,
      { address: dai.aToken, abi: aTokenAbi, functionName: "transfer", args: [other, aDai / 10n] },
      "aToken transfer",
    );
  }
  market.log.info({ user: me, action, asset: "DAI", amount: amount.toString() }, "lending");
}
