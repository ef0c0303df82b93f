import type { Address } from "viem";
import { testERC20Abi, wrappedTokenAbi } from "../../contracts/generated/index.js";
import type { IndexerNet } from "./indexerFixture.js";

/**
 * What the contracts report: the home vault's custody per token, and each wrapped token's totalSupply on
 * the remote chains `B` and `C`, keyed `${chainId}:${symbol}`.
 */
export async function chainTotals<B extends number, C extends number>(
  net: IndexerNet,
  { USDC, WETH, B, C }: { USDC: Address; WETH: Address; B: B; C: C },
) {
  const home = net.chains[0]!;
  const vault = net.deployment.chains[0]!.bridge.address;
  const balance = (chain: (typeof net.chains)[number], token: Address, owner: Address) =>
    chain.publicClient.readContract({
      address: token,
      abi: testERC20Abi,
      functionName: "balanceOf",
      args: [owner],
    });
  const supply = (chainId: number, token: Address) =>
    net.chains
      .find((c) => c.chainId === chainId)!
      .publicClient.readContract({
        address: net.wrappedToken(chainId, token),
        abi: wrappedTokenAbi,
        functionName: "totalSupply",
      });
  return {
    custody: { USDC: await balance(home, USDC, vault), WETH: await balance(home, WETH, vault) },
    wrapped: {
      [`${B}:USDC`]: await supply(B, USDC),
      [`${C}:USDC`]: await supply(C, USDC),
      [`${B}:WETH`]: await supply(B, WETH),
      [`${C}:WETH`]: await supply(C, WETH),
    } as Record<`${B | C}:${"USDC" | "WETH"}`, bigint>,
  };
}
