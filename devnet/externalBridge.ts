import { type Address, erc20Abi, type Hex, maxUint256, parseUnits } from "viem";
import { privateKeyToAddress } from "viem/accounts";
import {
  chainlinkMorphoOracleAbi,
  externalLockboxAbi,
  externalLockboxBytecode,
  externalMintedTokenAbi,
  externalMintedTokenBytecode,
  morphoAbi,
  testERC20Abi,
} from "../contracts/generated/index.js";
import { createMorphoMarket, deployMorphoOracle, type MorphoMarketParams } from "../deploy/morpho.js";
import { deployedContract } from "../deploy/receipts.js";
import type { Clients } from "../deploy/system.js";
import { transact } from "../deploy/transact.js";
import type { ChainDeployment, Deployment, ExternalBridgeDeployment } from "../lib/deployments.js";
import { devKey, devnetKeys } from "../lib/devnet/accounts.js";
import { mulDivDown, ORACLE_PRICE_SCALE, wMulDown } from "../lib/morpho/math.js";
import { getNetwork, resolveRpcUrl } from "../lib/networks.js";
import { rpc } from "./anvil.js";
import { chainClients } from "./seed.js";

/**
 * A second bridge on the devnet, so the exposure matrix compares two: a stand-in for another team's
 * lock/mint bridge ("Portal"), which this project does not run but describes (deployments file
 * `externalBridges`). WETH is locked in its ExternalLockbox on the home chain and a trusted operator (the
 * deployer) mints pWETH on every remote chain; Morpho Blue lists a pWETH/DAI market on each remote chain
 * beside the wWETH one, and one holder borrows against pWETH there. The indexer reads the bridge only
 * through its descriptor: the lock and release events it names and the minted tokens' supply.
 */

export const EXTERNAL_BRIDGE_ID = "portal";
/**
 * Anvil account 20 holds what the devnet's other bridges carry (the devnet funds 0..19; this one gets ETH
 * through anvil_setBalance).
 */
export const OTHER_BRIDGES_USER_INDEX = 20;
const LOCKED_PER_REMOTE = parseUnits("30", 18);
/** Same LLTV as the wWETH/DAI market: the two markets differ only in which bridge minted the collateral. */
const PWETH_LLTV = 860_000_000_000_000_000n;
/** The holder's health (collateral value x LLTV / debt) after borrowing. */
const TARGET_HEALTH = 1.6;

const LOCK_EVENT =
  "event TokensLocked(address indexed token, address indexed sender, uint256 amount, uint256 destinationChainId, address recipient)";
const RELEASE_EVENT =
  "event TokensReleased(address indexed token, address indexed recipient, uint256 amount)";

type Step = (message: string) => void;

function weth(chain: ChainDeployment): Address {
  const token = chain.tokens.find((t) => t.symbol === "WETH" || t.symbol === "wWETH");
  if (!token) throw new Error(`no WETH on ${chain.network}`);
  return token.homeToken;
}

/**
 * Deploys the lock contract, a pWETH per remote chain and a pWETH/DAI Morpho market on each remote chain
 * that has Morpho; returns the deployment with the bridge's descriptor and the new markets added.
 */
export async function deployExternalBridge(deployment: Deployment, step: Step): Promise<Deployment> {
  const home = deployment.chains.find((c) => c.role === "home")!;
  const homeClients = chainClients(home, devnetKeys.deployer);
  const operator = homeClients.walletClient.account.address;
  step(`[${home.network}] deploying the external bridge's lock contract (Portal, described, not run)`);
  const lockbox = await deployedContract(
    homeClients.publicClient,
    await homeClients.walletClient.deployContract({
      abi: externalLockboxAbi,
      bytecode: externalLockboxBytecode,
      args: [operator],
    }),
    "ExternalLockbox",
  );
  const minted: ExternalBridgeDeployment["assets"][number]["minted"] = [];
  const chains: ChainDeployment[] = [];
  for (const chain of deployment.chains) {
    if (chain.role !== "remote") {
      chains.push(chain);
      continue;
    }
    step(`[${chain.network}] deploying pWETH (minted by the external bridge) and its Morpho market`);
    const clients = chainClients(chain, devnetKeys.deployer);
    const token = await deployedContract(
      clients.publicClient,
      await clients.walletClient.deployContract({
        abi: externalMintedTokenAbi,
        bytecode: externalMintedTokenBytecode,
        args: ["Portal Wrapped Ether", "pWETH", 18, operator],
      }),
      "ExternalMintedToken pWETH",
    );
    minted.push({
      chainId: chain.chainId,
      token: token.address,
      symbol: "pWETH",
      startBlock: token.startBlock,
    });
    chains.push(
      chain.morpho
        ? {
            ...chain,
            morpho: await listOnMorpho(chain, clients, {
              token: token.address,
              decimals: 18,
              like: "wWETH",
              lltv: PWETH_LLTV,
              name: "pWETH/DAI 86%",
            }),
          }
        : chain,
    );
  }
  return {
    ...deployment,
    chains,
    externalBridges: [
      ...deployment.externalBridges,
      {
        id: EXTERNAL_BRIDGE_ID,
        name: "Portal (external lock/mint bridge, devnet stand-in)",
        homeChainId: home.chainId,
        lockContract: lockbox.address,
        startBlock: lockbox.startBlock,
        events: { lock: LOCK_EVENT, release: RELEASE_EVENT, tokenArg: "token", amountArg: "amount" },
        assets: [{ homeToken: weth(home), symbol: "WETH", decimals: 18, minted }],
      },
    ],
  };
}

/**
 * A `<token>`/DAI Morpho market priced by the same Chainlink proxies as the chain's `<like>`/DAI market
 * (the token another bridge minted for the same asset).
 */
export async function listOnMorpho(
  chain: ChainDeployment,
  clients: Clients,
  listing: { token: Address; decimals: number; like: string; lltv: bigint; name: string },
): Promise<NonNullable<ChainDeployment["morpho"]>> {
  const morpho = chain.morpho!;
  const like = chain.tokens.find((t) => t.symbol === listing.like)!;
  const dai = chain.tokens.find((t) => t.symbol === "DAI")!;
  const template = morpho.markets.find(
    (m) => m.collateralToken === like.address && m.loanToken === dai.address,
  );
  if (!template) throw new Error(`no ${listing.like}/DAI Morpho market on ${chain.network}`);
  const feed = (functionName: "COLLATERAL_FEED" | "LOAN_FEED") =>
    clients.publicClient.readContract({
      address: template.oracle,
      abi: chainlinkMorphoOracleAbi,
      functionName,
    });
  const oracle = await deployMorphoOracle(clients, {
    collateralFeed: await feed("COLLATERAL_FEED"),
    loanFeed: await feed("LOAN_FEED"),
    collateralDecimals: listing.decimals,
    loanDecimals: dai.decimals,
  });
  const params: MorphoMarketParams = {
    loanToken: dai.address,
    collateralToken: listing.token,
    oracle,
    irm: morpho.adaptiveCurveIrm ?? template.irm,
    lltv: listing.lltv,
  };
  const id = await createMorphoMarket(clients, morpho.address, params);
  return {
    ...morpho,
    markets: [...morpho.markets, { id, name: listing.name, ...params, lltv: params.lltv.toString() }],
  };
}

/** Gives the other bridges' holder (account 20) 100 ETH for gas on every chain. */
export async function fundOtherBridgesHolder(deployment: Deployment): Promise<void> {
  const holder = privateKeyToAddress(devKey(OTHER_BRIDGES_USER_INDEX));
  for (const chain of deployment.chains)
    await rpc(resolveRpcUrl(getNetwork(chain.network)), "anvil_setBalance", [holder, "0x56bc75e2d63100000"]);
}

/**
 * Carries WETH over the external bridge as its users would (lock at home, the operator mints remotely),
 * then the holder supplies the pWETH as Morpho collateral and borrows DAI; the deployer lends the DAI.
 */
export async function seedExternalBridge(deployment: Deployment, step: Step): Promise<void> {
  const bridge = deployment.externalBridges.find((b) => b.id === EXTERNAL_BRIDGE_ID);
  if (!bridge) return;
  const home = deployment.chains.find((c) => c.chainId === bridge.homeChainId)!;
  const holderKey = devKey(OTHER_BRIDGES_USER_INDEX);
  const deployerHome = chainClients(home, devnetKeys.deployer);
  const holderHome = chainClients(home, holderKey);
  const holder = holderHome.walletClient.account.address;
  const asset = bridge.assets[0]!;

  step(`[${home.network}] locking WETH in the external bridge and minting pWETH on the remote chains`);
  const total = LOCKED_PER_REMOTE * BigInt(asset.minted.length);
  await transact(
    deployerHome,
    { address: asset.homeToken, abi: testERC20Abi, functionName: "mint", args: [holder, total] },
    "mint WETH",
  );
  await transact(
    holderHome,
    { address: asset.homeToken, abi: erc20Abi, functionName: "approve", args: [bridge.lockContract, total] },
    "approve WETH to the lockbox",
  );
  for (const minted of asset.minted) {
    await transact(
      holderHome,
      {
        address: bridge.lockContract,
        abi: externalLockboxAbi,
        functionName: "lock",
        args: [asset.homeToken, LOCKED_PER_REMOTE, BigInt(minted.chainId), holder],
      },
      "lock WETH in the external bridge",
    );
    const remote = deployment.chains.find((c) => c.chainId === minted.chainId)!;
    await transact(
      chainClients(remote, devnetKeys.deployer),
      {
        address: minted.token,
        abi: externalMintedTokenAbi,
        functionName: "mint",
        args: [holder, LOCKED_PER_REMOTE],
      },
      "operator mints pWETH",
    );
    if (remote.morpho) await borrowOnMorpho(remote, minted.token, holderKey, LOCKED_PER_REMOTE);
  }
}

/**
 * The holder posts `collateral` of `token` in its `<token>`/DAI market and borrows DAI to health
 * TARGET_HEALTH; the deployer lends twice that DAI.
 */
export async function borrowOnMorpho(
  remote: ChainDeployment,
  token: Address,
  holderKey: Hex,
  collateral: bigint,
): Promise<void> {
  const morpho = remote.morpho!;
  const market = morpho.markets.find((m) => m.collateralToken === token);
  if (!market) return;
  const params = {
    loanToken: market.loanToken,
    collateralToken: market.collateralToken,
    oracle: market.oracle,
    irm: market.irm,
    lltv: BigInt(market.lltv),
  };
  const lender = chainClients(remote, devnetKeys.deployer);
  const holder = chainClients(remote, holderKey);
  const lenderAddress = lender.walletClient.account.address;
  const holderAddress = holder.walletClient.account.address;
  const price = await holder.publicClient.readContract({
    address: market.oracle,
    abi: chainlinkMorphoOracleAbi,
    functionName: "price",
  });
  const maxBorrow = wMulDown(mulDivDown(collateral, price, ORACLE_PRICE_SCALE), params.lltv);
  const borrow = (maxBorrow * 1000n) / BigInt(Math.round(TARGET_HEALTH * 1000));
  const morphoTx = (functionName: string, args: readonly unknown[]) =>
    ({ address: morpho.address, abi: morphoAbi, functionName, args }) as const;

  await transact(
    lender,
    {
      address: market.loanToken,
      abi: testERC20Abi,
      functionName: "mint",
      args: [lenderAddress, borrow * 2n],
    },
    "mint DAI",
  );
  await transact(
    lender,
    { address: market.loanToken, abi: erc20Abi, functionName: "approve", args: [morpho.address, maxUint256] },
    "approve DAI to Morpho",
  );
  await transact(
    lender,
    morphoTx("supply", [params, borrow * 2n, 0n, lenderAddress, "0x"]),
    "Morpho supply DAI",
  );
  await transact(
    holder,
    { address: token, abi: erc20Abi, functionName: "approve", args: [morpho.address, maxUint256] },
    "approve collateral to Morpho",
  );
  await transact(
    holder,
    morphoTx("supplyCollateral", [params, collateral, holderAddress, "0x"]),
    "Morpho supplyCollateral pWETH",
  );
  await transact(
    holder,
    morphoTx("borrow", [params, borrow, 0n, holderAddress, holderAddress]),
    "Morpho borrow DAI against pWETH",
  );
}
