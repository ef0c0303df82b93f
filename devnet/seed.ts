import { type Abi, type Address, erc20Abi, type Hex, maxUint256, parseEventLogs, parseUnits } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import {
  aaveOracleAbi,
  aavePoolAbi,
  aTokenAbi,
  bridgeMinterAbi,
  bridgeVaultAbi,
  chainlinkMorphoOracleAbi,
  morphoAbi,
  testERC20Abi,
  uniswapV3PoolAbi,
} from "../contracts/generated/index.js";
import { type Clients as BridgeClients, clientsFor } from "../deploy/system.js";
import { transact } from "../deploy/transact.js";
import { addUniswapLiquidity } from "../deploy/uniswap.js";
import { messageFromLockedLog } from "../lib/bridge/message.js";
import { attestationTypedData, sortSignaturesBySigner } from "../lib/bridge/typedData.js";
import type { ChainDeployment, Deployment } from "../lib/deployments.js";
import { mulDivDown, ORACLE_PRICE_SCALE, wMulDown } from "../lib/morpho/math.js";
import { getNetwork, resolveRpcUrl } from "../lib/networks.js";
import { DEVNET_VALIDATOR_THRESHOLD, devKey, devnetKeys } from "./accounts.js";

/** Borrowers are anvil accounts 12.. (the devnet starts anvil with 20 funded accounts). */
export const BORROWER_ACCOUNT_INDEXES = [12, 13, 14, 15, 16, 17] as const;
/** Stablecoin eMode users (wUSDC collateral, DAI debt), also the lenders/borrowers of the demo traffic. */
export const EMODE_ACCOUNT_INDEXES = [18, 19] as const;
/** Their health factors: eMode's LT 95% lets them borrow far beyond USDC's own 77% LTV. */
const EMODE_TARGET_HEALTH_FACTORS = [1.06, 1.3] as const;

/**
 * Target health factors of the seeded borrowers on each pool: a spread from comfortable to one price
 * tick away from liquidation. WETH collateral at LTV 80% / LT 82.5% cannot be borrowed below HF 1.031,
 * so the lowest targets sit right at that edge and the demo's price moves push them across.
 */
const TARGET_HEALTH_FACTORS = [3, 2, 1.5, 1.2, 1.08, 1.035] as const;

type Step = (message: string) => void;

export function chainClients(chain: ChainDeployment, key: Hex): BridgeClients {
  const network = getNetwork(chain.network);
  return clientsFor({ network, rpcUrl: resolveRpcUrl(network), role: chain.role }, key);
}

function tokenOf(chain: ChainDeployment, symbol: string) {
  const token = chain.tokens.find((t) => t.symbol === symbol);
  if (!token) throw new Error(`no ${symbol} on ${chain.network}`);
  return token;
}

/**
 * Bridges `amount` of a home asset to the deployer on a remote chain, signing the attestation with the
 * devnet validator keys in-process. Only the devnet bootstrap does this (before the validator processes
 * run); afterwards every transfer goes through validators and the relayer.
 */
async function bootstrapBridge(
  deployment: Deployment,
  remote: ChainDeployment,
  symbol: string,
  amount: bigint,
): Promise<void> {
  const home = deployment.chains.find((c) => c.role === "home")!;
  const deployer = chainClients(home, devnetKeys.deployer);
  const token = tokenOf(home, symbol);
  await transact(
    deployer,
    {
      address: token.address,
      abi: testERC20Abi,
      functionName: "mint",
      args: [deployer.walletClient.account.address, amount],
    },
    "mint",
  );
  await transact(
    deployer,
    {
      address: token.address,
      abi: erc20Abi,
      functionName: "approve",
      args: [home.bridge.address, amount],
    },
    "approve",
  );
  const receipt = await transact(
    deployer,
    {
      address: home.bridge.address,
      abi: bridgeVaultAbi,
      functionName: "lock",
      args: [token.address, amount, BigInt(remote.chainId), deployer.walletClient.account.address],
    },
    "lock",
  );
  const [log] = parseEventLogs({ abi: bridgeVaultAbi, eventName: "Locked", logs: receipt.logs });
  if (!log) throw new Error("lock emitted no Locked event");
  const message = messageFromLockedLog({ log, sourceChainId: home.chainId });
  const typedData = attestationTypedData(message, 1n);
  const signatures = await Promise.all(
    devnetKeys.validators
      .slice(0, DEVNET_VALIDATOR_THRESHOLD)
      .map((key) => privateKeyToAccount(key).signTypedData(typedData)),
  );
  const sorted = await sortSignaturesBySigner(typedData, signatures);
  const remoteClients = chainClients(remote, devnetKeys.deployer);
  await transact(
    remoteClients,
    {
      address: remote.bridge.address,
      abi: bridgeMinterAbi,
      functionName: "mint",
      args: [message, 1n, sorted.map((s) => s.signature)],
    },
    "bootstrap mint",
  );
}

async function fundAndApprove(
  clients: BridgeClients,
  from: BridgeClients,
  token: Address,
  amount: bigint,
  pool: Address,
): Promise<void> {
  await transact(
    from,
    {
      address: token,
      abi: erc20Abi,
      functionName: "transfer",
      args: [clients.walletClient.account.address, amount],
    },
    "transfer",
  );
  await transact(
    clients,
    {
      address: token,
      abi: erc20Abi,
      functionName: "approve",
      args: [pool, maxUint256],
    },
    "approve",
  );
}

/**
 * Gives the devnet something to look at: home assets for the demo users, bridged liquidity on every
 * remote chain, lenders in every Aave market, borrowers at a spread of health factors, eMode users and
 * aToken transfers.
 */
export async function seedDevnet(deployment: Deployment, step: Step, borrowerKeys: Hex[]): Promise<void> {
  const home = deployment.chains.find((c) => c.role === "home")!;
  const deployerHome = chainClients(home, devnetKeys.deployer);
  step(`[${home.network}] minting USDC and WETH to ${devnetKeys.users.length} demo users`);
  for (const key of devnetKeys.users) {
    const user = privateKeyToAccount(key).address;
    for (const [symbol, amount] of [
      ["USDC", "1000000"],
      ["WETH", "1000"],
    ] as const) {
      const token = tokenOf(home, symbol);
      await transact(
        deployerHome,
        {
          address: token.address,
          abi: testERC20Abi,
          functionName: "mint",
          args: [user, parseUnits(amount, token.decimals)],
        },
        "mint",
      );
    }
  }

  for (const remote of deployment.chains.filter((c) => c.role === "remote")) {
    step(`[${remote.network}] bridging liquidity and seeding Aave positions`);
    await bootstrapBridge(deployment, remote, "USDC", parseUnits("3000000", 6));
    await bootstrapBridge(deployment, remote, "WETH", parseUnits("400", 18));
    await seedMarket(remote, borrowerKeys);
    if (remote.morpho) {
      step(`[${remote.network}] seeding Morpho Blue positions`);
      await seedMorpho(remote, borrowerKeys);
    }
    if (remote.uniswap) {
      step(`[${remote.network}] adding Uniswap v3 liquidity in several ranges`);
      await bootstrapBridge(deployment, remote, "USDC", parseUnits("600000", 6));
      await bootstrapBridge(deployment, remote, "WETH", parseUnits("150", 18));
      await seedUniswap(remote);
    }
  }
}

type Tx = { address: Address; abi: Abi; functionName: string; args: readonly unknown[] };
const run = (clients: BridgeClients, tx: Tx, what: string) => transact(clients, tx, what);

/**
 * One remote chain's Aave market: the deployer lends stablecoins and some wWETH, borrowers borrow against
 * wWETH at a spread of health factors, two users borrow DAI against wUSDC in the stablecoin eMode, aTokens
 * change hands, and the liquidator account is funded and approved for the demo's liquidations.
 */
async function seedMarket(remote: ChainDeployment, borrowerKeys: Hex[]): Promise<void> {
  const market = remote.aaveMarkets[0];
  if (!market) throw new Error(`no Aave market on ${remote.network}`);
  const pool = market.pool;
  const lender = chainClients(remote, devnetKeys.deployer);
  const lenderAddress = lender.walletClient.account.address;
  const wusdc = tokenOf(remote, "wUSDC");
  const wweth = tokenOf(remote, "wWETH");
  const dai = tokenOf(remote, "DAI");
  const poolTx = (functionName: string, args: readonly unknown[]): Tx => ({
    address: pool,
    abi: aavePoolAbi,
    functionName,
    args,
  });
  const wethPrice = await lender.publicClient.readContract({
    address: market.aaveOracle,
    abi: aaveOracleAbi,
    functionName: "getAssetPrice",
    args: [wweth.address],
  });

  // The lender supplies stablecoins (and some wWETH) for borrowers to borrow.
  await run(
    lender,
    {
      address: dai.address,
      abi: testERC20Abi,
      functionName: "mint",
      args: [lenderAddress, parseUnits("2500000", 18)],
    },
    "mint DAI",
  );
  for (const [token, amount] of [
    [wusdc, parseUnits("2000000", 6)],
    [dai, parseUnits("2000000", 18)],
    [wweth, parseUnits("100", 18)],
  ] as const) {
    await run(
      lender,
      { address: token.address, abi: erc20Abi, functionName: "approve", args: [pool, maxUint256] },
      "approve",
    );
    await run(lender, poolTx("supply", [token.address, amount, lenderAddress, 0]), `supply ${token.symbol}`);
  }

  // Borrowers: wWETH collateral; debt in wUSDC on even accounts, DAI on odd ones.
  const collateral = parseUnits("20", 18);
  const collateralUsd = (Number(wethPrice) / 1e8) * 20;
  for (const [index, key] of borrowerKeys.entries()) {
    const borrower = chainClients(remote, key);
    const target = TARGET_HEALTH_FACTORS[index % TARGET_HEALTH_FACTORS.length]!;
    await fundAndApprove(borrower, lender, wweth.address, collateral, pool);
    await run(
      borrower,
      poolTx("supply", [wweth.address, collateral, borrower.walletClient.account.address, 0]),
      "supply collateral",
    );
    const debtToken = index % 2 === 0 ? wusdc : dai;
    const debtUsd = (collateralUsd * 0.825) / target;
    const amount = parseUnits(debtUsd.toFixed(2), debtToken.decimals);
    await run(
      borrower,
      poolTx("borrow", [debtToken.address, amount, 2n, 0, borrower.walletClient.account.address]),
      "borrow",
    );
  }

  // eMode users: 50k wUSDC collateral, DAI debt at LT 95%; they keep the rest for the demo traffic.
  for (const [index, accountIndex] of EMODE_ACCOUNT_INDEXES.entries()) {
    const user = chainClients(remote, devKey(accountIndex));
    const address = user.walletClient.account.address;
    await fundAndApprove(user, lender, wusdc.address, parseUnits("100000", 6), pool);
    await run(
      user,
      { address: dai.address, abi: erc20Abi, functionName: "approve", args: [pool, maxUint256] },
      "approve DAI",
    );
    await run(user, poolTx("supply", [wusdc.address, parseUnits("50000", 6), address, 0]), "supply wUSDC");
    await run(user, poolTx("setUserEMode", [1]), "setUserEMode");
    const debt = (50_000 * 0.95) / EMODE_TARGET_HEALTH_FACTORS[index]!;
    await run(
      user,
      poolTx("borrow", [dai.address, parseUnits(debt.toFixed(2), 18), 2n, 0, address]),
      "eMode borrow",
    );
  }

  // aToken transfers: the lender hands aWUSDC to a demo user, a borrower hands aWWETH to an eMode user.
  const aTokenOf = async (asset: Address) =>
    (
      await lender.publicClient.readContract({
        address: pool,
        abi: aavePoolAbi,
        functionName: "getReserveData",
        args: [asset],
      })
    ).aTokenAddress;
  const aWusdc = await aTokenOf(wusdc.address);
  const aWweth = await aTokenOf(wweth.address);
  const demoUser = privateKeyToAccount(devnetKeys.users[0]).address;
  await run(
    lender,
    { address: aWusdc, abi: aTokenAbi, functionName: "transfer", args: [demoUser, parseUnits("10000", 6)] },
    "aToken transfer",
  );
  const safeBorrower = chainClients(remote, borrowerKeys[0]!);
  const emodeUser = privateKeyToAccount(devKey(EMODE_ACCOUNT_INDEXES[0])).address;
  await run(
    safeBorrower,
    { address: aWweth, abi: aTokenAbi, functionName: "transfer", args: [emodeUser, parseUnits("1", 18)] },
    "aToken transfer",
  );

  // The liquidator holds debt assets and has approved the Pool (devnet/traffic.ts liquidates).
  const liquidator = chainClients(remote, devnetKeys.liquidator);
  await fundAndApprove(liquidator, lender, wusdc.address, parseUnits("300000", 6), pool);
  await fundAndApprove(liquidator, lender, dai.address, parseUnits("300000", 18), pool);
}

/**
 * One remote chain's Morpho Blue markets (deploy/system.ts): the deployer lends DAI in each; the Aave
 * borrowers also borrow DAI against 10 wWETH at the same spread of health factors (Morpho's: collateral
 * value x LLTV over debt), and the eMode users borrow DAI against 20k wUSDC. The liquidator approves Morpho.
 */
async function seedMorpho(remote: ChainDeployment, borrowerKeys: Hex[]): Promise<void> {
  const morpho = remote.morpho!;
  const lender = chainClients(remote, devnetKeys.deployer);
  const lenderAddress = lender.walletClient.account.address;
  const dai = tokenOf(remote, "DAI");
  const marketOf = (symbol: string) => {
    const token = tokenOf(remote, symbol);
    const market = morpho.markets.find(
      (m) => m.collateralToken === token.address && m.loanToken === dai.address,
    );
    if (!market) throw new Error(`no Morpho ${symbol}/DAI market on ${remote.network}`);
    const params = {
      loanToken: market.loanToken,
      collateralToken: market.collateralToken,
      oracle: market.oracle,
      irm: market.irm,
      lltv: BigInt(market.lltv),
    };
    return { token, params };
  };
  const morphoTx = (functionName: string, args: readonly unknown[]): Tx => ({
    address: morpho.address,
    abi: morphoAbi,
    functionName,
    args,
  });
  const wweth = marketOf("wWETH");
  const wusdc = marketOf("wUSDC");

  await run(
    lender,
    {
      address: dai.address,
      abi: testERC20Abi,
      functionName: "mint",
      args: [lenderAddress, parseUnits("1500000", 18)],
    },
    "mint DAI",
  );
  await run(
    lender,
    { address: dai.address, abi: erc20Abi, functionName: "approve", args: [morpho.address, maxUint256] },
    "approve DAI to Morpho",
  );
  for (const [market, amount] of [
    [wweth, parseUnits("1000000", 18)],
    [wusdc, parseUnits("500000", 18)],
  ] as const) {
    await run(
      lender,
      morphoTx("supply", [market.params, amount, 0n, lenderAddress, "0x"]),
      "Morpho supply DAI",
    );
  }

  /** Posts collateral and borrows DAI so that collateral value x LLTV / debt = `target`. */
  const borrowAt = async (key: Hex, market: typeof wweth, collateral: bigint, target: number) => {
    const borrower = chainClients(remote, key);
    const address = borrower.walletClient.account.address;
    await fundAndApprove(borrower, lender, market.token.address, collateral, morpho.address);
    await run(
      borrower,
      morphoTx("supplyCollateral", [market.params, collateral, address, "0x"]),
      "Morpho collateral",
    );
    const price = await borrower.publicClient.readContract({
      address: market.params.oracle,
      abi: chainlinkMorphoOracleAbi,
      functionName: "price",
    });
    const maxBorrow = wMulDown(mulDivDown(collateral, price, ORACLE_PRICE_SCALE), market.params.lltv);
    const amount = (maxBorrow * 1000n) / BigInt(Math.round(target * 1000));
    await run(borrower, morphoTx("borrow", [market.params, amount, 0n, address, address]), "Morpho borrow");
  };
  for (const [index, key] of borrowerKeys.entries()) {
    await borrowAt(
      key,
      wweth,
      parseUnits("10", 18),
      TARGET_HEALTH_FACTORS[index % TARGET_HEALTH_FACTORS.length]!,
    );
  }
  for (const [index, accountIndex] of EMODE_ACCOUNT_INDEXES.entries()) {
    await borrowAt(devKey(accountIndex), wusdc, parseUnits("20000", 6), EMODE_TARGET_HEALTH_FACTORS[index]!);
  }
  const liquidator = chainClients(remote, devnetKeys.liquidator);
  await run(
    liquidator,
    { address: dai.address, abi: erc20Abi, functionName: "approve", args: [morpho.address, maxUint256] },
    "approve DAI to Morpho",
  );
}

/**
 * Liquidity in each of a remote chain's Uniswap pools (deploy/system.ts): ranges of several widths
 * around the opening price, so depth thins out a few percent away from it, as on a real pool and as
 * the cascade must see (half-widths in ticks; 100 ticks is about 1 %). Amounts are what the deployer
 * offers per range (the position manager takes what the price allows).
 */
const UNISWAP_RANGES: Record<string, { halfWidth: number; asset: string; quote: string }[]> = {
  wWETH: [
    { halfWidth: 6000, asset: "60", quote: "180000" },
    { halfWidth: 1200, asset: "40", quote: "120000" },
    { halfWidth: 300, asset: "30", quote: "90000" },
  ],
  wUSDC: [
    { halfWidth: 1000, asset: "200000", quote: "200000" },
    { halfWidth: 50, asset: "300000", quote: "300000" },
  ],
};

async function seedUniswap(remote: ChainDeployment): Promise<void> {
  const uniswap = remote.uniswap!;
  const deployer = chainClients(remote, devnetKeys.deployer);
  const dai = tokenOf(remote, "DAI");
  await run(
    deployer,
    {
      address: dai.address,
      abi: testERC20Abi,
      functionName: "mint",
      args: [deployer.walletClient.account.address, parseUnits("1000000", 18)],
    },
    "mint DAI",
  );
  for (const pool of uniswap.pools) {
    const asset = remote.tokens.find(
      (t) => t.kind === "wrapped" && (t.address === pool.token0 || t.address === pool.token1),
    )!;
    const [, tick] = await deployer.publicClient.readContract({
      address: pool.address,
      abi: uniswapV3PoolAbi,
      functionName: "slot0",
    });
    const center = Math.floor(tick / pool.tickSpacing) * pool.tickSpacing;
    for (const range of UNISWAP_RANGES[asset.symbol] ?? []) {
      const amounts = new Map([
        [asset.address, parseUnits(range.asset, asset.decimals)],
        [dai.address, parseUnits(range.quote, dai.decimals)],
      ]);
      await addUniswapLiquidity(
        { walletClient: deployer.walletClient, publicClient: deployer.publicClient },
        { ...uniswap, startBlock: pool.startBlock },
        [pool.token0, pool.token1],
        pool.fee,
        {
          tickLower: center - range.halfWidth,
          tickUpper: center + range.halfWidth,
          amount0: amounts.get(pool.token0)!,
          amount1: amounts.get(pool.token1)!,
        },
      );
    }
  }
}
