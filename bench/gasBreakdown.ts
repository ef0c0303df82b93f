import { createPublicClient, type Hash, http, type PublicClient } from "viem";
import { startAnvil } from "../devnet/anvil.js";

/** Gas of one transaction's execution by kind of work, summed over every call frame, from an opcode trace. */
export type ExecutionBreakdown = {
  storage_writes: number;
  storage_reads: number;
  events: number;
  hashing: number;
  /** Everything else the EVM executed: calldata decoding, memory, arithmetic, jumps, call overhead. */
  other_execution: number;
};

type StructLog = { op: string; gas: number; gasCost: number; depth: number };

const CALLS = new Set(["CALL", "STATICCALL", "DELEGATECALL", "CALLCODE", "CREATE", "CREATE2"]);

/**
 * Splits `executionGas` (the transaction's gas minus intrinsic and calldata costs) by opcode kind. The
 * transaction is replayed on a fork of its parent block started with `--steps-tracing`: on the benchmark
 * chain itself that flag keeps every step of every transaction in memory (over 10 GB for the
 * block-filling batches). Call opcodes are left out of the sums because their cost includes the gas
 * forwarded to the callee, whose own opcodes are counted in its frame; whatever the named kinds do not
 * cover is `other_execution`.
 */
export async function executionBreakdown(
  publicClient: PublicClient,
  rpcUrl: string,
  hash: Hash,
  executionGas: bigint,
): Promise<ExecutionBreakdown> {
  const tx = await publicClient.getTransaction({ hash });
  const original = await publicClient.getTransactionReceipt({ hash });
  const fork = await startAnvil({
    chainId: publicClient.chain!.id,
    args: [
      "--fork-url",
      rpcUrl,
      "--fork-block-number",
      String(tx.blockNumber - 1n),
      "--steps-tracing",
      "--auto-impersonate",
      "--block-base-fee-per-gas",
      "0",
    ],
  });
  try {
    const client = createPublicClient({ transport: http(fork.rpcUrl, { timeout: 120_000 }) });
    const replay = (await client.request({
      method: "eth_sendTransaction" as never,
      params: [{ from: tx.from, to: tx.to, data: tx.input, gas: `0x${tx.gas.toString(16)}` }] as never,
    })) as Hash;
    const receipt = await client.waitForTransactionReceipt({ hash: replay, pollingInterval: 50 });
    if (receipt.gasUsed !== original.gasUsed) {
      throw new Error(`replay used ${receipt.gasUsed} gas, the original ${original.gasUsed}`);
    }
    // Plain fetch: the trace of a 64-message batch is larger than viem's 10 MB response limit.
    const response = await fetch(fork.rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "debug_traceTransaction",
        params: [replay, { disableStack: true, disableMemory: true, disableStorage: true }],
      }),
    });
    const trace = ((await response.json()) as { result: { structLogs: StructLog[] } }).result;
    return split(trace.structLogs, executionGas);
  } finally {
    await fork.stop();
  }
}

function split(logs: StructLog[], executionGas: bigint): ExecutionBreakdown {
  if (logs.length === 0) throw new Error("empty opcode trace");
  // A step's cost is the gas it left to the next step of its frame (the traced gasCost of SSTORE leaves
  // out the cold-slot surcharge); a frame's last step has no such successor and keeps its gasCost.
  const costs = logs.map((log, i) => {
    const next = logs[i + 1];
    return next && next.depth === log.depth ? log.gas - next.gas : log.gasCost;
  });
  const sum = (match: (op: string) => boolean) =>
    logs.reduce((total, log, i) => (match(log.op) && !CALLS.has(log.op) ? total + costs[i]! : total), 0);
  const named = {
    storage_writes: sum((op) => op === "SSTORE"),
    storage_reads: sum((op) => op === "SLOAD"),
    events: sum((op) => op.startsWith("LOG")),
    hashing: sum((op) => op === "KECCAK256" || op === "SHA3"),
  };
  const total = Object.values(named).reduce((a, b) => a + b, 0);
  return { ...named, other_execution: Number(executionGas) - total };
}
