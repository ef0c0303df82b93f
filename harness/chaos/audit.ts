import { type Address, type Hex, hexToBigInt } from "viem";
import { bridgeTestTokenAbi, wrappedTokenAbi } from "../../contracts/generated/index.js";
import type { BridgeNet } from "../bridgeNet.js";
import { deliveryCounts, type Ledger, readLedger } from "./ledger.js";
import type { ChaosRig } from "./rig.js";

/**
 * The soak's verdict, from chain state read directly (the chains, not the services' own records), then
 * the indexer and the relayers' database compared with it. One line per check; `failed` counts the
 * checks that found a loss, a double delivery or a mismatch.
 */

export type AuditCheck = { name: string; ok: boolean; line: string };

export type AuditResult = {
  checks: AuditCheck[];
  transfers: number;
  lost: number;
  doubled: number;
  unbacked: number;
  mismatches: number;
  /** Reverted transactions each relayer sent, over both chains, by relayer address. */
  revertedByRelayer: Record<Address, number>;
  transactionsByRelayer: Record<Address, number>;
};

const sum = (xs: { amount: bigint }[]) => xs.reduce((a, x) => a + x.amount, 0n);

/**
 * Reads the chains and the indexer again and again until every transfer is delivered and the indexer
 * agrees with the chains (or `settleMs` runs out), then judges the last reading.
 */
export async function auditChaos(rig: ChaosRig, settleMs = 180_000): Promise<AuditResult> {
  const { net } = rig;
  const deadline = Date.now() + settleMs;
  let ledger: Ledger;
  let supply: ChainSupply;
  let indexed: IndexedReading | undefined;
  for (;;) {
    ledger = await readLedger(net);
    supply = await chainSupply(net, ledger);
    indexed = await readIndexer(rig).catch(() => undefined);
    const counts = deliveryCounts(ledger);
    const settled =
      [...ledger.locks, ...ledger.burns].every((s) => counts.has(s.id)) &&
      indexed !== undefined &&
      indexerChecks(ledger, supply, counts.size, indexed).every((c) => c.ok);
    if (settled || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 2_000));
  }
  const checks: AuditCheck[] = [];
  const check = (name: string, ok: boolean, line: string) =>
    checks.push({ name, ok, line: `${ok ? "ok  " : "FAIL"} ${name}: ${line}` });

  const sources = new Map<Hex, bigint>([...ledger.locks, ...ledger.burns].map((s) => [s.id, s.amount]));
  const counts = deliveryCounts(ledger);
  const lostIds = [...sources.keys()].filter((id) => !counts.has(id));
  const doubledIds = [...counts].filter(([, n]) => n > 1).map(([id]) => id);
  const unbackedIds = [...counts.keys()].filter((id) => !sources.has(id));
  const wrongAmount = [...ledger.mints, ...ledger.releases].filter(
    (d) => sources.has(d.id) && sources.get(d.id) !== d.amount,
  );
  check(
    "every transfer delivered",
    lostIds.length === 0,
    `${sources.size - lostIds.length} of ${sources.size} (${ledger.locks.length} locks, ${ledger.burns.length} burns) delivered; lost ${lostIds.length}${lostIds.length ? ` e.g. ${lostIds.slice(0, 3).join(", ")}` : ""}`,
  );
  check(
    "nothing delivered twice",
    doubledIds.length === 0,
    `doubled ${doubledIds.length}${doubledIds.length ? ` e.g. ${doubledIds.slice(0, 3).join(", ")}` : ""}`,
  );
  check(
    "nothing delivered that was never sent",
    unbackedIds.length === 0,
    `unbacked ${unbackedIds.length}${unbackedIds.length ? ` e.g. ${unbackedIds.slice(0, 3).join(", ")}` : ""}`,
  );
  check(
    "delivered amounts equal sent amounts",
    wrongAmount.length === 0,
    `${wrongAmount.length} deliveries with another amount`,
  );

  check(
    "supply on chain",
    supply.custodyMatches && supply.wrappedMatches && supply.wrapped <= supply.custody,
    `vault holds ${supply.custody} (locked - released ${supply.expectedCustody}), wUSDC supply ${supply.wrapped} (minted - burned ${supply.expectedWrapped}), backing ${supply.wrapped <= supply.custody ? "holds" : "BROKEN"}`,
  );

  const indexer = indexed
    ? indexerChecks(ledger, supply, counts.size, indexed)
    : [{ name: "indexer", ok: false, line: "no totals from the indexer" }];
  for (const c of indexer) check(c.name, c.ok, c.line);

  const pending = await rig.relayerPending();
  const stuck = pending.filter((m) => sources.has(m.id as Hex));
  const orphaned = pending.filter((m) => !sources.has(m.id as Hex));
  check(
    "relayer database: nothing left in flight",
    stuck.length === 0,
    `${stuck.length} canonical messages not delivered in the relayers' records${stuck.length ? ` (${summarize(stuck)})` : ""}; ${orphaned.length} records of messages no longer on chain (reorged out${orphaned.length ? `: ${summarize(orphaned)}` : ""})`,
  );

  const submissions = await relayerSubmissions(rig);
  for (const [address, s] of Object.entries(submissions))
    checks.push({
      name: `submissions ${address}`,
      ok: true,
      line: `info relayer ${address}: ${s.sent} transactions, ${s.reverted} reverted`,
    });

  const mismatches = checks.filter(
    (c) => !c.ok && !["every transfer delivered", "nothing delivered twice"].includes(c.name),
  ).length;
  return {
    checks,
    transfers: sources.size,
    lost: lostIds.length,
    doubled: doubledIds.length,
    unbacked: unbackedIds.length,
    mismatches,
    revertedByRelayer: Object.fromEntries(Object.entries(submissions).map(([a, s]) => [a, s.reverted])),
    transactionsByRelayer: Object.fromEntries(Object.entries(submissions).map(([a, s]) => [a, s.sent])),
  };
}

function summarize(rows: { status: string }[]): string {
  const byStatus = new Map<string, number>();
  for (const r of rows) byStatus.set(r.status, (byStatus.get(r.status) ?? 0) + 1);
  return [...byStatus].map(([s, n]) => `${n} ${s}`).join(", ");
}

type ChainSupply = {
  custody: bigint;
  wrapped: bigint;
  expectedCustody: bigint;
  expectedWrapped: bigint;
  custodyMatches: boolean;
  wrappedMatches: boolean;
};

async function chainSupply(net: BridgeNet, ledger: Ledger): Promise<ChainSupply> {
  const [home, remote] = net.chains as [BridgeNet["chains"][0], BridgeNet["chains"][0]];
  const custody = await home.publicClient.readContract({
    address: net.usdc,
    abi: bridgeTestTokenAbi,
    functionName: "balanceOf",
    args: [net.deployment.chains[0]!.bridge.address],
    blockNumber: ledger.heads[0],
  });
  const wrapped = await remote.publicClient.readContract({
    address: net.wrappedUsdc.get(remote.chainId)!,
    abi: wrappedTokenAbi,
    functionName: "totalSupply",
    blockNumber: ledger.heads[1],
  });
  const expectedCustody = sum(ledger.locks) - sum(ledger.releases);
  const expectedWrapped = sum(ledger.mints) - sum(ledger.burns);
  return {
    custody,
    wrapped,
    expectedCustody,
    expectedWrapped,
    custodyMatches: custody === expectedCustody,
    wrappedMatches: wrapped === expectedWrapped,
  };
}

type IndexedTotals = {
  routeTotalss: {
    items: {
      locked: string;
      released: string;
      minted: string;
      burned: string;
      messages: number;
      delivered: number;
    }[];
  };
  assetSupplys: {
    items: { custody: string; remoteOutstanding: string; healthy: boolean; violations: number }[];
  };
  tokenSupplys: { items: { chainId: number; totalSupply: string }[] };
};

type IndexedReading = {
  route: IndexedTotals["routeTotalss"]["items"][number];
  asset: IndexedTotals["assetSupplys"]["items"][number];
  token: IndexedTotals["tokenSupplys"]["items"][number];
};

async function readIndexer(rig: ChaosRig): Promise<IndexedReading | undefined> {
  const indexer = rig.indexer();
  if (!indexer) return undefined;
  const body = await indexer.graphql<IndexedTotals>(
    `{ routeTotalss { items { locked released minted burned messages delivered } }
       assetSupplys { items { custody remoteOutstanding healthy violations } }
       tokenSupplys { items { chainId totalSupply } } }`,
  );
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  const route = body.data!.routeTotalss.items[0];
  const asset = body.data!.assetSupplys.items[0];
  const token = body.data!.tokenSupplys.items.find((t) => t.chainId === rig.net.chains[1]!.chainId);
  return route && asset && token ? { route, asset, token } : undefined;
}

/** The indexer against the chains: per-route totals and message counts, custody, wrapped supply, its supply check. */
function indexerChecks(
  ledger: Ledger,
  supply: ChainSupply,
  delivered: number,
  { route, asset, token }: IndexedReading,
): { name: string; ok: boolean; line: string }[] {
  const expected = {
    locked: sum(ledger.locks),
    released: sum(ledger.releases),
    minted: sum(ledger.mints),
    burned: sum(ledger.burns),
    messages: ledger.locks.length + ledger.burns.length,
  };
  const transfersOk =
    route.messages === expected.messages &&
    route.delivered === delivered &&
    BigInt(route.locked) === expected.locked &&
    BigInt(route.released) === expected.released &&
    BigInt(route.minted) === expected.minted &&
    BigInt(route.burned) === expected.burned;
  const supplyOk = BigInt(asset.custody) === supply.custody && BigInt(token.totalSupply) === supply.wrapped;
  return [
    {
      name: "indexer transfers equal the chain",
      ok: transfersOk,
      line: `messages ${route.messages}/${expected.messages}, delivered ${route.delivered}/${delivered}, locked ${route.locked}/${expected.locked}, released ${route.released}/${expected.released}, minted ${route.minted}/${expected.minted}, burned ${route.burned}/${expected.burned} (indexer/chain)`,
    },
    {
      name: "indexer supplies equal the chain",
      ok: supplyOk,
      line: `custody ${asset.custody}/${supply.custody}, wUSDC supply ${token.totalSupply}/${supply.wrapped} (indexer/chain)`,
    },
    {
      name: "indexer supply invariant",
      ok: asset.healthy && asset.violations === 0,
      line: `healthy ${asset.healthy}, violations ${asset.violations}, remote outstanding ${asset.remoteOutstanding} <= custody ${asset.custody}`,
    },
  ];
}

type Submissions = Record<Address, { sent: number; reverted: number }>;

/** Every transaction each relayer sent on either chain, and how many reverted (block receipts). */
async function relayerSubmissions(rig: ChaosRig): Promise<Submissions> {
  const out: Submissions = Object.fromEntries(rig.relayerAddresses.map((a) => [a, { sent: 0, reverted: 0 }]));
  const byLower = new Map(rig.relayerAddresses.map((a) => [a.toLowerCase(), a]));
  for (const chain of rig.net.chains) {
    const head = await chain.publicClient.getBlockNumber({ cacheTime: 0 });
    const blocks = Array.from({ length: Number(head) + 1 }, (_, i) => i);
    for (let i = 0; i < blocks.length; i += 20) {
      const receipts = await Promise.all(
        blocks.slice(i, i + 20).map(
          (n) =>
            chain.publicClient.request({
              method: "eth_getBlockReceipts" as never,
              params: [`0x${n.toString(16)}`] as never,
            }) as Promise<{ from: string; status: Hex }[] | null>,
        ),
      );
      for (const receipt of receipts.flat()) {
        if (!receipt) continue;
        const address = byLower.get(receipt.from.toLowerCase());
        if (!address) continue;
        out[address]!.sent++;
        if (hexToBigInt(receipt.status) === 0n) out[address]!.reverted++;
      }
    }
  }
  return out;
}
