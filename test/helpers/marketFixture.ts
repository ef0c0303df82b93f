import {
  type Account,
  type Address,
  type Chain,
  createPublicClient,
  createTestClient,
  createWalletClient,
  defineChain,
  type Hash,
  http,
  type PublicClient,
  type TestClient,
  type Transport,
  type WalletClient,
} from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { lendingPoolAbi, priceFeedAbi, testERC20Abi } from "../../contracts/generated/index.js";
import { deployLendingPool, deployPriceFeed, deployTestToken, initReserve } from "../../deploy/market.js";
import { type AnvilInstance, startAnvil } from "../../devnet/anvil.js";
import type { UserReservePosition } from "../../lib/aave/accountData.js";
import { normalizedDebt, normalizedIncome } from "../../lib/aave/interest.js";

const ANVIL_MNEMONIC = "test test test test test test test test test test test junk";

export type Wallet = WalletClient<Transport, Chain, Account>;

/** One listed asset: token, feed and the pool configuration it was listed with. */
export type MarketAsset = {
  symbol: string;
  token: Address;
  feed: Address;
  decimals: number;
  price: bigint;
  ltv: number;
  liquidationThreshold: number;
  liquidationBonus: number;
};

export type MarketFixture = {
  anvil: AnvilInstance;
  chain: Chain;
  publicClient: PublicClient;
  testClient: TestClient<"anvil", Transport, Chain>;
  deployer: Wallet;
  /** Supplies deep liquidity of every asset so others can borrow. */
  lender: Wallet;
  alice: Wallet;
  liquidator: Wallet;
  pool: Address;
  usdc: MarketAsset;
  weth: MarketAsset;
  wbtc: MarketAsset;
  assets: MarketAsset[];
  stop(): Promise<void>;
};

/**
 * Starts its own anvil chain and deploys three test tokens with feeds (USDC 6 dec, WETH 18, WBTC 8) and one
 * LendingPool listing all of them; the lender supplies 10M USD of each. Call `stop()` in afterAll.
 */
export async function startMarketFixture(): Promise<MarketFixture> {
  const { anvil, chainId } = await startOwnAnvil();
  try {
    const chain = defineChain({
      id: chainId,
      name: `market-${chainId}`,
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [anvil.rpcUrl] } },
    });
    const transport = http(anvil.rpcUrl);
    const publicClient = createPublicClient({ chain, transport, pollingInterval: 50 }) as PublicClient;
    const testClient = createTestClient({ chain, transport, mode: "anvil" });
    const wallet = (index: number): Wallet =>
      createWalletClient({
        chain,
        transport,
        account: mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: index }),
      });
    const [deployer, lender, alice, liquidator] = [wallet(0), wallet(1), wallet(2), wallet(3)];
    const clients = { walletClient: deployer, publicClient };

    const { address: pool } = await deployLendingPool(clients);
    const listed: MarketAsset[] = [];
    const specs = [
      {
        symbol: "USDC",
        decimals: 6,
        price: 1_00000000n,
        ltv: 7700,
        liquidationThreshold: 8000,
        liquidationBonus: 10450,
      },
      {
        symbol: "WETH",
        decimals: 18,
        price: 2000_00000000n,
        ltv: 8000,
        liquidationThreshold: 8250,
        liquidationBonus: 10500,
      },
      {
        symbol: "WBTC",
        decimals: 8,
        price: 60000_00000000n,
        ltv: 7000,
        liquidationThreshold: 7500,
        liquidationBonus: 11000,
      },
    ];
    for (const spec of specs) {
      const { address: token } = await deployTestToken({
        ...clients,
        name: spec.symbol,
        symbol: spec.symbol,
        decimals: spec.decimals,
      });
      const { address: feed } = await deployPriceFeed({
        ...clients,
        description: `${spec.symbol} / USD`,
        initialAnswer: spec.price,
      });
      await initReserve({
        ...clients,
        pool,
        asset: token,
        priceFeed: feed,
        ltvBps: spec.ltv,
        liquidationThresholdBps: spec.liquidationThreshold,
        liquidationBonusBps: spec.liquidationBonus,
        decimals: spec.decimals,
      });
      listed.push({ ...spec, token, feed });
    }
    const [usdc, weth, wbtc] = listed as [MarketAsset, MarketAsset, MarketAsset];
    const fixture: MarketFixture = {
      anvil,
      chain,
      publicClient,
      testClient,
      deployer,
      lender,
      alice,
      liquidator,
      pool,
      usdc,
      weth,
      wbtc,
      assets: listed,
      stop: () => anvil.stop(),
    };
    for (const asset of listed) {
      const amount = (10_000_000n * 10n ** BigInt(asset.decimals) * 10n ** 8n) / asset.price;
      await fund(fixture, lender, asset, amount);
      await send(fixture, lender, {
        address: pool,
        abi: lendingPoolAbi,
        functionName: "supply",
        args: [asset.token, amount, lender.account.address, 0],
      });
    }
    return fixture;
  } catch (error) {
    await anvil.stop();
    throw error;
  }
}

/**
 * startAnvil picks a free port and then spawns anvil; when another suite's anvil takes that port in between,
 * ours exits and the readiness probe is answered by the other chain. A random chain id exposes that: retry.
 */
async function startOwnAnvil(): Promise<{ anvil: AnvilInstance; chainId: number }> {
  for (let attempt = 0; ; attempt++) {
    const chainId = 40_000 + Math.floor(Math.random() * 1_000_000);
    const anvil = await startAnvil({ chainId });
    const response = await fetch(anvil.rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
    });
    const { result } = (await response.json()) as { result: string };
    await new Promise((resolve) => setTimeout(resolve, 100));
    if (Number(result) === chainId && anvil.process.exitCode === null) return { anvil, chainId };
    await anvil.stop();
    if (attempt >= 4) throw new Error("could not start an anvil of our own (port taken every time)");
  }
}

type WriteParameters = Parameters<Wallet["writeContract"]>[0];

/**
 * Sends a contract call from `wallet`, waits for it and fails loudly if it reverted. The gas estimate gets a
 * margin: it is taken in the current second, and a transaction mined in the next second also accrues interest
 * (two more storage writes per touched reserve), which an exact estimate would run out of gas on.
 */
export async function send(
  fixture: Pick<MarketFixture, "publicClient">,
  wallet: Wallet,
  // biome-ignore lint/suspicious/noExplicitAny: viem's generic write parameters, checked at the call site's abi
  call: Omit<WriteParameters, "chain" | "account"> & { args?: readonly any[] },
) {
  const estimate = await fixture.publicClient.estimateContractGas({
    ...(call as WriteParameters),
    account: wallet.account,
  } as Parameters<PublicClient["estimateContractGas"]>[0]);
  const hash: Hash = await wallet.writeContract({
    ...call,
    gas: (estimate * 12n) / 10n + 50_000n,
  } as WriteParameters);
  const receipt = await fixture.publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`transaction ${hash} reverted`);
  return receipt;
}

/** Mints `amount` of `asset` to `wallet` and approves the pool for everything. */
export async function fund(fixture: MarketFixture, wallet: Wallet, asset: MarketAsset, amount: bigint) {
  await send(fixture, fixture.deployer, {
    address: asset.token,
    abi: testERC20Abi,
    functionName: "mint",
    args: [wallet.account.address, amount],
  });
  await send(fixture, wallet, {
    address: asset.token,
    abi: testERC20Abi,
    functionName: "approve",
    args: [fixture.pool, 2n ** 256n - 1n],
  });
}

export async function setPrice(fixture: MarketFixture, asset: MarketAsset, price: bigint) {
  await send(fixture, fixture.deployer, {
    address: asset.feed,
    abi: priceFeedAbi,
    functionName: "setAnswer",
    args: [price],
  });
}

/** Moves time forward and mines a block at the new time; returns that block's number and timestamp. */
export async function advanceTime(fixture: MarketFixture, seconds: number) {
  if (seconds > 0) await fixture.testClient.increaseTime({ seconds });
  await fixture.testClient.mine({ blocks: 1 });
  const block = await fixture.publicClient.getBlock();
  return { blockNumber: block.number, timestamp: block.timestamp };
}

/** Runs `body` on a snapshot of the chain and reverts afterwards, so property runs start from one state. */
export async function onSnapshot<T>(fixture: MarketFixture, body: () => Promise<T>): Promise<T> {
  const id = await fixture.testClient.snapshot();
  try {
    return await body();
  } finally {
    await fixture.testClient.revert({ id });
  }
}

/**
 * Reads a user's positions as stored at `blockNumber` and projects the reserve indexes to `timestamp` with the
 * TypeScript interest math, ready for `calculateUserAccountData`.
 */
export async function readPositions(
  fixture: MarketFixture,
  user: Address,
  blockNumber: bigint,
  timestamp: bigint,
): Promise<(UserReservePosition & { asset: MarketAsset })[]> {
  const read = { address: fixture.pool, abi: lendingPoolAbi, blockNumber } as const;
  return Promise.all(
    fixture.assets.map(async (asset) => {
      const [reserve, userReserve, price] = await Promise.all([
        fixture.publicClient.readContract({ ...read, functionName: "getReserveData", args: [asset.token] }),
        fixture.publicClient.readContract({
          ...read,
          functionName: "getUserReserve",
          args: [user, asset.token],
        }),
        fixture.publicClient.readContract({ ...read, functionName: "getAssetPrice", args: [asset.token] }),
      ]);
      return {
        asset,
        scaledCollateral: userReserve[0],
        scaledDebt: userReserve[1],
        usedAsCollateral: userReserve[2],
        normalizedIncome: normalizedIncome(reserve, timestamp),
        normalizedDebt: normalizedDebt(reserve, timestamp),
        price,
        decimals: Number(reserve.decimals),
        ltv: reserve.ltv,
        liquidationThreshold: reserve.liquidationThreshold,
      };
    }),
  );
}

/** The name of the custom error a failed call reverted with, e.g. "CollateralCannotCoverNewBorrow". */
export async function revertName(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    let current: unknown = error;
    while (current && typeof current === "object") {
      const data = (current as { data?: { errorName?: string } }).data;
      if (data && typeof data === "object" && typeof data.errorName === "string") return data.errorName;
      current = (current as { cause?: unknown }).cause;
    }
    throw error;
  }
  return undefined;
}
