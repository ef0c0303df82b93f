import { type Hex, parseAbiItem } from "viem";
import type { BridgeNet } from "../bridgeNet.js";

/**
 * Every bridge transfer of a two-chain BridgeNet as the chains hold it now (canonical logs only): the
 * sources (Locked at home, Burned on the remote) and the deliveries (Minted on the remote, Released at
 * home), keyed by message id.
 */

export const bridgeEvents = {
  locked: parseAbiItem(
    "event Locked(bytes32 indexed messageId, address indexed token, address indexed sender, uint64 destinationChainId, address destinationBridge, uint64 nonce, address recipient, uint256 amount)",
  ),
  released: parseAbiItem(
    "event Released(bytes32 indexed messageId, address indexed token, address indexed recipient, uint64 sourceChainId, uint256 amount)",
  ),
  minted: parseAbiItem(
    "event Minted(bytes32 indexed messageId, address indexed token, address indexed recipient, address wrappedToken, uint64 sourceChainId, uint256 amount)",
  ),
  burned: parseAbiItem(
    "event Burned(bytes32 indexed messageId, address indexed token, address indexed sender, uint64 destinationChainId, address destinationBridge, uint64 nonce, address recipient, uint256 amount)",
  ),
} as const;

export type LedgerEntry = { id: Hex; amount: bigint; blockNumber: bigint; transactionHash: Hex };

export type Ledger = {
  locks: LedgerEntry[];
  burns: LedgerEntry[];
  mints: LedgerEntry[];
  releases: LedgerEntry[];
  /** Head of each chain when read: home, remote. */
  heads: [bigint, bigint];
};

export async function readLedger(net: BridgeNet, fromBlock: [bigint, bigint] = [0n, 0n]): Promise<Ledger> {
  const [home, remote] = net.chains as [BridgeNet["chains"][0], BridgeNet["chains"][0]];
  const vault = net.deployment.chains[0]!.bridge.address;
  const minter = net.deployment.chains[1]!.bridge.address;
  const heads: [bigint, bigint] = [
    await home.publicClient.getBlockNumber({ cacheTime: 0 }),
    await remote.publicClient.getBlockNumber({ cacheTime: 0 }),
  ];
  const entries = (
    logs: { args: { messageId?: Hex; amount?: bigint }; blockNumber: bigint; transactionHash: Hex }[],
  ) =>
    logs.map((l) => ({
      id: l.args.messageId!,
      amount: l.args.amount!,
      blockNumber: l.blockNumber,
      transactionHash: l.transactionHash,
    }));
  const [locks, releases, mints, burns] = await Promise.all([
    home.publicClient.getLogs({
      address: vault,
      event: bridgeEvents.locked,
      fromBlock: fromBlock[0],
      toBlock: heads[0],
    }),
    home.publicClient.getLogs({
      address: vault,
      event: bridgeEvents.released,
      fromBlock: fromBlock[0],
      toBlock: heads[0],
    }),
    remote.publicClient.getLogs({
      address: minter,
      event: bridgeEvents.minted,
      fromBlock: fromBlock[1],
      toBlock: heads[1],
    }),
    remote.publicClient.getLogs({
      address: minter,
      event: bridgeEvents.burned,
      fromBlock: fromBlock[1],
      toBlock: heads[1],
    }),
  ]);
  return {
    locks: entries(locks),
    releases: entries(releases),
    mints: entries(mints),
    burns: entries(burns),
    heads,
  };
}

/** Deliveries per message id (a count above 1 is a double delivery). */
export function deliveryCounts(ledger: Ledger): Map<Hex, number> {
  const counts = new Map<Hex, number>();
  for (const d of [...ledger.mints, ...ledger.releases]) counts.set(d.id, (counts.get(d.id) ?? 0) + 1);
  return counts;
}
