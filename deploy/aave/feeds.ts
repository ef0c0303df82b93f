import type { Address } from "viem";
import {
  eacAggregatorProxyAbi,
  eacAggregatorProxyBytecode,
  fluxAggregatorAbi,
  fluxAggregatorBytecode,
  testERC20Abi,
  testERC20Bytecode,
} from "../../contracts/generated/index.js";
import { DeployError, deployedContract } from "../receipts.js";
import type { Clients } from "../system.js";
import { transact } from "../transact.js";

/**
 * Chainlink-style price sources, as production Aave markets have them: AaveOracle reads an
 * EACAggregatorProxy, which forwards to a FluxAggregator. The aggregator is Chainlink's own (emits
 * NewRound and AnswerUpdated); it is set up with one oracle (the deployer), payment 0, one submission
 * per round and no restart delay, so every `submit` completes a round at once.
 */

/** int256 max: answers are only bounded below (zero stays submittable so tests can show a zero price). */
const MAX_ANSWER = 2n ** 255n - 1n;
/** Seconds after which an unanswered round may be superseded. Rounds here complete on submission. */
const ROUND_TIMEOUT = 3600;

export type PriceSource = {
  /** The proxy AaveOracle reads. */
  proxy: Address;
  /** The aggregator behind it right now. */
  aggregator: Address;
  startBlock: number;
};

export type DeployFluxAggregatorParameters = {
  description: string;
  decimals?: number;
  /** First answer, submitted as round 1 so the feed is never empty. Omit to leave it without a round. */
  initialAnswer?: bigint;
  /** Any ERC20: with payment 0 the aggregator never moves it. Deployed (a TestERC20) when omitted. */
  linkToken?: Address;
};

/** Deploys a FluxAggregator with the deployer as its single oracle, and submits the first answer. */
export async function deployFluxAggregator(clients: Clients, parameters: DeployFluxAggregatorParameters) {
  const linkToken = parameters.linkToken ?? (await deployLinkToken(clients));
  const hash = await clients.walletClient.deployContract({
    abi: fluxAggregatorAbi,
    bytecode: fluxAggregatorBytecode,
    args: [
      linkToken,
      0n,
      ROUND_TIMEOUT,
      "0x0000000000000000000000000000000000000000",
      0n,
      MAX_ANSWER,
      parameters.decimals ?? 8,
      parameters.description,
    ],
  });
  const aggregator = await deployedContract(
    clients.publicClient,
    hash,
    `FluxAggregator ${parameters.description}`,
  );
  const oracle = clients.walletClient.account.address;
  await transact(
    clients,
    {
      address: aggregator.address,
      abi: fluxAggregatorAbi,
      functionName: "changeOracles",
      args: [[], [oracle], [oracle], 1, 1, 0],
    },
    `FluxAggregator ${parameters.description}: changeOracles`,
  );
  if (parameters.initialAnswer !== undefined)
    await pushPrice(clients, aggregator.address, parameters.initialAnswer);
  return aggregator;
}

/** A throwaway ERC20 standing in for LINK (the aggregator only stores its address when payment is 0). */
export async function deployLinkToken(clients: Clients): Promise<Address> {
  const hash = await clients.walletClient.deployContract({
    abi: testERC20Abi,
    bytecode: testERC20Bytecode,
    args: ["ChainLink Token (devnet)", "LINK", 18],
  });
  return (await deployedContract(clients.publicClient, hash, "LINK stand-in")).address;
}

/**
 * Submits `answer` as the aggregator's next round (the deployer must be its oracle). Returns the round
 * id. The aggregator emits NewRound and AnswerUpdated; the proxy in front of it emits nothing.
 */
export async function pushPrice(clients: Clients, aggregator: Address, answer: bigint): Promise<bigint> {
  const oracle = clients.walletClient.account.address;
  const [eligible, roundId] = await clients.publicClient.readContract({
    address: aggregator,
    abi: fluxAggregatorAbi,
    functionName: "oracleRoundState",
    args: [oracle, 0],
  });
  if (!eligible) throw new DeployError(`pushPrice: ${oracle} may not submit to aggregator ${aggregator} now`);
  await transact(
    clients,
    { address: aggregator, abi: fluxAggregatorAbi, functionName: "submit", args: [BigInt(roundId), answer] },
    `submit round ${roundId} to ${aggregator}`,
  );
  return BigInt(roundId);
}

export type DeployPriceSourceParameters = DeployFluxAggregatorParameters;

/**
 * Deploys a FluxAggregator (with its first answer when `initialAnswer` is given) and an EACAggregatorProxy
 * in front of it (open reads).
 */
export async function deployPriceSource(
  clients: Clients,
  parameters: DeployPriceSourceParameters,
): Promise<PriceSource> {
  const aggregator = await deployFluxAggregator(clients, parameters);
  const hash = await clients.walletClient.deployContract({
    abi: eacAggregatorProxyAbi,
    bytecode: eacAggregatorProxyBytecode,
    // No access controller: AaveOracle and the indexer read the proxy without being allow-listed.
    args: [aggregator.address, "0x0000000000000000000000000000000000000000"],
  });
  const proxy = await deployedContract(
    clients.publicClient,
    hash,
    `EACAggregatorProxy ${parameters.description}`,
  );
  return { proxy: proxy.address, aggregator: aggregator.address, startBlock: aggregator.startBlock };
}

/**
 * Points `proxy` at `aggregator` the way Chainlink does it: proposeAggregator then confirmAggregator
 * (owner only). Neither call emits an event on the proxy, which is the point: readers must notice the
 * switch by re-reading `aggregator()`.
 */
export async function switchAggregator(clients: Clients, proxy: Address, aggregator: Address): Promise<void> {
  await transact(
    clients,
    { address: proxy, abi: eacAggregatorProxyAbi, functionName: "proposeAggregator", args: [aggregator] },
    `proposeAggregator ${aggregator} on ${proxy}`,
  );
  await transact(
    clients,
    { address: proxy, abi: eacAggregatorProxyAbi, functionName: "confirmAggregator", args: [aggregator] },
    `confirmAggregator ${aggregator} on ${proxy}`,
  );
}

/**
 * Deploys a fresh FluxAggregator answering `answer` (decimals read from the current one unless given)
 * and switches `proxy` to it. Returns the new aggregator.
 */
export async function replaceAggregator(
  clients: Clients,
  proxy: Address,
  answer: bigint,
  options: { decimals?: number; description?: string; linkToken?: Address } = {},
): Promise<{ aggregator: Address; startBlock: number }> {
  const read = { address: proxy, abi: eacAggregatorProxyAbi } as const;
  const decimals =
    options.decimals ?? (await clients.publicClient.readContract({ ...read, functionName: "decimals" }));
  const description =
    options.description ??
    (await clients.publicClient.readContract({ ...read, functionName: "description" }));
  const fresh = await deployFluxAggregator(clients, {
    description,
    decimals,
    initialAnswer: answer,
    linkToken: options.linkToken,
  });
  await switchAggregator(clients, proxy, fresh.address);
  return { aggregator: fresh.address, startBlock: fresh.startBlock };
}
