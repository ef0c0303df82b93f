/**
 * How fast the `bridge` command answers, started as a user starts it (`node cli/bin.js`, the build in
 * dist/cli/): `bridge --help` (goal < 0.5 s) and `bridge status <id>` of a delivered message on two
 * anvil chains with 5 validators and a relayer (goal < 1.5 s). Prints medians and p95, then one JSON
 * line with the figures. No assertions. Run `npm run build` first (npm ci does).
 *
 * Usage: npx tsx bench/cli-latency.ts [samples]
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { startBridgeNet, USDC } from "../harness/bridgeNet.js";
import { lockUsdc, startTestRelayer, startTestValidator, waitFor } from "../harness/bridgeServices.js";

const run = promisify(execFile);
const samples = Number(process.argv[2] ?? 15);

const net = await startBridgeNet({ remotes: 1, blockTimeSeconds: 0.5, finalityBlocks: 2 });
const validators = await Promise.all([0, 1, 2, 3, 4].map((i) => startTestValidator(net, i)));
const relayer = await startTestRelayer(
  net,
  validators.map((v) => v.url),
);
const env = {
  ...process.env,
  ...net.rpcEnv,
  DEPLOYMENT_FILE: net.deploymentFile,
  VALIDATOR_URLS: validators.map((v) => v.url).join(","),
  RELAYER_URL: relayer.url,
};

async function timed(args: string[]): Promise<number> {
  const started = performance.now();
  await run(process.execPath, ["cli/bin.js", ...args], { env });
  return (performance.now() - started) / 1000;
}

function summary(seconds: number[]) {
  const sorted = [...seconds].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  return { median: Number(at(0.5).toFixed(3)), p95: Number(at(0.95).toFixed(3)), samples: sorted.length };
}

try {
  const { id } = await lockUsdc(net, 3n * USDC);
  await waitFor(
    "delivery",
    async () => {
      const { stdout } = await run(process.execPath, ["cli/bin.js", "status", id, "--json"], { env });
      return JSON.parse(stdout).destination.delivered === true;
    },
    60_000,
  );
  await timed(["--help"]); // warm the file cache once, as a second run of a user's shell would be
  const help: number[] = [];
  const status: number[] = [];
  for (let i = 0; i < samples; i++) {
    help.push(await timed(["--help"]));
    status.push(await timed(["status", id]));
  }
  const result = {
    help: { ...summary(help), goalSeconds: 0.5 },
    status: { ...summary(status), goalSeconds: 1.5 },
  };
  process.stdout.write(
    `bridge --help        median ${result.help.median} s, p95 ${result.help.p95} s (goal < 0.5 s)\n` +
      `bridge status <id>   median ${result.status.median} s, p95 ${result.status.p95} s (goal < 1.5 s)\n`,
  );
  process.stdout.write(`${JSON.stringify(result)}\n`);
} finally {
  await relayer.stop();
  await Promise.all(validators.map((v) => v.stop()));
  await net.stop();
}
