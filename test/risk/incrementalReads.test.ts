import { createRequire } from "node:module";
import { Writable } from "node:stream";
import { PGlite } from "@electric-sql/pglite";
import { drizzle } from "drizzle-orm/pglite";
import fc from "fast-check";
import pino from "pino";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Deployment } from "../../lib/deployments.js";
import * as aave from "../../lib/indexerSchema/aave.js";
import * as externalBridges from "../../lib/indexerSchema/externalBridges.js";
import * as morpho from "../../lib/indexerSchema/morpho.js";
import * as prices from "../../lib/indexerSchema/prices.js";
import * as transfers from "../../lib/indexerSchema/transfers.js";
import * as uniswap from "../../lib/indexerSchema/uniswap.js";
import {
  createIndexerSnapshotProvider,
  type IndexerTables,
  readIndexerRows,
  snapshotFromIndexerRows,
} from "../../lib/risk/api/provider/indexerSnapshot.js";
import type { RiskSnapshot } from "../../lib/risk/index.js";

/*
 * The risk snapshot provider's reads against a real SQL database (in-process PGlite with the indexer's
 * tables), its `_ponder_checkpoint` rows written the way Ponder 0.16 writes them in omnichain ordering:
 * each finalized checkpoint (the lowest of the chains' finalized blocks) lands on the row of the chain
 * whose block it names, the other rows keep older values. Two things are checked: the read after the
 * first is incremental (the first is the only full read of `position` and `market_user`), and along any
 * sequence of blocks, finality moves and reorgs above the final block, every snapshot equals a full
 * rebuild from the same rows.
 */

// drizzle-kit's ESM build cannot load its CommonJS dependencies; its CommonJS build can.
const { generateDrizzleJson, generateMigration } = createRequire(import.meta.url)(
  "drizzle-kit/api",
) as typeof import("drizzle-kit/api");

const schema = { ...aave, ...externalBridges, ...morpho, ...prices, ...transfers, ...uniswap };
const tables = schema as unknown as IndexerTables;
const CHAINS = [10, 20] as const;
type ChainId = (typeof CHAINS)[number];
const ASSETS = [
  "0x00000000000000000000000000000000000000a1",
  "0x00000000000000000000000000000000000000a2",
] as const;
const RAY = 10n ** 27n;

const deployment = {
  bridgeId: "bridge",
  homeChainId: 10,
  externalBridges: [],
  chains: CHAINS.map((chainId) => ({ chainId, role: chainId === 10 ? "home" : "remote", tokens: [] })),
} as unknown as Deployment;

/** Block timestamps differ per chain, so the chains' checkpoints interleave. */
const timestampOf = (chainId: ChainId, block: number) => 1_700_000_000 + block * (chainId === 10 ? 2 : 3);
/** Ponder's checkpoint of a whole block: timestamp, chain id, block number, then the maximum event position. */
const checkpointOf = (chainId: ChainId, block: number) =>
  `${timestampOf(chainId, block)}${String(chainId).padStart(16, "0")}${String(block).padStart(16, "0")}${"9".repeat(33)}`;

const user = (n: number) => `0x${n.toString(16).padStart(40, "0")}` as const;
const protocolOf = (chainId: ChainId) => `aave-${chainId}`;

/**
 * One indexed write: a user's balance in a reserve, or the user's eMode. As in the indexer, a row is never
 * deleted (a balance of 0 is a row of zeros); only a reorg removes rows, by rolling their insert back.
 */
type Write = { user: number; asset: 0 | 1; balance: bigint } | { user: number; eMode: number };
type Block = { number: number; writes: Write[] };

/** One chain as the indexer sees it: canonical blocks (a reorg replaces those above `final`). */
class ChainModel {
  blocks: Block[] = [];
  final = 0;
  constructor(readonly chainId: ChainId) {}
  get head() {
    return this.blocks.at(-1)?.number ?? 0;
  }
  mine(writes: Write[]) {
    this.blocks.push({ number: this.head + 1, writes });
  }
  /**
   * Rolls back to `head - depth` (never below the final block) and mines the fork's blocks, at least
   * one more than were rolled back. Why longer: the provider notices new data by a moved checkpoint,
   * and a fork ending at the old head's height and timestamp has the same checkpoint (its changes are
   * then picked up with the next block, which this model does not wait for).
   */
  reorg(depth: number, fork: Write[][]) {
    const ancestor = Math.max(this.final, this.head - depth);
    const rolledBack = this.head - ancestor;
    this.blocks = this.blocks.filter((b) => b.number <= ancestor);
    for (let i = 0; i <= Math.max(rolledBack, fork.length - 1); i++) this.mine(fork[i] ?? []);
  }
  finalize(by: number) {
    this.final = Math.min(this.head, this.final + by);
  }
  /** The rows the indexer holds: each row as last written, `updated_at_block` the block of that write. */
  rows() {
    const positions = new Map<string, typeof aave.position.$inferInsert>();
    const users = new Map<string, typeof aave.marketUser.$inferInsert>();
    const protocol = protocolOf(this.chainId);
    for (const block of this.blocks) {
      for (const w of block.writes) {
        const at = BigInt(block.number);
        if ("eMode" in w) {
          const id = `${protocol}:${user(w.user)}`;
          users.set(id, {
            id,
            protocol,
            chainId: this.chainId,
            user: user(w.user),
            eModeCategory: w.eMode,
            lastActivityBlock: at,
            updatedAtBlock: at,
          });
          continue;
        }
        const id = `${protocol}:${user(w.user)}:${ASSETS[w.asset]}`;
        positions.set(id, {
          id,
          protocol,
          chainId: this.chainId,
          user: user(w.user),
          reserveId: `${protocol}:${ASSETS[w.asset]}`,
          asset: ASSETS[w.asset],
          scaledATokenBalance: w.balance * 10n ** 18n,
          scaledVariableDebt: (w.balance * 10n ** 18n) / 3n,
          stableDebtPrincipal: 0n,
          stableBorrowRate: 0n,
          stableDebtTimestamp: 0n,
          usedAsCollateral: true,
          updatedAtBlock: at,
        });
      }
    }
    return { positions: [...positions.values()], users: [...users.values()] };
  }
}

const market = (chainId: ChainId): typeof aave.market.$inferInsert => ({
  id: protocolOf(chainId),
  chainId,
  name: protocolOf(chainId),
  pool: user(0xa0),
  poolConfigurator: user(0xc0),
  addressesProvider: user(0xd0),
  oracle: user(0xe0),
  baseCurrencyUnit: 10n ** 8n,
  fallbackOracle: user(0),
  poolRevision: 1,
  updatedAtBlock: 1n,
});

const reserve = (chainId: ChainId, asset: string): typeof aave.reserve.$inferInsert => ({
  id: `${protocolOf(chainId)}:${asset}`,
  protocol: protocolOf(chainId),
  chainId,
  pool: user(0xb0),
  asset: asset as `0x${string}`,
  homeAsset: null,
  symbol: `R${asset.slice(-2)}`,
  decimals: 18,
  aToken: user(0xf1),
  stableDebtToken: user(0xf2),
  variableDebtToken: user(0xf3),
  interestRateStrategy: user(0xf4),
  ltv: 7500,
  liquidationThreshold: 8000,
  liquidationBonus: 10500,
  reserveFactor: 1000,
  liquidationProtocolFee: 0,
  supplyCap: 0n,
  borrowCap: 0n,
  debtCeiling: 0n,
  eModeCategory: 0,
  active: true,
  frozen: false,
  paused: false,
  borrowingEnabled: true,
  stableBorrowingEnabled: false,
  liquidityIndex: RAY,
  variableBorrowIndex: RAY,
  // Rates move the indexes with each block's timestamp, as on a live market.
  liquidityRate: RAY / 50n,
  variableBorrowRate: RAY / 20n,
  stableBorrowRate: 0n,
  lastUpdateTimestamp: 1_700_000_000n,
  totalScaledSupply: 0n,
  totalScaledVariableDebt: 0n,
  mintedToTreasury: 0n,
  priceSource: null,
  problems: [],
  updatedAtBlock: 1n,
});

/** Positions listed by user and reserves by asset: a full rebuild and the provider may order them apart. */
const normalized = (snapshot: RiskSnapshot) => ({
  ...snapshot,
  protocols: snapshot.protocols.map((p) => ({
    ...p,
    positions: [...p.positions]
      .map((position) => ({
        ...position,
        reserves: [...position.reserves].sort((a, b) => a.asset.localeCompare(b.asset)),
      }))
      .sort((a, b) => a.user.localeCompare(b.user)),
  })),
});

describe("the risk snapshot provider's reads (PGlite with the indexer's tables)", () => {
  const client = new PGlite();
  const db = drizzle(client, { casing: "snake_case" });
  /** The `rowsRead` of each rebuild the provider logged. */
  let rowsRead: number[] = [];
  const logger = pino(
    { level: "debug" },
    new Writable({
      write(line: Buffer, _encoding, done) {
        const entry = JSON.parse(line.toString()) as { msg: string; rowsRead?: number };
        if (entry.msg === "risk snapshot rebuilt") rowsRead.push(entry.rowsRead!);
        done();
      },
    }),
  );
  let now = 0;
  const newProvider = () =>
    createIndexerSnapshotProvider({ db, tables, deployment, logger, minRefreshMs: 1000, clock: () => now });
  const nextLook = () => {
    now += 1000;
  };
  /** The pino stream writes asynchronously; its lines are in once the event loop has turned. */
  const logged = async () => {
    await new Promise((resolve) => setImmediate(resolve));
    return rowsRead;
  };

  beforeAll(async () => {
    const ddl = await generateMigration(generateDrizzleJson({}), generateDrizzleJson(schema));
    await client.exec(`${ddl.join(";\n")};
      CREATE TABLE _ponder_checkpoint (chain_name text primary key, chain_id bigint not null,
        safe_checkpoint varchar(75) not null, latest_checkpoint varchar(75) not null,
        finalized_checkpoint varchar(75) not null);`);
  });
  afterAll(() => client.close());
  beforeEach(async () => {
    rowsRead = [];
    await client.exec("DELETE FROM position; DELETE FROM market_user; DELETE FROM _ponder_checkpoint;");
    await client.exec("DELETE FROM market; DELETE FROM reserve;");
    await db.insert(aave.market).values(CHAINS.map(market));
    await db.insert(aave.reserve).values(CHAINS.flatMap((c) => ASSETS.map((a) => reserve(c, a))));
  });

  /** Writes the chains' rows and Ponder's checkpoint rows; `finalized` per chain as Ponder last wrote it. */
  const store = async (chains: ChainModel[], finalized: Map<ChainId, string>) => {
    await client.exec("DELETE FROM position; DELETE FROM market_user; DELETE FROM _ponder_checkpoint;");
    for (const chain of chains) {
      const { positions, users } = chain.rows();
      if (positions.length > 0) await db.insert(aave.position).values(positions);
      if (users.length > 0) await db.insert(aave.marketUser).values(users);
      const latest = checkpointOf(chain.chainId, chain.head);
      await client.query("INSERT INTO _ponder_checkpoint VALUES ($1, $2, $3, $3, $4)", [
        `chain-${chain.chainId}`,
        chain.chainId,
        latest,
        finalized.get(chain.chainId),
      ]);
    }
  };
  /**
   * Ponder's omnichain finalize: the lowest of the chains' final-block checkpoints, written only on the
   * row of the chain it names, and only when it moved forward.
   */
  const finalizeAsPonder = (chains: ChainModel[], finalized: Map<ChainId, string>) => {
    const lowest = chains.map((c) => checkpointOf(c.chainId, c.final)).reduce((a, b) => (a < b ? a : b));
    if ([...finalized.values()].every((f) => f < lowest))
      finalized.set(Number(lowest.slice(10, 26)) as ChainId, lowest);
  };
  const fullRebuild = async () => snapshotFromIndexerRows(deployment, await readIndexerRows(db, tables));

  it("reads all rows once, then only rows above each chain's final block", async () => {
    const a = new ChainModel(10);
    const b = new ChainModel(20);
    // 30 users on each chain: on chain 10 over blocks 1..30, on chain 20 over blocks 1..10, after
    // which chain 20 stays idle.
    for (let n = 1; n <= 30; n++)
      a.mine([
        { user: n, asset: 0, balance: BigInt(n) },
        { user: n, eMode: 0 },
      ]);
    for (let n = 1; n <= 30; n += 3)
      b.mine([0, 1, 2].map((k) => ({ user: n + k, asset: 1 as const, balance: BigInt(n + k) })));
    a.final = 25;
    b.final = 10;
    // Ponder's finalized checkpoint names chain 10's block 25, on both rows (as after its historical
    // sync): for chain 10 it is its final block, for chain 20 it is past its head (block 10, 20 s
    // earlier), so that head is final. Every chain has a bound at the first look.
    const finalized = new Map<ChainId, string>([
      [10, checkpointOf(10, 25)],
      [20, checkpointOf(10, 25)],
    ]);
    await store([a, b], finalized);
    const provider = newProvider();
    expect(normalized(await provider.getSnapshot())).toEqual(normalized(await fullRebuild()));
    expect(await logged()).toEqual([30 + 30 + 30]);

    // A new block on chain 10 changes one user; nothing is final yet beyond the first look's bounds.
    a.mine([{ user: 3, asset: 0, balance: 99n }]);
    await store([a, b], finalized);
    nextLook();
    expect(normalized(await provider.getSnapshot())).toEqual(normalized(await fullRebuild()));
    // Chain 10: rows above block 25 (users 26..30, position and market_user each, and user 3's change);
    // chain 20: none above its head.
    expect((await logged())[1]).toBe(5 * 2 + 1);
    provider.close();
  });

  it("equals a full rebuild along any blocks, finality moves and reorgs above the final block", async () => {
    const writeArb: fc.Arbitrary<Write> = fc.oneof(
      fc.record({
        user: fc.integer({ min: 1, max: 8 }),
        asset: fc.constantFrom(0 as const, 1 as const),
        balance: fc.bigInt({ min: 0n, max: 5n }),
      }),
      fc.record({ user: fc.integer({ min: 1, max: 8 }), eMode: fc.constantFrom(0, 1) }),
    );
    const writesArb = fc.array(writeArb, { maxLength: 3 });
    const chainArb = fc.constantFrom(0, 1);
    const stepArb = fc.oneof(
      fc.record({ kind: fc.constant("block" as const), chain: chainArb, writes: writesArb }),
      fc.record({
        kind: fc.constant("finalize" as const),
        chain: chainArb,
        by: fc.integer({ min: 1, max: 4 }),
      }),
      fc.record({
        kind: fc.constant("reorg" as const),
        chain: chainArb,
        depth: fc.integer({ min: 1, max: 4 }),
        fork: fc.array(writesArb, { maxLength: 4 }),
      }),
      fc.constant({ kind: "look" as const }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(writesArb, { minLength: 2, maxLength: 6 }),
        fc.array(stepArb, { maxLength: 25 }),
        async (start, steps) => {
          const chains = CHAINS.map((c) => new ChainModel(c));
          for (const writes of start) for (const chain of chains) chain.mine(writes);
          // As after Ponder's historical sync: every row holds one checkpoint (here the first block's).
          const finalized = new Map<ChainId, string>(CHAINS.map((c) => [c, checkpointOf(10, 1)]));
          for (const chain of chains) chain.final = 1;
          await store(chains, finalized);
          const provider = newProvider();
          try {
            expect(normalized(await provider.getSnapshot())).toEqual(normalized(await fullRebuild()));
            for (const step of [...steps, { kind: "look" as const }]) {
              if (step.kind === "look") {
                await store(chains, finalized);
                nextLook();
                expect(normalized(await provider.getSnapshot())).toEqual(normalized(await fullRebuild()));
                continue;
              }
              const chain = chains[step.chain]!;
              if (step.kind === "block") chain.mine(step.writes);
              else if (step.kind === "reorg") chain.reorg(step.depth, step.fork);
              else {
                chain.finalize(step.by);
                finalizeAsPonder(chains, finalized);
              }
            }
          } finally {
            provider.close();
          }
        },
      ),
      { numRuns: 60 },
    );
  }, 90_000); // a property test over a real database: 8.5 s alone, 27 s seen with the suite beside it
});
