import { type EIP1193RequestFn, type Hex, type HttpTransportConfig, http, type Transport, toHex } from "viem";

function withMargin(gas: Hex): Hex {
  return toHex((BigInt(gas) * 13n) / 10n + 50_000n);
}

/**
 * An HTTP transport whose gas estimates carry a margin (30 % + 50k).
 *
 * Why: an estimate is taken against one block and the transaction mined in a later one. When the
 * timestamp moves in between, lending pools accrue interest and rate-limit buckets refill, which costs
 * more gas than estimated; an exact estimate then reverts out of gas (seen on a loaded 2-core machine).
 * Unused gas is refunded, so the margin only raises the limit, not the cost.
 *
 * @example
 * const walletClient = createWalletClient({ account, chain, transport: httpWithGasMargin(rpcUrl) });
 */
export function httpWithGasMargin(url: string, config?: HttpTransportConfig): Transport {
  const inner = http(url, config);
  return ((parameters) => {
    const transport = inner(parameters);
    const request = (async (args, options) => {
      const result = await transport.request(args, options);
      if (args.method === "eth_estimateGas") return withMargin(result as Hex);
      // viem 2.57 first asks the node to fill the whole transaction (gas included) when it can.
      if (args.method === "eth_fillTransaction") {
        const filled = result as { tx?: { gas?: Hex } };
        if (filled.tx?.gas) return { ...filled, tx: { ...filled.tx, gas: withMargin(filled.tx.gas) } };
      }
      return result;
    }) as EIP1193RequestFn;
    return { ...transport, request };
  }) as Transport;
}
