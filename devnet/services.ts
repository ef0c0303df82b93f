import { spawnSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { Redis } from "ioredis";
import pg from "pg";
import type { Deployment } from "../lib/deployments.js";
import { devnetKeys } from "../lib/devnet/accounts.js";
import { devnetPorts, devnetServiceUrls } from "../lib/devnet/ports.js";
import { BridgeError } from "../lib/errors.js";
import type { Supervisor } from "./supervisor.js";

export type StartServicesParameters = {
  supervisor: Supervisor;
  deployment: Deployment;
  deploymentFile: string;
  step: (message: string) => void;
};

export { devnetPorts };

/** A service's build (dist/) is missing: the set-up command (`npm ci` / `npm run build`) makes it. */
export class ServiceNotBuiltError extends BridgeError {}

/**
 * Node arguments that run one of our processes from its build in dist/ (build.mjs), not through tsx:
 * nothing is transpiled when the devnet starts five validators, the relayer and the traffic.
 */
function built(entry: string): string[] {
  const file = join("dist", `${entry}.js`);
  if (!existsSync(file)) {
    throw new ServiceNotBuiltError(
      `${file} is missing: run \`npm run build\` (npm ci and npm install run it too).`,
    );
  }
  return ["--enable-source-maps", file];
}

async function redisReachable(url: string): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await client.connect();
    await client.ping();
    return true;
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/**
 * Starts the off-chain processes of the devnet under the supervisor (validators, relayer, demo
 * traffic) and says where to find them. DEVNET_SERVICES=none runs the chains only.
 */
export async function startServices(
  parameters: StartServicesParameters,
): Promise<{ urls: string[]; nextSteps: string[] }> {
  const { supervisor, deploymentFile, step } = parameters;
  const nextSteps = [
    "  npx bridge send --from devnet-a --to devnet-b --token USDC --amount 25 --wait",
    "  npx bridge status <message id>",
    "  npx bridge --help                        every command",
    `  cat ${deploymentFile}`,
    "",
    "  The CLI finds this devnet's validators and relayer by itself (DEVNET_PORT_OFFSET included);",
    "  elsewhere set VALIDATOR_URLS (comma-separated) and RELAYER_URL, e.g.:",
    `  VALIDATOR_URLS=${devnetServiceUrls().validators.join(",")}`,
    `  RELAYER_URL=${devnetServiceUrls().relayer}`,
  ];
  if (process.env.DEVNET_SERVICES === "none") return { urls: [], nextSteps };

  const ports = devnetPorts();
  // Every devnet run starts from fresh chains, so the off-chain state of the last run is meaningless.
  // DEVNET_DATA_DIR: a test running a second devnet from the same checkout keeps its own state.
  const dataDir = process.env.DEVNET_DATA_DIR ?? join(process.cwd(), ".devnet");
  rmSync(dataDir, { recursive: true, force: true });
  const common = { DEPLOYMENT_FILE: deploymentFile, LOG_LEVEL: process.env.LOG_LEVEL ?? "info" };

  step(`starting ${ports.validators.length} validators`);
  for (const [index, key] of devnetKeys.validators.entries()) {
    supervisor.spawn(`validator-${index + 1}`, process.execPath, built("validator/main"), {
      env: {
        ...common,
        VALIDATOR_PRIVATE_KEY: key,
        VALIDATOR_PORT: String(ports.validators[index]),
        VALIDATOR_DATA_DIR: join(dataDir, `validator-${index + 1}`),
      },
      quiet: true,
      logFile: join(dataDir, "logs", `validator-${index + 1}.log`),
    });
  }

  const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
  if (!(await redisReachable(redisUrl))) {
    throw new Error(
      `Redis is not reachable at ${redisUrl}; the relayer's queue needs it. Start it (redis-server) or set REDIS_URL.`,
    );
  }
  step("starting the relayer");
  supervisor.spawn("relayer", process.execPath, built("relayer/main"), {
    env: {
      ...common,
      RELAYER_PRIVATE_KEY: devnetKeys.relayer,
      REDIS_URL: redisUrl,
      // A fresh queue namespace per run: jobs left in Redis by an earlier devnet refer to dead chains.
      RELAYER_QUEUE_PREFIX: `devnet-${Date.now()}`,
      RELAYER_DATA_DIR: join(dataDir, "relayer"),
      RELAYER_PORT: String(ports.relayer),
      VALIDATOR_URLS: ports.validators.map((port) => `http://127.0.0.1:${port}`).join(","),
    },
    quiet: true,
    logFile: join(dataDir, "logs", "relayer.log"),
  });

  if (!existsSync(join(process.cwd(), "explorer", "dist", "index.html"))) {
    // `npm ci` builds it (prepare); a checkout that skipped that gets it here, before the indexer serves it.
    step("building the explorer (npm run build:explorer)");
    const build = spawnSync("npm", ["run", "--silent", "build:explorer"], { stdio: "inherit" });
    if (build.status !== 0) step("explorer build failed; the indexer serves everything else");
  }

  const databaseUrl = process.env.DEVNET_DATABASE_URL;
  const ponder = (command: "start" | "serve", port: number) => [
    "node_modules/ponder/dist/esm/bin/ponder.js",
    command,
    "--schema",
    "devnet",
    "--port",
    String(port),
    "--hostname",
    "127.0.0.1",
  ];
  // PGlite unless DEVNET_DATABASE_URL names a PostgreSQL database (a PostgreSQL DATABASE_URL in the
  // shell is for the tests, never taken here).
  const indexerEnv: NodeJS.ProcessEnv = {
    ...process.env,
    ...common,
    PONDER_TELEMETRY_DISABLED: "true",
    INDEXER_PGLITE_DIR: join(dataDir, "indexer"),
  };
  delete indexerEnv.DATABASE_URL;
  delete indexerEnv.DATABASE_PRIVATE_URL;
  if (databaseUrl) {
    step("starting the indexer (Ponder on PostgreSQL) and its API replica (ponder serve)");
    await resetDevnetDatabase(databaseUrl);
    indexerEnv.DATABASE_URL = databaseUrl;
  } else {
    step("starting the indexer (Ponder on embedded PGlite)");
  }
  supervisor.spawn("indexer", process.execPath, ponder("start", ports.indexer), {
    env: indexerEnv,
    quiet: true,
    logFile: join(dataDir, "logs", "indexer.log"),
    replaceEnv: true,
  });
  if (databaseUrl) {
    // The API on its own process, as operators scale it out: requests never wait for the indexer's
    // event loop. It needs the indexer's tables, so it starts once the indexer has created them.
    await waitForIndexer(`http://127.0.0.1:${ports.indexer}/ready`, step);
    supervisor.spawn("api", process.execPath, ponder("serve", ports.api), {
      env: indexerEnv,
      quiet: true,
      logFile: join(dataDir, "logs", "api.log"),
      replaceEnv: true,
    });
  }

  step("starting demo traffic");
  supervisor.spawn("traffic", process.execPath, built("devnet/traffic"), {
    env: common,
    quiet: process.env.DEVNET_VERBOSE !== "1",
    logFile: join(dataDir, "logs", "traffic.log"),
  });

  await waitForIndexer(`http://127.0.0.1:${ports.indexer}/ready`, step);
  if (databaseUrl) await waitForIndexer(`http://127.0.0.1:${ports.api}/health`, step, "API replica");

  return {
    urls: [
      "",
      "Services:",
      ...ports.validators.map(
        (port, index) =>
          `  validator-${index + 1}   http://127.0.0.1:${port}/health   /metrics   /v1/attestations/{messageId}`,
      ),
      `  relayer       http://127.0.0.1:${ports.relayer}/health   /metrics   /v1/messages/{messageId}`,
      `  indexer       http://127.0.0.1:${ports.indexer}/graphql   /sql/*   /metrics   /metrics/bridge   /ready`,
      `  risk API      http://127.0.0.1:${ports.indexer}/risk/graphql   /risk/metrics`,
      `  explorer      http://127.0.0.1:${ports.indexer}/explorer/   (GraphiQL: /explorer/graphiql.html?api=indexer|risk)`,
      ...(databaseUrl
        ? [
            `  API replica   http://127.0.0.1:${ports.api}/graphql   /risk/graphql   /explorer/   (ponder serve: the same API on its own process)`,
          ]
        : []),
      `  logs          ${join(dataDir, "logs")}/<service>.log`,
    ],
    nextSteps,
  };
}

/**
 * Empties the PostgreSQL database the devnet's indexer uses: every devnet run starts from fresh chains,
 * so the last run's tables and Ponder's RPC cache (`ponder_sync`, keyed by chain id, which the new
 * chains share) would be wrong for it.
 */
async function resetDevnetDatabase(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  try {
    await client.connect();
    await client.query("DROP SCHEMA IF EXISTS devnet, ponder_sync CASCADE");
  } catch (cause) {
    throw new Error(
      `DEVNET_DATABASE_URL: cannot reset ${redactedUrl(databaseUrl)} (${cause instanceof Error ? cause.message : String(cause)}); it must name a PostgreSQL database the devnet may wipe.`,
    );
  } finally {
    await client.end().catch(() => {});
  }
}

/** A database URL without its password, for messages. */
function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparseable URL)";
  }
}

/** Waits (with progress) until Ponder reports its historical sync done, so the printed URLs answer. */
async function waitForIndexer(
  readyUrl: string,
  step: (message: string) => void,
  what = "indexer",
): Promise<void> {
  const deadline = Date.now() + 180_000;
  let lastReport = Date.now();
  while (Date.now() < deadline) {
    try {
      if ((await fetch(readyUrl)).ok) {
        step(what === "indexer" ? "indexer is in sync" : `${what} is up`);
        return;
      }
    } catch {
      // not listening yet
    }
    if (Date.now() - lastReport > 10_000) {
      step(`${what} still starting (first start compiles the schema)…`);
      lastReport = Date.now();
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  step(`${what} not ready after 3 minutes; see .devnet/logs/${what === "indexer" ? "indexer" : "api"}.log`);
}
