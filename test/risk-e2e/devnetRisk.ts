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
  maxUint256,
  type PublicClient,
  type TestClient,
} from "viem";
import { aaveOracleAbi, aavePoolAbi, aaveProtocolDataProviderAbi } from "../../contracts/generated/index.js";
import { freePort } from "../../devnet/anvil.js";
import { type ChainDeployment, type Deployment, readDeployment } from "../../lib/deployments.js";
import { devnetNetworks, rpcUrlVariable } from "../../lib/networks.js";

/**
 * The devnet as `npm start` runs it (chains + deployment + seeding, DEVNET_SERVICES=none), plus the
 * chain-side arithmetic the risk e2e tests compare the API against. Everything here reads the chains
 * with viem; nothing reads the indexer, so the two sides are independent.
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
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", "devnet/main.ts"], {
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
    atT.set(c.deployment.chainId, await c.client.getBlockNumber());
  }
  for (const c of devnet.chains) {
    await c.test.setNextBlockTimestamp({ timestamp: timestamp + 1n });
    await c.test.mine({ blocks: 1 });
  }
  return atT;
}

export type ChainReserve = {
  asset: Address;
  symbol: string;
  decimals: number;
  wrapped: boolean;
  liquidationThreshold: number;
  eModeCategory: number;
  /** AaveOracle's answer over BASE_CURRENCY_UNIT. */
  priceUsd: number;
};

export type ChainPosition = {
  user: Address;
  /** getUserAccountData: exact (decimal strings) and as floats (base currency over its unit; HF over 1e18). */
  account: {
    exact: Record<
      | "totalCollateralBase"
      | "totalDebtBase"
      | "availableBorrowsBase"
      | "currentLiquidationThreshold"
      | "ltv"
      | "healthFactor",
      string
    >;
    collateralUsd: number;
    debtUsd: number;
    healthFactor: number | null;
  };
  reserves: { reserve: ChainReserve; collateral: bigint; debt: bigint; usedAsCollateral: boolean }[];
};

/**
 * Everything about one Aave v3 market at one block, read from the chain: reserves through
 * AaveProtocolDataProvider, prices through AaveOracle (as the Pool uses them, over BASE_CURRENCY_UNIT),
 * users from the Pool's Supply/Borrow logs, each account from `getUserAccountData`. eMode users get
 * their category's liquidation threshold on the category's reserves (GenericLogic).
 */
export async function readPool(chain: DevnetChain, blockNumber: bigint) {
  const market = chain.deployment.aaveMarkets[0]!;
  const at = { blockNumber };
  const unit = Number(market.baseCurrencyUnit);
  const assets = await chain.client.readContract({
    address: market.pool,
    abi: aavePoolAbi,
    functionName: "getReservesList",
    ...at,
  });
  const reserves: ChainReserve[] = [];
  for (const asset of assets) {
    const [config, price, eModeCategory] = await Promise.all([
      chain.client.readContract({
        address: market.dataProvider,
        abi: aaveProtocolDataProviderAbi,
        functionName: "getReserveConfigurationData",
        args: [asset],
        ...at,
      }),
      chain.client.readContract({
        address: market.aaveOracle,
        abi: aaveOracleAbi,
        functionName: "getAssetPrice",
        args: [asset],
        ...at,
      }),
      chain.client.readContract({
        address: market.dataProvider,
        abi: aaveProtocolDataProviderAbi,
        functionName: "getReserveEModeCategory",
        args: [asset],
        ...at,
      }),
    ]);
    const token = chain.deployment.tokens.find((t) => t.address.toLowerCase() === asset.toLowerCase())!;
    reserves.push({
      asset,
      symbol: token.symbol,
      decimals: Number(config[0]),
      wrapped: token.kind === "wrapped",
      liquidationThreshold: Number(config[2]),
      eModeCategory: Number(eModeCategory),
      priceUsd: Number(price) / unit,
    });
  }
  const logs = await chain.client.getLogs({
    address: market.pool,
    events: aavePoolAbi.filter((x) => x.type === "event" && (x.name === "Supply" || x.name === "Borrow")),
    fromBlock: 0n,
    toBlock: blockNumber,
  });
  // aToken receivers hold positions without a Supply of their own (transfers, the treasury's fees).
  const aTokens = await Promise.all(
    assets.map(async (asset) => {
      const [aToken] = await chain.client.readContract({
        address: market.dataProvider,
        abi: aaveProtocolDataProviderAbi,
        functionName: "getReserveTokensAddresses",
        args: [asset],
        ...at,
      });
      return aToken;
    }),
  );
  const transfers = await chain.client.getLogs({
    address: aTokens,
    event: erc20Abi.find((x) => x.type === "event" && x.name === "Transfer")!,
    fromBlock: 0n,
    toBlock: blockNumber,
  });
  const users = [
    ...new Set([
      ...logs.map((l) => (l.args as { onBehalfOf: Address }).onBehalfOf.toLowerCase() as Address),
      ...transfers
        .map((l) => (l.args.to as Address).toLowerCase() as Address)
        .filter((a) => a !== "0x0000000000000000000000000000000000000000"),
    ]),
  ];
  const positions: ChainPosition[] = [];
  for (const user of users) {
    const [data, eMode] = await Promise.all([
      chain.client.readContract({
        address: market.pool,
        abi: aavePoolAbi,
        functionName: "getUserAccountData",
        args: [user],
        ...at,
      }),
      chain.client.readContract({
        address: market.pool,
        abi: aavePoolAbi,
        functionName: "getUserEMode",
        args: [user],
        ...at,
      }),
    ]);
    const category =
      eMode === 0n
        ? null
        : await chain.client.readContract({
            address: market.pool,
            abi: aavePoolAbi,
            functionName: "getEModeCategoryData",
            args: [Number(eMode)],
            ...at,
          });
    const entries = [];
    for (const reserve of reserves) {
      const r = await chain.client.readContract({
        address: market.dataProvider,
        abi: aaveProtocolDataProviderAbi,
        functionName: "getUserReserveData",
        args: [reserve.asset, user],
        ...at,
      });
      const collateral = r[0];
      const debt = r[1] + r[2];
      if (collateral === 0n && debt === 0n) continue;
      const inEMode = category !== null && reserve.eModeCategory === Number(eMode);
      entries.push({
        reserve:
          inEMode && reserve.liquidationThreshold !== 0
            ? { ...reserve, liquidationThreshold: Number(category.liquidationThreshold) }
            : reserve,
        collateral,
        debt,
        usedAsCollateral: r[8],
      });
    }
    positions.push({
      user,
      account: {
        exact: {
          totalCollateralBase: data[0].toString(),
          totalDebtBase: data[1].toString(),
          availableBorrowsBase: data[2].toString(),
          currentLiquidationThreshold: data[3].toString(),
          ltv: data[4].toString(),
          healthFactor: data[5].toString(),
        },
        collateralUsd: Number(data[0]) / unit,
        debtUsd: Number(data[1]) / unit,
        healthFactor: data[5] === maxUint256 ? null : Number(data[5]) / 1e18,
      },
      reserves: entries,
    });
  }
  return { protocol: market.protocol, reserves, positions };
}

export type ChainPool = Awaited<ReturnType<typeof readPool>>;

const tokens = (amount: bigint, decimals: number) => Number(amount) / 10 ** decimals;

/** Collateral value that counts (enabled as collateral, LT > 0), optionally with wrapped tokens repriced. */
function values(position: ChainPosition, recovery = 1) {
  let collateral = 0;
  let weighted = 0;
  let wrapped = 0;
  let wrappedWeighted = 0;
  let debt = 0;
  let wrappedSupplied = 0;
  for (const e of position.reserves) {
    const price = e.reserve.priceUsd * (e.reserve.wrapped ? recovery : 1);
    debt += tokens(e.debt, e.reserve.decimals) * e.reserve.priceUsd;
    const supplied = tokens(e.collateral, e.reserve.decimals) * price;
    if (e.reserve.wrapped) wrappedSupplied += tokens(e.collateral, e.reserve.decimals) * e.reserve.priceUsd;
    if (!e.usedAsCollateral || e.reserve.liquidationThreshold === 0) continue;
    collateral += supplied;
    weighted += (supplied * e.reserve.liquidationThreshold) / 10_000;
    if (e.reserve.wrapped) {
      wrapped += supplied;
      wrappedWeighted += (supplied * e.reserve.liquidationThreshold) / 10_000;
    }
  }
  return { collateral, weighted, wrapped, wrappedWeighted, debt, wrappedSupplied };
}

/** DESIGN.md section 4 exposure of one pool to the deployment's (only) bridge. */
export function expectedExposure(pool: ChainPool) {
  let total = 0;
  let power = 0;
  let bridged = 0;
  let bridgedPower = 0;
  for (const p of pool.positions) {
    const v = values(p);
    total += v.collateral;
    power += v.weighted;
    bridged += v.wrapped;
    bridgedPower += v.wrappedWeighted;
  }
  const share = total > 0 ? bridged / total : 0;
  return {
    totalCollateralUsd: total,
    totalBorrowingPowerUsd: power,
    bridgedCollateralUsd: bridged,
    share,
    borrowingPowerShare: power > 0 ? bridgedPower / power : 0,
    hhi: share * share,
  };
}

/**
 * DESIGN.md section 4 bridge failure, recomputed by hand: wrapped collateral at `recovery * P`, debt at
 * oracle prices; bad debt = sum max(0, D - C'); liquidatable debt = D of positions with HF' < 1; lenders'
 * loss = added bad debt + haircut on wrapped tokens supplied by accounts without debt.
 */
export function expectedBridgeFailure(pools: ChainPool[], recovery: number) {
  const losses = (rho: number) => {
    let badDebt = 0;
    let liquidatableDebt = 0;
    let liquidatable = 0;
    let lenderHaircut = 0;
    for (const pool of pools) {
      for (const p of pool.positions) {
        const v = values(p, rho);
        if (v.debt === 0) {
          lenderHaircut += v.wrappedSupplied * (1 - rho);
          continue;
        }
        badDebt += Math.max(0, v.debt - v.collateral);
        if (v.weighted / v.debt < 1 - 1e-12) {
          liquidatableDebt += v.debt;
          liquidatable++;
        }
      }
    }
    return { badDebt, liquidatableDebt, liquidatable, lenderHaircut };
  };
  const after = losses(recovery);
  const before = losses(1);
  return {
    badDebtUsd: after.badDebt,
    liquidatableDebtUsd: after.liquidatableDebt,
    positionsLiquidatable: after.liquidatable,
    lendersLossUsd: Math.max(0, after.badDebt - before.badDebt) + after.lenderHaircut,
    baseline: before,
  };
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
