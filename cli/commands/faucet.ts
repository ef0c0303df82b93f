import { type Address, getAddress, isAddress, parseAbi, parseUnits } from "viem";
import type { DeployedToken } from "../../lib/deployments.js";
import { errorSummary } from "../../lib/errors.js";
import { progress } from "../output.js";
import { bridgeContext, InvalidInputError } from "./bridgeContext.js";
import { reachabilityProblems } from "./preflight.js";

/** The public `mint` of the test tokens `bridge deploy` creates on the home chain. */
const testTokenAbi = parseAbi(["function mint(address to, uint256 amount)"]);

export type FaucetOptions = {
  network?: string;
  token?: string[];
  amount: string;
  to?: string;
  deployment?: string;
};

export async function faucet(options: FaucetOptions): Promise<void> {
  const context = bridgeContext(options);
  const problems: string[] = [];
  const home = context.deployment.chains.find((c) => c.role === "home")!;
  if (options.network !== undefined && options.network !== home.network) {
    problems.push(
      `--network ${options.network}: only the home chain (${home.network}) has test tokens; wrapped tokens come from \`bridge send\``,
    );
  }
  const natives = home.tokens.filter((t) => t.kind === "native");
  let tokens: DeployedToken[] = natives;
  if (options.token) {
    tokens = [];
    for (const wanted of options.token.flatMap((t) => t.split(","))) {
      const token = natives.find((t) => t.symbol.toLowerCase() === wanted.trim().toLowerCase());
      if (token) tokens.push(token);
      else
        problems.push(
          `unknown test token "${wanted}" on ${home.network}: known are ${natives.map((t) => t.symbol).join(", ")}`,
        );
    }
  }
  if (!/^\d+(\.\d+)?$/.test(options.amount.trim()) || /^0+(\.0+)?$/.test(options.amount.trim()))
    problems.push(`--amount "${options.amount}" must be a positive decimal number, e.g. 1000`);
  let account: ReturnType<typeof context.account> | undefined;
  try {
    account = context.account();
  } catch (error) {
    problems.push(...(error instanceof InvalidInputError ? error.problems : [errorSummary(error)]));
  }
  let to: Address | undefined;
  if (options.to !== undefined) {
    if (isAddress(options.to, { strict: false })) to = getAddress(options.to);
    else problems.push(`--to "${options.to}" is not an address (0x + 40 hex digits)`);
  }
  let chain: ReturnType<typeof context.chain> | undefined;
  try {
    chain = context.chain(home.chainId);
  } catch (error) {
    problems.push(errorSummary(error));
  }
  if (chain) {
    problems.push(
      ...(await reachabilityProblems({
        context,
        chains: [chain],
        validatorUrls: [],
        relayerUrl: "",
        checkServices: false,
      })),
    );
  }
  if (problems.length > 0 || !account || !chain) throw new InvalidInputError(problems);

  const receiver = to ?? account.address;
  const wallet = chain.wallet(account);
  for (const token of tokens) {
    const hash = await wallet.writeContract({
      address: token.address,
      abi: testTokenAbi,
      functionName: "mint",
      args: [receiver, parseUnits(options.amount.trim(), token.decimals)],
    });
    const receipt = await chain.client.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success")
      throw new InvalidInputError([`minting ${token.symbol} reverted in tx ${hash}: is this a test token?`]);
    progress(`minted ${options.amount} ${token.symbol} to ${receiver} on ${home.network} in tx ${hash}`);
  }
}
