import { type Address, encodeAbiParameters, type Hex, keccak256 } from "viem";
import {
  adaptiveCurveIrmAbi,
  adaptiveCurveIrmBytecode,
  chainlinkMorphoOracleAbi,
  chainlinkMorphoOracleBytecode,
  morphoAbi,
  morphoBytecode,
} from "../contracts/generated/index.js";
import { DeployError, deployedContract } from "./receipts.js";
import type { Clients } from "./system.js";
import { transact } from "./transact.js";

/**
 * Morpho Blue as it runs in production: the core compiled from @morpho-org/morpho-blue, this project's
 * AdaptiveCurve IRM (no package ships Morpho's), and an IOracle over the same Chainlink proxies the
 * Aave markets read. Markets are permissionless once their IRM and LLTV are enabled by Morpho's owner.
 */

/** Morpho Blue's MarketParams: a market is the hash of these five fields. */
export type MorphoMarketParams = {
  loanToken: Address;
  collateralToken: Address;
  oracle: Address;
  irm: Address;
  /** Liquidation loan-to-value, WAD-scaled (0.86e18 = 86%). */
  lltv: bigint;
};

export type MorphoBlue = {
  morpho: Address;
  irm: Address;
  startBlock: number;
};

/** Deploys Morpho Blue (owner = the deployer) and the AdaptiveCurve IRM, and enables the IRM. */
export async function deployMorphoBlue(clients: Clients): Promise<MorphoBlue> {
  const owner = clients.walletClient.account.address;
  const morpho = await deployedContract(
    clients.publicClient,
    await clients.walletClient.deployContract({ abi: morphoAbi, bytecode: morphoBytecode, args: [owner] }),
    "Morpho Blue",
  );
  const irm = await deployedContract(
    clients.publicClient,
    await clients.walletClient.deployContract({
      abi: adaptiveCurveIrmAbi,
      bytecode: adaptiveCurveIrmBytecode,
      args: [morpho.address],
    }),
    "AdaptiveCurveIrm",
  );
  await transact(
    clients,
    { address: morpho.address, abi: morphoAbi, functionName: "enableIrm", args: [irm.address] },
    "Morpho: enableIrm",
  );
  return { morpho: morpho.address, irm: irm.address, startBlock: morpho.startBlock };
}

export type DeployMorphoOracleParameters = {
  /** Chainlink proxy of the collateral's price. */
  collateralFeed: Address;
  /** Chainlink proxy of the loan token's price in the same quote; omit when the loan token is the quote. */
  loanFeed?: Address;
  collateralDecimals: number;
  loanDecimals: number;
};

export async function deployMorphoOracle(clients: Clients, parameters: DeployMorphoOracleParameters) {
  const oracle = await deployedContract(
    clients.publicClient,
    await clients.walletClient.deployContract({
      abi: chainlinkMorphoOracleAbi,
      bytecode: chainlinkMorphoOracleBytecode,
      args: [
        parameters.collateralFeed,
        parameters.loanFeed ?? "0x0000000000000000000000000000000000000000",
        parameters.collateralDecimals,
        parameters.loanDecimals,
      ],
    }),
    "ChainlinkMorphoOracle",
  );
  return oracle.address;
}

/** A market's id, as Morpho computes it: keccak256 of the ABI-encoded MarketParams. */
export function morphoMarketId(params: MorphoMarketParams): Hex {
  return keccak256(
    encodeAbiParameters(
      [
        { type: "address" },
        { type: "address" },
        { type: "address" },
        { type: "address" },
        { type: "uint256" },
      ],
      [params.loanToken, params.collateralToken, params.oracle, params.irm, params.lltv],
    ),
  );
}

/** Enables the market's LLTV if Morpho's owner has not yet, and creates the market. Returns its id. */
export async function createMorphoMarket(
  clients: Clients,
  morpho: Address,
  params: MorphoMarketParams,
): Promise<Hex> {
  if (params.lltv <= 0n || params.lltv >= 10n ** 18n) {
    throw new DeployError(`Morpho market LLTV must be in (0, 1e18), got ${params.lltv}`);
  }
  const enabled = await clients.publicClient.readContract({
    address: morpho,
    abi: morphoAbi,
    functionName: "isLltvEnabled",
    args: [params.lltv],
  });
  if (!enabled) {
    await transact(
      clients,
      { address: morpho, abi: morphoAbi, functionName: "enableLltv", args: [params.lltv] },
      `Morpho: enableLltv ${params.lltv}`,
    );
  }
  await transact(
    clients,
    { address: morpho, abi: morphoAbi, functionName: "createMarket", args: [params] },
    "Morpho: createMarket",
  );
  return morphoMarketId(params);
}
