import { type Address, erc20Abi, getAddress, isAddress, parseEventLogs, parseUnits } from "viem";
import { bridgeMinterAbi } from "../../contracts/generated/BridgeMinter.js";
import { bridgeVaultAbi } from "../../contracts/generated/BridgeVault.js";
import { messageFromBurnedLog, messageFromLockedLog, messageId } from "../../lib/bridge/message.js";
import type { DeployedToken } from "../../lib/deployments.js";
import { BridgeError, errorSummary } from "../../lib/errors.js";
import { progress } from "../output.js";
import { type BridgeContext, bridgeContext, type ChainHandle, InvalidInputError } from "./bridgeContext.js";
import { defaultWaitSeconds, followMessage } from "./follow.js";
import { reachabilityProblems } from "./preflight.js";

export class SendFailedError extends BridgeError {}

export type SendOptions = {
  from: string;
  to: string;
  token: string;
  amount: string;
  recipient?: string;
  wait?: boolean;
  timeout?: string;
  deployment?: string;
};

type SendPlan = {
  source: ChainHandle;
  destination: ChainHandle;
  token: DeployedToken;
  amount: bigint;
  recipient: Address | undefined;
  account: ReturnType<BridgeContext["account"]>;
};

/**
 * Every problem with the arguments, the environment and the services, found before any transaction:
 * input first (no network), then both RPCs, the validators, the relayer and the balance, together.
 */
async function checkSend(context: BridgeContext, options: SendOptions): Promise<SendPlan> {
  const problems: string[] = [];
  const attempt = <T>(fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (error) {
      if (error instanceof InvalidInputError) problems.push(...error.problems);
      else problems.push(errorSummary(error));
      return undefined;
    }
  };
  const source = attempt(() => context.chain(options.from));
  const destination = attempt(() => context.chain(options.to));
  if (source && destination && source.deployment.chainId === destination.deployment.chainId) {
    problems.push("--from and --to are the same chain");
  }
  let token: DeployedToken | undefined;
  if (source) {
    const wanted = options.token.toLowerCase();
    token = source.deployment.tokens.find(
      (t) => t.symbol.toLowerCase() === wanted || t.address.toLowerCase() === wanted,
    );
    if (!token) {
      problems.push(
        `unknown token "${options.token}" on ${source.deployment.network}: known are ${source.deployment.tokens.map((t) => t.symbol).join(", ")}`,
      );
    }
  }
  const amountText = options.amount.trim();
  let amount: bigint | undefined;
  if (!/^\d+(\.\d+)?$/.test(amountText)) {
    problems.push(`--amount "${options.amount}" must be a positive decimal number, e.g. 12.5`);
  } else if (/^0+(\.0+)?$/.test(amountText)) {
    problems.push("--amount must be greater than zero");
  } else if (token) {
    const decimals = amountText.split(".")[1]?.length ?? 0;
    if (decimals > token.decimals)
      problems.push(`--amount has more than ${token.decimals} decimals (${token.symbol})`);
    else amount = parseUnits(amountText, token.decimals);
  }
  let recipient: Address | undefined;
  if (options.recipient !== undefined) {
    if (isAddress(options.recipient, { strict: false })) recipient = getAddress(options.recipient);
    else problems.push(`--recipient "${options.recipient}" is not an address (0x + 40 hex digits)`);
  }
  if (source && destination && token) {
    if (token.kind === "native" && source.deployment.role !== "home")
      problems.push(`${token.symbol} is not bridgeable from ${source.deployment.network}`);
    if (token.kind === "wrapped" && destination.deployment.role !== "home") {
      problems.push(
        `wrapped ${token.symbol} can only go back to the home chain (${context.deployment.chains.find((c) => c.role === "home")?.network})`,
      );
    }
    if (token.kind === "native" && destination.deployment.role === "home")
      problems.push("--to must be a remote chain for a home token");
  }
  if (options.timeout !== undefined && !/^\d+$/.test(options.timeout))
    problems.push(`--timeout "${options.timeout}" must be a whole number of seconds`);
  const account = attempt(() => context.account());
  const validatorUrls = attempt(() => context.validatorUrls());
  const relayerUrl = attempt(() => context.relayerUrl());

  // The services are checked even when the arguments are wrong, so one run lists everything.
  const chains = [source, destination].filter((c): c is ChainHandle => c !== undefined);
  const unreachable = await reachabilityProblems({
    context,
    chains,
    validatorUrls: validatorUrls ?? [],
    relayerUrl: relayerUrl ?? "",
    checkServices: validatorUrls !== undefined && relayerUrl !== undefined,
  });
  problems.push(...unreachable);

  if (problems.length === 0 && source && destination && token && amount !== undefined && account) {
    const balance = await source.client.readContract({
      address: token.address,
      abi: erc20Abi,
      functionName: "balanceOf",
      args: [account.address],
    });
    if (balance < amount) {
      problems.push(
        `amount ${options.amount} ${token.symbol} is above your balance on ${source.deployment.network} (${balance} base units)`,
      );
    }
  }
  if (problems.length > 0 || !source || !destination || !token || amount === undefined || !account)
    throw new InvalidInputError(problems);
  return { source, destination, token, amount, recipient, account };
}

export async function send(options: SendOptions): Promise<void> {
  const context = bridgeContext(options);
  const { source, destination, token, amount, recipient, account } = await checkSend(context, options);

  const wallet = source.wallet(account);
  const to = recipient ?? account.address;
  const bridge = source.deployment.bridge.address;
  let hash: `0x${string}`;
  if (token.kind === "native") {
    const allowance = await source.client.readContract({
      address: token.address,
      abi: erc20Abi,
      functionName: "allowance",
      args: [account.address, bridge],
    });
    if (allowance < amount) {
      progress(`approving ${token.symbol} for the vault...`);
      const approval = await wallet.writeContract({
        address: token.address,
        abi: erc20Abi,
        functionName: "approve",
        args: [bridge, amount],
      });
      await source.client.waitForTransactionReceipt({ hash: approval });
    }
    hash = await wallet.writeContract({
      address: bridge,
      abi: bridgeVaultAbi,
      functionName: "lock",
      args: [token.address, amount, BigInt(destination.deployment.chainId), to],
    });
  } else {
    hash = await wallet.writeContract({
      address: bridge,
      abi: bridgeMinterAbi,
      functionName: "burn",
      args: [token.address, amount, BigInt(destination.deployment.chainId), to],
    });
  }
  const receipt = await source.client.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new SendFailedError(`Transaction ${hash} reverted.`);
  const sourceChainId = source.deployment.chainId;
  const locked = parseEventLogs({ abi: bridgeVaultAbi, eventName: "Locked", logs: receipt.logs })[0];
  const burned = parseEventLogs({ abi: bridgeMinterAbi, eventName: "Burned", logs: receipt.logs })[0];
  const message = locked
    ? messageFromLockedLog({ log: locked, sourceChainId })
    : burned
      ? messageFromBurnedLog({ log: burned, sourceChainId })
      : undefined;
  if (!message) throw new SendFailedError(`Transaction ${hash} emitted no Locked/Burned event.`);
  const id = messageId(message);
  progress(
    `${token.kind === "native" ? "locked" : "burned"} ${options.amount} ${token.symbol} on ${source.deployment.network} in tx ${hash}`,
  );
  process.stdout.write(`${id}\n`);
  if (!options.wait) return;
  const timeoutSeconds =
    options.timeout !== undefined
      ? Number(options.timeout)
      : defaultWaitSeconds(source.network, destination.network);
  await followMessage({ context, id, timeoutSeconds });
}
