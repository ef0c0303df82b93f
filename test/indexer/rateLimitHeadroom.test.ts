import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Address, type BaseError, ContractFunctionRevertedError, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bridgeMinterAbi, bridgeVaultAbi } from "../../contracts/generated/index.js";
import { type PonderProcess, startPonder } from "../../harness/ponderProcess.js";
import { settledBlock } from "../../harness/settledBlock.js";
import { messageId } from "../../lib/bridge/message.js";
import { attestationTypedData, sortSignaturesBySigner } from "../../lib/bridge/typedData.js";
import { DEVNET_VALIDATOR_THRESHOLD, devnetKeys } from "../../lib/devnet/accounts.js";
import { eventually } from "../helpers/eventually.js";
import { confirm, type IndexerChain, type IndexerNet, startIndexerNet } from "../helpers/indexerFixture.js";
import { usdc } from "../helpers/indexerTraffic.js";

/**
 * Rate-limit headroom as the indexer replays it (indexer/rateLimits.ts, POST /bridge/graphql,
 * /metrics/bridge) against the contracts' own views at the same block, on real anvil chains with the
 * system deployed as the devnet deploys it and real `ponder start` on PGlite.
 */

const OUTBOUND = 0;
const INBOUND = 1;
// 0.1 USDC per second: slow enough that a transfer over the limit still waits when the assertions run.
const REFILL = usdc(1) / 10n;

let net: IndexerNet;
let ponder: PonderProcess;
let pgliteDir: string;
let home: IndexerChain;
let remote: IndexerChain;
let USDC: Address;

type Headroom = {
  chainId: number;
  remoteChainId: number;
  asset: string;
  direction: "OUTBOUND" | "INBOUND";
  capacity: string;
  refillPerSecond: string;
  available: string | null;
  fits: string | null;
};

/** Fails with Ponder's last output when it has exited, instead of a bare "fetch failed". */
function assertPonderRunning() {
  if (ponder.child.exitCode !== null || ponder.child.signalCode !== null)
    throw new Error(`ponder exited:\n${ponder.output().slice(-4000)}`);
}

async function bridgeGraphql<T>(query: string): Promise<T> {
  const post = () =>
    fetch(`${ponder.url}/bridge/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query }),
    });
  // Queries are read-only, so a connection reset at high load (see indexedSettledBlock) is retried twice.
  let response: Response | undefined;
  for (let attempt = 0; !response; attempt++) {
    assertPonderRunning();
    response = await post().catch((error: Error) => {
      if (attempt >= 2) throw error;
      return undefined;
    });
  }
  const body = (await response.json()) as { data?: T; errors?: { message: string }[] };
  if (body.errors) throw new Error(body.errors.map((e) => e.message).join("; "));
  return body.data!;
}

/** A block below the head of `chain`, once Ponder has indexed it (so both sides describe the same state). */
async function indexedSettledBlock(chain: IndexerChain) {
  const block = await settledBlock(chain.publicClient, chain.testClient);
  await eventually(
    async () => {
      assertPonderRunning();
      // At load averages of 20+ a reused keep-alive socket is sometimes reset just as it is written
      // (ECONNRESET) while Ponder is fine: that poll counts as "not yet"; Ponder exiting still fails.
      const status = (await fetch(`${ponder.url}/status`)
        .then((r) => r.json())
        .catch(() => ({}))) as Record<string, { block: { number: number } }>;
      return status[chain.name]?.block.number ?? 0;
    },
    (n) => n >= Number(block.number),
    60_000,
  );
  return block;
}

async function setRateLimit(chain: IndexerChain, remoteChainId: number, direction: number, capacity: bigint) {
  const bridge = net.deployment.chains.find((c) => c.chainId === chain.chainId)!.bridge.address;
  await confirm(
    chain,
    chain.deployer.writeContract({
      address: bridge,
      abi: chain === home ? bridgeVaultAbi : bridgeMinterAbi,
      functionName: "setRateLimit",
      args: [BigInt(remoteChainId), USDC, direction, capacity, REFILL],
    }),
  );
}

beforeAll(async () => {
  net = await startIndexerNet();
  [home, remote] = net.chains as [IndexerChain, IndexerChain];
  USDC = net.homeToken("USDC");
  // Small buckets so a few transfers reach the limits: 300 USDC out of A toward B, 150 USDC into B.
  await setRateLimit(home, remote.chainId, OUTBOUND, usdc(300));
  await setRateLimit(remote, home.chainId, INBOUND, usdc(150));
  await net.finalize();
  net.tick();
  pgliteDir = mkdtempSync(join(tmpdir(), "ratelimit-pglite-"));
  ponder = await startPonder({ net, schema: "public", pgliteDir });
  // Deploying three chains and Ponder's first backfill take minutes at the load averages of 20+ seen here.
  await ponder.waitReady(360_000);
}, 600_000);

afterAll(async () => {
  await ponder?.kill("SIGKILL");
  await net?.stop();
  if (pgliteDir) rmSync(pgliteDir, { recursive: true, force: true });
}, 60_000);

describe("rate-limit headroom", () => {
  it("equals the contract's availableCapacity and rateLimitOf at the same block as transfers fill the bucket", async () => {
    const vault = net.deployment.chains[0]!.bridge.address;
    for (const amount of [usdc(100), usdc(100), usdc(95)]) {
      await net.lock(0, "USDC", amount, remote.chainId);
      const block = await indexedSettledBlock(home);
      const { rateLimitHeadroom } = await bridgeGraphql<{ rateLimitHeadroom: Headroom[] }>(
        `{ rateLimitHeadroom(chainId: ${home.chainId}, timestamp: "${block.timestamp}") {
             chainId remoteChainId asset direction capacity refillPerSecond available
             fits: secondsUntilFits(amount: "${usdc(300)}") } }`,
      );
      const row = rateLimitHeadroom.find(
        (r) =>
          r.remoteChainId === remote.chainId && r.asset === USDC.toLowerCase() && r.direction === "OUTBOUND",
      )!;
      const read = <T>(functionName: "availableCapacity" | "rateLimitOf") =>
        home.publicClient.readContract({
          address: vault,
          abi: bridgeVaultAbi,
          functionName,
          args: [BigInt(remote.chainId), USDC, OUTBOUND],
          blockNumber: block.number,
        }) as Promise<T>;
      const available = await read<bigint>("availableCapacity");
      const [capacity, refill] = await read<readonly [bigint, bigint]>("rateLimitOf");
      expect(row).toEqual({
        chainId: home.chainId,
        remoteChainId: remote.chainId,
        asset: USDC.toLowerCase(),
        direction: "OUTBOUND",
        capacity: capacity.toString(),
        refillPerSecond: refill.toString(),
        available: available.toString(),
        // A full bucket's worth fits once the missing part has refilled, whole seconds rounded up.
        fits: ((capacity - available + refill - 1n) / refill).toString(),
      });
      // The bucket was really drawn down (otherwise the comparison above would prove little).
      expect(available).toBeLessThan(capacity);
    }
    // The same figures as gauges, in whole tokens, labelled by route.
    const metrics = await (await fetch(`${ponder.url}/metrics/bridge`)).text();
    const route = `route="${home.name}->${remote.name}",asset="USDC",direction="outbound"`;
    expect(metrics).toMatch(
      new RegExp(`indexer_bridge_rate_limit_capacity_tokens\\{[^}]*${route}\\} 300\\n`),
    );
    expect(metrics).toMatch(
      new RegExp(`indexer_bridge_rate_limit_refill_tokens_per_second\\{[^}]*${route}\\} 0.1\\n`),
    );
    expect(metrics).toMatch(
      new RegExp(`indexer_bridge_rate_limit_available_tokens\\{[^}]*${route}\\} [\\d.]+\\n`),
    );
  });

  it("explains a transfer that waits for the destination's inbound headroom, as the contract would refuse it", async () => {
    // Room to send again out of A (the first test nearly emptied that bucket; setting it refills it).
    await setRateLimit(home, remote.chainId, OUTBOUND, usdc(1000));
    // 120 USDC delivered spends most of B's 150 inbound; the next 100 USDC does not fit.
    await net.deliver(await net.lock(1, "USDC", usdc(120), remote.chainId));
    const waiting = await net.lock(1, "USDC", usdc(100), remote.chainId);
    const id = messageId(waiting);
    await eventually(
      () =>
        bridgeGraphql<{ transferRateLimit: unknown }>(`{ transferRateLimit(messageId: "${id}") { status } }`),
      (d) => d.transferRateLimit !== null,
      60_000,
    );
    const block = await indexedSettledBlock(remote);
    const { transferRateLimit: answer } = await bridgeGraphql<{
      transferRateLimit: {
        status: string;
        needed: string;
        waiting: boolean;
        secondsUntilFits: string;
        reason: string;
        headroom: { direction: string; available: string };
      };
    }>(
      `{ transferRateLimit(messageId: "${id}", timestamp: "${block.timestamp}") {
           status needed waiting secondsUntilFits reason headroom { direction available } } }`,
    );
    // The contract's own answer at that block: the mint reverts with RateLimited(available, requested).
    const signatures = await sortSignaturesBySigner(
      attestationTypedData(waiting, 1n),
      await Promise.all(
        devnetKeys.validators
          .slice(0, DEVNET_VALIDATOR_THRESHOLD)
          .map((key) => privateKeyToAccount(key).signTypedData(attestationTypedData(waiting, 1n))),
      ),
    );
    const refusal = await remote.publicClient
      .simulateContract({
        account: remote.deployer.account,
        address: waiting.destinationBridge,
        abi: bridgeMinterAbi,
        functionName: "mint",
        args: [waiting, 1n, signatures.map((s) => s.signature as Hex)],
        blockNumber: block.number,
      })
      .then(
        () => undefined,
        (error: BaseError) => error.walk((e) => e instanceof ContractFunctionRevertedError),
      );
    const revert = (refusal as ContractFunctionRevertedError | undefined)?.data;
    expect(revert?.errorName).toBe("RateLimited");
    const [available, requested] = revert!.args as readonly [bigint, bigint];
    expect(requested).toBe(usdc(100));
    const seconds = (requested - available + REFILL - 1n) / REFILL;
    expect(answer).toEqual({
      status: "pending",
      needed: requested.toString(),
      waiting: true,
      secondsUntilFits: seconds.toString(),
      reason: `waiting for rate-limit headroom: ${available} available, ${requested} needed, fits in ~${seconds} s`,
      headroom: { direction: "INBOUND", available: available.toString() },
    });
  });

  it("rejects a malformed message id or timestamp with a clear error", async () => {
    await expect(bridgeGraphql(`{ transferRateLimit(messageId: "0x12") { status } }`)).rejects.toThrow(
      /messageId must be 0x followed by 64 hex digits/,
    );
    await expect(bridgeGraphql(`{ rateLimitHeadroom(timestamp: "soon") { chainId } }`)).rejects.toThrow(
      /timestamp must be a non-negative integer string/,
    );
  });
});
