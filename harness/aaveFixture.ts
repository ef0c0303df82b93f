import type { Address, Chain, PublicClient, TestClient, Transport } from "viem";
import { aavePoolAbi, testERC20Abi, testERC20Bytecode } from "../contracts/generated/index.js";
import {
  type AaveMarket,
  type AaveReserveInput,
  deployAaveMarket,
  type EModeCategoryConfig,
  pushPrice,
  stablecoinRateStrategy,
} from "../deploy/aave.js";
import { deployBridgeHome } from "../deploy/bridge.js";
import { deployedContract } from "../deploy/receipts.js";
import type { Clients } from "../deploy/system.js";
import type { AnvilInstance } from "../devnet/anvil.js";
import type { DeploymentInput } from "../lib/deployments.js";
import { send, type Wallet } from "./aaveTx.js";
import { startLocalChain } from "./localChain.js";

export { revertName, send, type Wallet } from "./aaveTx.js";

const MAX_UINT = 2n ** 256n - 1n;

/** The eMode category every fixture market has: the stablecoins. */
export const STABLECOIN_EMODE: EModeCategoryConfig = {
  id: 1,
  ltv: 9300,
  liquidationThreshold: 9500,
  liquidationBonus: 10100,
  label: "Stablecoins",
};

export type AaveFixtureOptions = {
  /** Lists NOCOL: priced and borrowable, but LT 0 / bonus 0 (not collateral). Default true. */
  nonCollateralReserve?: boolean;
  /** Lists NOPRICE: no price source in AaveOracle, borrowing disabled. Default false. */
  unpricedReserve?: boolean;
  /**
   * Lists ODD18: a source claiming 18 decimals while the market's base unit is 1e8 (AaveOracle still
   * returns its raw answer, 2e8). Not collateral, not borrowable. Default false.
   */
  oddDecimalsReserve?: boolean;
  /** Liquidity the lender supplies to every priced reserve, in USD. Default 10M. */
  lenderLiquidityUsd?: bigint;
  /**
   * The deployer's account index of anvil's mnemonic (default 0). Another deployer puts every contract at
   * other addresses: a second market, deployed as someone else would. Accounts past 9 are funded here.
   */
  deployerIndex?: number;
  /** The chain id of the fixture's anvil (default random), e.g. Sepolia's for a local stand-in. */
  chainId?: number;
};

export type AaveFixture = {
  anvil: AnvilInstance;
  chain: Chain;
  publicClient: PublicClient;
  testClient: TestClient<"anvil", Transport, Chain>;
  /** Pool admin, owner and oracle of every aggregator. */
  deployer: Wallet;
  clients: Clients;
  /** Has supplied deep liquidity of every priced reserve. */
  lender: Wallet;
  /** Users for tests and random action sequences (nothing supplied yet). */
  users: Wallet[];
  liquidator: Wallet;
  /** Receives reserve-factor interest and liquidation protocol fees (an EOA so its balances are clean). */
  treasury: Address;
  market: AaveMarket;
  /** Underlying tokens by symbol (TestERC20: public faucet `mint`). */
  tokens: Record<string, Address>;
  /** A complete deployments file (home chain = this anvil, one validator) with the market in aaveMarkets. */
  deploymentsFile: DeploymentInput;
  stop(): Promise<void>;
};

/** Reserves every fixture market lists; prices in 8-decimal USD. */
function reserveSpecs(options: AaveFixtureOptions) {
  const specs: (Omit<AaveReserveInput, "asset"> & { name: string })[] = [
    {
      symbol: "USDC",
      name: "USD Coin",
      decimals: 6,
      initialPrice: 1_00000000n,
      ltv: 7700,
      liquidationThreshold: 8000,
      liquidationBonus: 10450,
      eModeCategory: 1,
      rateStrategy: stablecoinRateStrategy,
    },
    {
      symbol: "DAI",
      name: "Dai Stablecoin",
      decimals: 18,
      initialPrice: 1_00000000n,
      ltv: 7500,
      liquidationThreshold: 8000,
      liquidationBonus: 10500,
      eModeCategory: 1,
      reserveFactor: 2000,
      rateStrategy: stablecoinRateStrategy,
    },
    {
      symbol: "WETH",
      name: "Wrapped Ether",
      decimals: 18,
      initialPrice: 2000_00000000n,
      ltv: 8000,
      liquidationThreshold: 8250,
      liquidationBonus: 10500,
      supplyCap: 100_000n,
      borrowCap: 50_000n,
    },
  ];
  if (options.nonCollateralReserve ?? true) {
    specs.push({
      symbol: "NOCOL",
      name: "Not Collateral",
      decimals: 18,
      initialPrice: 5_00000000n,
      ltv: 0,
      liquidationThreshold: 0,
      liquidationBonus: 0,
    });
  }
  if (options.unpricedReserve ?? false) {
    specs.push({
      symbol: "NOPRICE",
      name: "No Price Source",
      decimals: 18,
      initialPrice: null,
      ltv: 0,
      liquidationThreshold: 0,
      liquidationBonus: 0,
      borrowingEnabled: false,
    });
  }
  if (options.oddDecimalsReserve ?? false) {
    specs.push({
      symbol: "ODD18",
      name: "Odd Feed Decimals",
      decimals: 18,
      initialPrice: 2_00000000n,
      feedDecimals: 18,
      ltv: 0,
      liquidationThreshold: 0,
      liquidationBonus: 0,
      borrowingEnabled: false,
    });
  }
  return specs;
}

/**
 * Starts its own anvil (automine, no block interval: `evm_increaseTime` works) and deploys the real Aave
 * v3 market with Chainlink aggregator+proxy sources, a one-validator bridge home (so the deployments file
 * is complete) and test tokens. The lender supplies liquidity. Call `stop()` in afterAll.
 */
export async function startAaveFixture(options: AaveFixtureOptions = {}): Promise<AaveFixture> {
  const { anvil, chain, chainId, publicClient, testClient, wallet } = await startLocalChain(
    "aave",
    options.chainId,
  );
  try {
    const deployer = wallet(options.deployerIndex ?? 0);
    if ((options.deployerIndex ?? 0) > 9)
      await testClient.setBalance({ address: deployer.account.address, value: 10n ** 24n });
    const lender = wallet(1);
    const users = [wallet(2), wallet(3), wallet(4), wallet(5), wallet(6)];
    const liquidator = wallet(7);
    const treasury = wallet(8).account.address;
    const validator = wallet(9).account.address;
    const clients: Clients = { walletClient: deployer, publicClient };

    const specs = reserveSpecs(options);
    const tokens: Record<string, Address> = {};
    for (const spec of specs) {
      const hash = await deployer.deployContract({
        abi: testERC20Abi,
        bytecode: testERC20Bytecode,
        args: [spec.name, spec.symbol, spec.decimals],
      });
      tokens[spec.symbol] = (await deployedContract(publicClient, hash, spec.symbol)).address;
    }
    const home = await deployBridgeHome({
      ...clients,
      validators: [validator],
      threshold: 1n,
      graceSeconds: 600n,
      maxPauseSeconds: 3600n,
      tokens: Object.values(tokens),
    });
    const market = await deployAaveMarket(clients, {
      protocol: "aave-test",
      name: "Test",
      treasury,
      reserves: specs.map(({ name: _name, ...spec }) => ({ ...spec, asset: tokens[spec.symbol]! })),
      eModeCategories: [STABLECOIN_EMODE],
    });

    const fixture: AaveFixture = {
      anvil,
      chain,
      publicClient,
      testClient,
      deployer,
      clients,
      lender,
      users,
      liquidator,
      treasury,
      market,
      tokens,
      deploymentsFile: {
        name: `aave-fixture-${chainId}`,
        createdAt: new Date().toISOString(),
        homeChainId: chainId,
        validators: { epoch: 1, addresses: [validator], threshold: 1 },
        chains: [
          {
            network: "aave-fixture",
            chainId,
            role: "home",
            validatorSet: home.validatorSet,
            bridge: home.vault,
            tokens: specs.map((spec) => ({
              symbol: spec.symbol,
              decimals: spec.decimals,
              address: tokens[spec.symbol]!,
              homeToken: tokens[spec.symbol]!,
              kind: "native" as const,
              priceFeed: market.reserve(spec.symbol).priceSource?.proxy,
            })),
            aaveMarkets: [market.deployment],
          },
        ],
      },
      stop: () => anvil.stop(),
    };
    const liquidityUsd = options.lenderLiquidityUsd ?? 10_000_000n;
    for (const reserve of market.reserves) {
      if (!reserve.priceSource || reserve.config.initialPrice === null) continue;
      let amount = (liquidityUsd * 10n ** BigInt(reserve.decimals) * 10n ** 8n) / reserve.config.initialPrice;
      const cap = reserve.config.supplyCap * 10n ** BigInt(reserve.decimals);
      if (cap > 0n && amount > cap / 2n) amount = cap / 2n;
      await fund(fixture, lender, reserve.asset, amount);
      await supply(fixture, lender, reserve.asset, amount);
    }
    return fixture;
  } catch (error) {
    await anvil.stop();
    throw error;
  }
}

/** Mints `amount` of `asset` to `wallet` and approves the Pool for everything. */
export async function fund(fixture: AaveFixture, wallet: Wallet, asset: Address, amount: bigint) {
  await send(fixture, fixture.deployer, {
    address: asset,
    abi: testERC20Abi,
    functionName: "mint",
    args: [wallet.account.address, amount],
  });
  await send(fixture, wallet, {
    address: asset,
    abi: testERC20Abi,
    functionName: "approve",
    args: [fixture.market.pool, MAX_UINT],
  });
}

export async function supply(fixture: AaveFixture, wallet: Wallet, asset: Address, amount: bigint) {
  return send(fixture, wallet, {
    address: fixture.market.pool,
    abi: aavePoolAbi,
    functionName: "supply",
    args: [asset, amount, wallet.account.address, 0],
  });
}

/** Variable-rate borrow (interestRateMode 2). */
export async function borrow(fixture: AaveFixture, wallet: Wallet, asset: Address, amount: bigint) {
  return send(fixture, wallet, {
    address: fixture.market.pool,
    abi: aavePoolAbi,
    functionName: "borrow",
    args: [asset, amount, 2n, 0, wallet.account.address],
  });
}

/** Submits a new round on the reserve's current aggregator (as the deployer, its oracle). */
export async function setPrice(fixture: AaveFixture, symbol: string, answer: bigint) {
  const source = fixture.market.reserve(symbol).priceSource;
  if (!source) throw new Error(`${symbol} has no price source`);
  return pushPrice(fixture.clients, source.aggregator, answer);
}

export async function accountData(fixture: AaveFixture, user: Address) {
  const [
    totalCollateralBase,
    totalDebtBase,
    availableBorrowsBase,
    currentLiquidationThreshold,
    ltv,
    healthFactor,
  ] = await fixture.publicClient.readContract({
    address: fixture.market.pool,
    abi: aavePoolAbi,
    functionName: "getUserAccountData",
    args: [user],
  });
  return {
    totalCollateralBase,
    totalDebtBase,
    availableBorrowsBase,
    currentLiquidationThreshold,
    ltv,
    healthFactor,
  };
}

/** Moves time forward and mines a block at the new time (automine chains only). */
export async function advanceTime(
  fixture: Pick<AaveFixture, "testClient" | "publicClient">,
  seconds: number,
) {
  if (seconds > 0) await fixture.testClient.increaseTime({ seconds });
  await fixture.testClient.mine({ blocks: 1 });
  const block = await fixture.publicClient.getBlock();
  return { blockNumber: block.number, timestamp: block.timestamp };
}

/** Runs `body` on a snapshot of the chain and reverts afterwards, so property runs start from one state. */
export async function onSnapshot<T>(
  fixture: Pick<AaveFixture, "testClient">,
  body: () => Promise<T>,
): Promise<T> {
  const id = await fixture.testClient.snapshot();
  try {
    return await body();
  } finally {
    await fixture.testClient.revert({ id });
  }
}
