import { type Address, type PublicClient, parseAbiItem, zeroAddress } from "viem";

const transfer = parseAbiItem("event Transfer(address indexed from, address indexed to, uint256 value)");
const userEModeSet = parseAbiItem("event UserEModeSet(address indexed user, uint8 categoryId)");

export type MarketAccountsProgress = { fromBlock: number; toBlock: number; scannedTo: number; found: number };

export type MarketAccounts = {
  /** Per token (lower case), every address that ever received it: candidates for a non-zero balance. */
  holders: Map<Address, Set<Address>>;
  /** Every address that ever chose an eMode category (it may hold nothing and still be in eMode). */
  eModeUsers: Set<Address>;
};

/**
 * The accounts of an Aave market between two blocks, from logs: aTokens and debt tokens emit Transfer
 * from the zero address on every mint, aToken transfers and liquidations that receive aTokens emit
 * Transfer to the receiver, and the Pool emits UserEModeSet when a user picks a category (possibly
 * before holding anything). The caller reads balances and settings at `toBlock`; an account found here
 * may hold nothing any more.
 *
 * Logs are fetched in ranges that start at `rangeBlocks` and halve when the RPC refuses one (providers
 * cap ranges and result sizes differently), and grow back after a success.
 */
export async function scanMarketAccounts(
  client: PublicClient,
  market: { pool: Address; tokens: Address[] },
  fromBlock: number,
  toBlock: number,
  options: { rangeBlocks?: number; onProgress?: (p: MarketAccountsProgress) => void } = {},
): Promise<MarketAccounts> {
  const holders = new Map<Address, Set<Address>>(
    market.tokens.map((t) => [t.toLowerCase() as Address, new Set()]),
  );
  const eModeUsers = new Set<Address>();
  const pool = market.pool.toLowerCase();
  let found = 0;
  const maxRange = options.rangeBlocks ?? 10_000;
  let range = maxRange;
  let start = fromBlock;
  while (start <= toBlock) {
    const end = Math.min(toBlock, start + range - 1);
    let logs: Awaited<ReturnType<typeof client.getLogs<undefined, [typeof transfer, typeof userEModeSet]>>>;
    try {
      logs = await client.getLogs({
        address: [market.pool, ...market.tokens],
        events: [transfer, userEModeSet],
        fromBlock: BigInt(start),
        toBlock: BigInt(end),
      });
    } catch (error) {
      if (range === 1) throw error;
      range = Math.max(1, Math.floor(range / 2));
      continue;
    }
    for (const log of logs) {
      const emitter = log.address.toLowerCase();
      if (log.eventName === "UserEModeSet") {
        if (emitter === pool && log.args.user) eModeUsers.add(log.args.user.toLowerCase() as Address);
        continue;
      }
      const to = log.args.to?.toLowerCase() as Address | undefined;
      const of = holders.get(emitter as Address);
      if (!to || to === zeroAddress || !of || of.has(to)) continue;
      of.add(to);
      found++;
    }
    start = end + 1;
    range = Math.min(maxRange, range * 2);
    options.onProgress?.({ fromBlock, toBlock, scannedTo: end, found: found + eModeUsers.size });
  }
  return { holders, eModeUsers };
}
