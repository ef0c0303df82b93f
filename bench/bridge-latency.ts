/**
 * Lock -> mint latency, end to end: anvil chains with 1 s blocks (like the devnet), 5 in-process
 * validators (threshold 4), one relayer on the local Redis + PostgreSQL. Prints p50/p95 next to the
 * floor the finality rule sets (confirmations + one block for the mint). No assertions.
 *
 * Usage: npm run bench:bridge   (or: npx tsx bench/bridge-latency.ts [samples])
 */
import { startBridgeNet, USDC } from "../harness/bridgeNet.js";
import { isDelivered, lockUsdc, startTestRelayer, startTestValidator } from "../harness/bridgeServices.js";

const samples = Number(process.argv[2] ?? 20);
const blockTime = 1;
const finalityBlocks = 2;
const net = await startBridgeNet({ remotes: 1, blockTimeSeconds: blockTime, finalityBlocks });
const validators = await Promise.all([0, 1, 2, 3, 4].map((i) => startTestValidator(net, i)));
const relayer = await startTestRelayer(
  net,
  validators.map((v) => v.url),
  {
    timing: {
      signaturePollMs: 100,
      fastPolls: 10_000,
      backoffScale: 1,
      receiptTimeoutMs: 15_000,
      stuckAfterMs: 60_000,
    },
  },
);
const latencies: number[] = [];
try {
  for (let i = 0; i < samples; i++) {
    const { message } = await lockUsdc(net, USDC);
    // Measured from the lock's inclusion (the receipt just arrived) to the mint being readable.
    const started = Date.now();
    for (;;) {
      // The nonce bitmap: the relayer delivers by proof under a root, which sets no processed[id].
      const done = await isDelivered(net, message);
      if (done) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    latencies.push((Date.now() - started) / 1000);
    process.stderr.write(`sample ${i + 1}/${samples}: ${latencies.at(-1)!.toFixed(2)} s\n`);
  }
} finally {
  await relayer.stop();
  await Promise.all(validators.map((v) => v.stop()));
  await net.stop();
}
latencies.sort((a, b) => a - b);
const pct = (p: number) =>
  latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)]!;
const floor = finalityBlocks * blockTime + blockTime;
console.log(
  `lock -> mint latency over ${samples} transfers (block time ${blockTime} s, finality ${finalityBlocks} confirmations)`,
);
console.log(
  `  p50 ${pct(50).toFixed(2)} s   p95 ${pct(95).toFixed(2)} s   max ${latencies.at(-1)!.toFixed(2)} s`,
);
console.log(
  `  floor (finality wait + one block) ${floor.toFixed(2)} s; goal p95 <= ${(floor + 1.5 * blockTime).toFixed(2)} s`,
);
// Last line: the figures as one JSON object.
console.log(
  JSON.stringify({
    transfers: samples,
    latency_p50_seconds: pct(50),
    latency_p95_seconds: pct(95),
    latency_max_seconds: latencies.at(-1),
    finality_floor_seconds: floor,
  }),
);
process.exit(0);
