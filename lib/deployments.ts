import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { encodeAbiParameters, getAddress, isAddress, keccak256 } from "viem";
import { z } from "zod";
import { BridgeError } from "./errors.js";

/**
 * A deployments file describes one bridge deployment across its chains: what is where, from which
 * block to index, and which chain is home. Every component (validators, relayer, indexer, risk engine,
 * CLI) reads this file and nothing else to find contracts. RPC URLs are not in it: they come from the
 * network catalogue and the environment, so the same file works from any machine.
 */
const address = z
  .string()
  .refine((value) => isAddress(value, { strict: false }), { message: "not a 0x-prefixed 20-byte address" })
  .transform((value) => getAddress(value));

const deployedContract = z.object({ address, startBlock: z.number().int().nonnegative() });

const tokenSchema = z.object({
  symbol: z.string().min(1),
  decimals: z.number().int().min(0).max(36),
  /** The token's address on this chain. */
  address,
  /** The home-chain token this is (itself on the home chain): the asset's identity everywhere. */
  homeToken: address,
  kind: z.enum(["native", "wrapped"]),
  /** Chainlink-compatible USD feed for this token on this chain, if one is deployed here. */
  priceFeed: address.optional(),
});

/**
 * One Chainlink-style price source of an Aave market: what AaveOracle's `getSourceOfAsset` returns (a
 * proxy), and the aggregator behind it when the deployment was written. The aggregator can change without
 * any event on the proxy, so components re-read `aggregator()`; this address is only the starting point.
 */
const priceSourceSchema = z.object({
  /** The reserve's underlying token on this chain. */
  asset: address,
  symbol: z.string().min(1),
  /** The proxy AaveOracle reads (EACAggregatorProxy). */
  proxy: address,
  /** The aggregator behind the proxy at deployment time. */
  aggregator: address,
  /** Longest expected gap between answers; older answers make positions "stale". Default: see lib/aave. */
  heartbeatSeconds: z.number().int().positive().optional(),
});

/**
 * A real Aave v3 market (deployed from @aave/core-v3's artifacts on the devnet, or an existing one).
 * Every Pool/PoolConfigurator event comes from the proxy addresses recorded here.
 */
const aaveMarketSchema = z.object({
  /** Stable protocol id used in metrics and GraphQL, e.g. "aave-b". */
  protocol: z.string().min(1),
  name: z.string().min(1),
  /** First block to index (the block the addresses provider was deployed in, or later). */
  startBlock: z.number().int().nonnegative(),
  addressesProvider: address,
  pool: address,
  poolConfigurator: address,
  aaveOracle: address,
  aclManager: address,
  dataProvider: address,
  /** AaveOracle's BASE_CURRENCY_UNIT as a decimal string (1e8 for USD with 8 decimals). */
  baseCurrencyUnit: z.string().regex(/^[1-9][0-9]*$/),
  priceSources: z.array(priceSourceSchema).default([]),
});

const bytes32 = z
  .string()
  .regex(/^0x[0-9a-fA-F]{64}$/, { message: "not a 0x-prefixed 32-byte hex string" })
  .transform((value) => value.toLowerCase() as `0x${string}`);

/**
 * A Morpho Blue market the deployment created (informational: the indexer follows every CreateMarket of
 * the Morpho contract, since markets are permissionless). Its id must be Morpho's own: keccak256 of the
 * ABI-encoded params, checked on read so a hand-edited file cannot name a market by the wrong id.
 */
const morphoMarketSchema = z
  .object({
    id: bytes32,
    /** Human label, e.g. "WETH/USDC 86%". */
    name: z.string().min(1).optional(),
    loanToken: address,
    collateralToken: address,
    oracle: address,
    irm: address,
    /** Liquidation LTV, WAD-scaled, as a decimal string (0.86e18 = 86%). */
    lltv: z.string().regex(/^[1-9][0-9]*$/),
  })
  .superRefine((value, ctx) => {
    const id = keccak256(
      encodeAbiParameters(
        [
          { type: "address" },
          { type: "address" },
          { type: "address" },
          { type: "address" },
          { type: "uint256" },
        ],
        [value.loanToken, value.collateralToken, value.oracle, value.irm, BigInt(value.lltv)],
      ),
    );
    if (id !== value.id)
      ctx.addIssue({
        code: "custom",
        message: `market id is not keccak256 of its params (${id})`,
        path: ["id"],
      });
    if (BigInt(value.lltv) >= 10n ** 18n)
      ctx.addIssue({ code: "custom", message: "lltv must be below 1e18 (100%)", path: ["lltv"] });
  });

/** Morpho Blue on one chain: the singleton contract, the IRM whose rate the indexer follows, its markets. */
const morphoSchema = z.object({
  /** Stable protocol id used in metrics and GraphQL, e.g. "morpho-b". */
  protocol: z.string().min(1),
  name: z.string().min(1),
  /** The Morpho Blue singleton (every market event comes from it). */
  address,
  /** First block to index (the block Morpho Blue was deployed in, or later). */
  startBlock: z.number().int().nonnegative(),
  /** AdaptiveCurve IRM (contracts/src/morpho): its BorrowRateUpdate carries each market's rate at target. */
  adaptiveCurveIrm: address.optional(),
  markets: z.array(morphoMarketSchema).default([]),
});

/** One Uniswap v3 pool the indexer follows (slot0, in-range liquidity and every initialized tick). */
const uniswapPoolSchema = z
  .object({
    address,
    /** The pool's token0 and token1 (token0 < token1, as the factory orders them). */
    token0: address,
    token1: address,
    /** Fee in hundredths of a basis point: 500, 3000 or 10000. */
    fee: z.union([z.literal(100), z.literal(500), z.literal(3000), z.literal(10000)]),
    tickSpacing: z.number().int().positive(),
    /** First block to index: the pool's creation block or earlier (its Initialize must be indexed). */
    startBlock: z.number().int().nonnegative(),
  })
  .superRefine((value, ctx) => {
    if (BigInt(value.token0) >= BigInt(value.token1))
      ctx.addIssue({ code: "custom", message: "token0 must sort below token1", path: ["token0"] });
  });

/**
 * Uniswap v3 on one chain: the periphery a cascade is quoted against, and the pools whose tick liquidity
 * the indexer follows (only the pools listed: a real chain has many thousands).
 */
const uniswapSchema = z.object({
  factory: address,
  /** QuoterV2 (periphery): what a swap of a given size would return at a block. */
  quoter: address,
  router: address,
  positionManager: address,
  pools: z.array(uniswapPoolSchema).default([]),
});

const chainDeploymentSchema = z.object({
  network: z.string().min(1),
  chainId: z.number().int().positive(),
  role: z.enum(["home", "remote"]),
  validatorSet: deployedContract,
  /** BridgeVault on the home chain, BridgeMinter on remote chains. */
  bridge: deployedContract,
  tokens: z.array(tokenSchema),
  aaveMarkets: z.array(aaveMarketSchema).default([]),
  morpho: morphoSchema.optional(),
  uniswap: uniswapSchema.optional(),
});

export const deploymentSchema = z
  .object({
    name: z.string().min(1),
    /** Bridge id used in metrics and GraphQL. */
    bridgeId: z.string().min(1).default("canonical"),
    createdAt: z.string(),
    homeChainId: z.number().int().positive(),
    validators: z.object({
      epoch: z.number().int().positive(),
      addresses: z.array(address).min(1),
      threshold: z.number().int().positive(),
    }),
    chains: z.array(chainDeploymentSchema).min(1),
  })
  .superRefine((value, ctx) => {
    const ids = value.chains.map((c) => c.chainId);
    if (new Set(ids).size !== ids.length) {
      ctx.addIssue({ code: "custom", message: "two chains share a chain id", path: ["chains"] });
    }
    const homes = value.chains.filter((c) => c.role === "home");
    if (homes.length !== 1 || homes[0]?.chainId !== value.homeChainId) {
      ctx.addIssue({
        code: "custom",
        message: "exactly one chain must be home and match homeChainId",
        path: ["chains"],
      });
    }
  });

export type Deployment = z.infer<typeof deploymentSchema>;
export type DeploymentInput = z.input<typeof deploymentSchema>;
export type ChainDeployment = Deployment["chains"][number];
export type DeployedToken = ChainDeployment["tokens"][number];
export type AaveMarketDeployment = ChainDeployment["aaveMarkets"][number];
export type MorphoDeployment = NonNullable<ChainDeployment["morpho"]>;
export type MorphoMarketDeployment = MorphoDeployment["markets"][number];
export type UniswapDeployment = NonNullable<ChainDeployment["uniswap"]>;
export type UniswapPoolDeployment = UniswapDeployment["pools"][number];
export type PriceSourceDeployment = AaveMarketDeployment["priceSources"][number];

export class DeploymentFileError extends BridgeError {}

/** Default location of a deployment's file: deployments/<name>.json at the project root. */
export function deploymentPath(name: string, root = process.cwd()): string {
  return join(root, "deployments", `${name}.json`);
}

/**
 * The file the indexer and the risk API were started on: DEPLOYMENT_FILE (relative to the working
 * directory), or the devnet's file. Both must read the same one, so the rule lives here once.
 */
export function deploymentFilePath(env: NodeJS.ProcessEnv = process.env): string {
  const file = env.DEPLOYMENT_FILE ?? "deployments/devnet.json";
  return isAbsolute(file) ? file : resolve(process.cwd(), file);
}

/**
 * Reads and validates a deployments file. Every problem is listed, with its JSON path.
 *
 * @example
 * const deployment = readDeployment(deploymentPath("devnet"));
 */
export function readDeployment(path: string): Deployment {
  if (!existsSync(path)) {
    throw new DeploymentFileError(`No deployments file at ${path}.`, {
      details: "Start the devnet (npm start) or deploy with `bridge deploy --network <name>` first.",
    });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (cause) {
    throw new DeploymentFileError(`${path} is not valid JSON.`, { cause });
  }
  const parsed = deploymentSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  - ${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new DeploymentFileError(`${path} is not a valid deployments file:\n${problems.join("\n")}`);
  }
  return parsed.data;
}

/** Validates and writes a deployments file (pretty JSON), creating its folder. */
export function writeDeployment(path: string, deployment: DeploymentInput): Deployment {
  const parsed = deploymentSchema.parse(deployment);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(parsed, null, 2)}\n`);
  return parsed;
}

/** The chain entry for a chain id; throws when the deployment does not include it. */
export function chainOf(deployment: Deployment, chainId: number): ChainDeployment {
  const chain = deployment.chains.find((c) => c.chainId === chainId);
  if (!chain) {
    throw new DeploymentFileError(`Deployment "${deployment.name}" has no chain ${chainId}.`, {
      details: `Its chains: ${deployment.chains.map((c) => `${c.network} (${c.chainId})`).join(", ")}.`,
    });
  }
  return chain;
}
