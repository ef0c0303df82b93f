import {
  type Account,
  type Chain,
  createPublicClient,
  createTestClient,
  createWalletClient,
  defineChain,
  http,
  type PublicClient,
  type TestClient,
  type Transport,
  type WalletClient,
} from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { type AnvilInstance, startAnvil } from "../devnet/anvil.js";

export type Wallet = WalletClient<Transport, Chain, Account>;

const ANVIL_MNEMONIC = "test test test test test test test test test test test junk";

/** An anvil of a test's own (automine, so `evm_increaseTime` works) with clients and its funded wallets. */
export type LocalChain = {
  anvil: AnvilInstance;
  chain: Chain;
  chainId: number;
  publicClient: PublicClient;
  testClient: TestClient<"anvil", Transport, Chain>;
  /** anvil's funded account `index` of the standard test mnemonic. */
  wallet(index: number): Wallet;
  stop(): Promise<void>;
};

/**
 * Starts an anvil on a random chain id and a free port and returns clients for it. startAnvil picks a
 * free port and then spawns anvil; when another suite's anvil takes that port in between, ours exits and
 * the readiness probe may be answered by the other chain. The random chain id exposes that: retry.
 */
export async function startLocalChain(name: string, fixedChainId?: number): Promise<LocalChain> {
  for (let attempt = 0; ; attempt++) {
    // A fixed id (a public chain's, for a local stand-in) makes the check below weaker, not wrong.
    const chainId = fixedChainId ?? 40_000 + Math.floor(Math.random() * 1_000_000);
    const anvil = await startAnvil({ chainId });
    const response = await fetch(anvil.rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
    });
    const { result } = (await response.json()) as { result: string };
    if (Number(result) === chainId && anvil.process.exitCode === null) return clientsOf(anvil, chainId, name);
    await anvil.stop();
    if (attempt >= 4) throw new Error("could not start an anvil of our own (port taken every time)");
  }
}

function clientsOf(anvil: AnvilInstance, chainId: number, name: string): LocalChain {
  const chain = defineChain({
    id: chainId,
    name: `${name}-${chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [anvil.rpcUrl] } },
  });
  const transport = http(anvil.rpcUrl);
  return {
    anvil,
    chain,
    chainId,
    publicClient: createPublicClient({ chain, transport, pollingInterval: 50 }) as PublicClient,
    testClient: createTestClient({ chain, transport, mode: "anvil" }),
    wallet: (index) =>
      createWalletClient({
        chain,
        transport,
        account: mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: index }),
      }),
    stop: () => anvil.stop(),
  };
}
