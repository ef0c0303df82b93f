import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { type AbiEvent, encodeAbiParameters, getAddress, isAddress, keccak256, parseAbiItem } from "viem";
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

/**
 * An existing Aave v3 market named only by where it is: its PoolAddressesProvider (or its Pool, whose
 * `ADDRESSES_PROVIDER()` leads there) and the first block to index. The indexer discovers the rest at
 * start-up (lib/aave/discoverMarket.ts) and reads the market's state as of the block before `startBlock`
 * (reserves, configuration, prices, and every holder's scaled balances), so history before it is never
 * indexed. Holders are found from the aTokens' and debt tokens' Transfer logs since `holdersFromBlock`.
 */
const watchedAaveMarketSchema = z
  .object({
    /** Stable protocol id used in metrics and GraphQL, e.g. "aave-sepolia". */
    protocol: z.string().min(1),
    name: z.string().min(1),
    /** First block whose events are indexed; the state before it is read from the chain. */
    startBlock: z.number().int().positive(),
    addressesProvider: address.optional(),
    pool: address.optional(),
    /**
     * Where the holder scan begins (default 0): the block the market was deployed in, when known, saves
     * the scan of older blocks. Holders whose last token event is older than this are missed.
     */
    holdersFromBlock: z.number().int().nonnegative().default(0),
    /** Longest expected gap between price answers, for every source of this market (default: lib/aave). */
    heartbeatSeconds: z.number().int().positive().optional(),
  })
  .superRefine((value, ctx) => {
    if (!value.addressesProvider && !value.pool)
      ctx.addIssue({ code: "custom", message: "name the market's addressesProvider or its pool", path: [] });
    if (value.holdersFromBlock >= value.startBlock)
      ctx.addIssue({
        code: "custom",
        message: "holdersFromBlock must be below startBlock",
        path: ["holdersFromBlock"],
      });
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
  /** Existing Aave v3 markets named by address and start block (see watchedAaveMarketSchema). */
  watchedAaveMarkets: z.array(watchedAaveMarketSchema).default([]),
  morpho: morphoSchema.optional(),
  uniswap: uniswapSchema.optional(),
});

/**
 * An event signature as Solidity writes it, e.g.
 * `event TokensLocked(address indexed token, address indexed sender, uint256 amount)`; the leading
 * `event` may be left out. Parsed with viem, so a typo is reported where the file is read.
 */
const eventSignature = z.string().superRefine((value, ctx) => {
  if (!parseEventSignature(value))
    ctx.addIssue({ code: "custom", message: `not a Solidity event signature: "${value}"` });
});

/** The ABI item of an event signature (see `eventSignature`), or undefined when it is not one. */
export function parseEventSignature(value: string): AbiEvent | undefined {
  const text = value.trim().startsWith("event ") ? value.trim() : `event ${value.trim()}`;
  try {
    const item = parseAbiItem(text);
    return item.type === "event" ? (item as AbiEvent) : undefined;
  } catch {
    return undefined;
  }
}

/** The lock and release events of an external bridge, parsed (the file was validated on read). */
export function externalBridgeEvents(bridge: { events: { lock: string; release: string } }): {
  lock: AbiEvent;
  release: AbiEvent;
} {
  return {
    lock: parseEventSignature(bridge.events.lock)!,
    release: parseEventSignature(bridge.events.release)!,
  };
}

/**
 * Another team's lock/mint bridge, described rather than deployed by this project: its lock contract on
 * one chain, the tokens it mints elsewhere, and the events that move custody. The indexer follows the
 * lock and release events (custody) and the minted tokens' Transfer from/to the zero address (supply);
 * the risk engine counts a reserve in a minted token as exposure to this bridge, backed by what its lock
 * contract holds. Nothing is known about messages in flight: a lock counts as backing from its block.
 */
const externalBridgeSchema = z
  .object({
    /** Stable bridge id used in metrics and GraphQL, e.g. "portal". */
    id: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, {
      message: "lowercase letters, digits, '-' and '_' only (it is a metric label)",
    }),
    name: z.string().min(1),
    /** The chain the lock contract is on (one of the deployment's chains). */
    homeChainId: z.number().int().positive(),
    lockContract: address,
    /** First block to index on the home chain (the lock contract's deployment block, or earlier). */
    startBlock: z.number().int().nonnegative(),
    events: z.object({
      /** Emitted when tokens are locked; adds `amountArg` of `tokenArg` to custody. */
      lock: eventSignature,
      /** Emitted when locked tokens are released; subtracts from custody. */
      release: eventSignature,
      tokenArg: z.string().min(1).default("token"),
      amountArg: z.string().min(1).default("amount"),
    }),
    assets: z
      .array(
        z.object({
          /** The locked token on the home chain. */
          homeToken: address,
          symbol: z.string().min(1),
          decimals: z.number().int().min(0).max(36),
          /** Where the bridge mints its representation of the token. */
          minted: z
            .array(
              z.object({
                chainId: z.number().int().positive(),
                token: address,
                symbol: z.string().min(1),
                startBlock: z.number().int().nonnegative(),
              }),
            )
            .min(1),
        }),
      )
      .min(1),
  })
  .superRefine((value, ctx) => {
    const lock = parseEventSignature(value.events.lock);
    const release = parseEventSignature(value.events.release);
    if (!lock || !release) return; // reported by eventSignature
    const { tokenArg, amountArg } = value.events;
    for (const [name, event] of [
      ["lock", lock],
      ["release", release],
    ] as const) {
      const input = (arg: string) => event.inputs.find((i) => i.name === arg);
      if (input(tokenArg)?.type !== "address")
        ctx.addIssue({
          code: "custom",
          message: `event ${event.name} has no address parameter named "${tokenArg}" (tokenArg)`,
          path: ["events", name],
        });
      if (!input(amountArg)?.type.startsWith("uint"))
        ctx.addIssue({
          code: "custom",
          message: `event ${event.name} has no uint parameter named "${amountArg}" (amountArg)`,
          path: ["events", name],
        });
    }
    if (lock.name === release.name)
      ctx.addIssue({
        code: "custom",
        message: "the lock and release events must have different names",
        path: ["events", "release"],
      });
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
    /** Other lock/mint bridges whose tokens the markets hold (compared with this one in exposure). */
    externalBridges: z.array(externalBridgeSchema).default([]),
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
    checkExternalBridges(value, ctx);
    checkAaveMarketIds(value, ctx);
  });

/** Protocol ids are unique across every chain's Aave markets, deployed and watched. */
function checkAaveMarketIds(
  value: { chains: { aaveMarkets: { protocol: string }[]; watchedAaveMarkets: { protocol: string }[] }[] },
  ctx: z.RefinementCtx,
): void {
  const seen = new Set<string>();
  for (const [c, chain] of value.chains.entries())
    for (const [kind, markets] of [
      ["aaveMarkets", chain.aaveMarkets],
      ["watchedAaveMarkets", chain.watchedAaveMarkets],
    ] as const)
      for (const [i, market] of markets.entries()) {
        if (seen.has(market.protocol))
          ctx.addIssue({
            code: "custom",
            message: `protocol id "${market.protocol}" is used twice`,
            path: ["chains", c, kind, i, "protocol"],
          });
        seen.add(market.protocol);
      }
}

/**
 * What one external bridge descriptor cannot say about itself: its chains must be the deployment's (the
 * indexer follows only those), ids unique and not this bridge's, minted tokens not tokens this bridge
 * already lists, and one event name means one signature across all descriptors (they share one ABI).
 */
function checkExternalBridges(
  value: {
    bridgeId: string;
    chains: { chainId: number; tokens: { address: string }[] }[];
    externalBridges: z.infer<typeof externalBridgeSchema>[];
  },
  ctx: z.RefinementCtx,
): void {
  const chainIds = new Set(value.chains.map((c) => c.chainId));
  const ownTokens = new Set(value.chains.flatMap((c) => c.tokens.map((t) => `${c.chainId}:${t.address}`)));
  const ids = new Set<string>([value.bridgeId]);
  const signatureByName = new Map<string, string>();
  for (const [i, bridge] of value.externalBridges.entries()) {
    const path = ["externalBridges", i];
    if (ids.has(bridge.id))
      ctx.addIssue({
        code: "custom",
        message: `bridge id "${bridge.id}" is used twice`,
        path: [...path, "id"],
      });
    ids.add(bridge.id);
    if (!chainIds.has(bridge.homeChainId))
      ctx.addIssue({
        code: "custom",
        message: `chain ${bridge.homeChainId} is not one of the deployment's chains`,
        path: [...path, "homeChainId"],
      });
    for (const [a, asset] of bridge.assets.entries())
      for (const [m, minted] of asset.minted.entries()) {
        const at = [...path, "assets", a, "minted", m];
        if (!chainIds.has(minted.chainId))
          ctx.addIssue({
            code: "custom",
            message: `chain ${minted.chainId} is not one of the deployment's chains`,
            path: [...at, "chainId"],
          });
        if (ownTokens.has(`${minted.chainId}:${minted.token}`))
          ctx.addIssue({
            code: "custom",
            message: "this token is one of this bridge's own tokens",
            path: [...at, "token"],
          });
      }
    for (const event of [bridge.events.lock, bridge.events.release].map(parseEventSignature)) {
      if (!event) continue;
      const signature = `${event.name}(${event.inputs.map((p) => `${p.type}${p.indexed ? " indexed" : ""}`).join(",")})`;
      const seen = signatureByName.get(event.name);
      if (seen !== undefined && seen !== signature)
        ctx.addIssue({
          code: "custom",
          message: `event ${event.name} is declared twice with different parameters (${seen} and ${signature})`,
          path: [...path, "events"],
        });
      signatureByName.set(event.name, signature);
    }
  }
}

export type Deployment = z.infer<typeof deploymentSchema>;
export type DeploymentInput = z.input<typeof deploymentSchema>;
export type ChainDeployment = Deployment["chains"][number];
export type DeployedToken = ChainDeployment["tokens"][number];
export type AaveMarketDeployment = ChainDeployment["aaveMarkets"][number];
export type WatchedAaveMarket = ChainDeployment["watchedAaveMarkets"][number];
export type MorphoDeployment = NonNullable<ChainDeployment["morpho"]>;
export type MorphoMarketDeployment = MorphoDeployment["markets"][number];
export type UniswapDeployment = NonNullable<ChainDeployment["uniswap"]>;
export type UniswapPoolDeployment = UniswapDeployment["pools"][number];
export type ExternalBridgeDeployment = Deployment["externalBridges"][number];
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
