import { join } from "node:path";
import { Redis } from "ioredis";
import pg from "pg";
import { type Hex, parseEther } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { freePort } from "../../devnet/anvil.js";
import { devnetKeys } from "../../lib/devnet/accounts.js";
import { withDefaultUser } from "../../lib/postgres.js";
import { type BridgeNet, startBridgeNet } from "../bridgeNet.js";
import { DATABASE_URL, uniqueName } from "../bridgeServices.js";
import { kill9, type Service, startNode, stop, waitHealthy } from "../nodeProcess.js";
import { type PonderProcess, startPonder } from "../ponderProcess.js";
import { type RedisServer, startRedisServer } from "../redisServer.js";
import { type LossyRpc, startLossyRpc } from "./lossyRpc.js";

/**
 * The chaos soak's scene, run as an operator runs it: two anvil chains (1 s blocks) with the bridge,
 * 5 validators and 2 relayers (each with its own key) as separate `node dist/...` processes, the relayers
 * sharing one BullMQ queue on a Redis server of our own and one schema on PostgreSQL, the indexer
 * (`ponder start`) on PostgreSQL, and every service reaching the chains through a lossy RPC proxy. Every
 * process can be SIGKILLed and started again with the same configuration.
 */

export type ManagedProcess = {
  name: string;
  url: string;
  /** The running child (replaced by each restart). */
  current(): Service;
  kill9(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
};

export type ChaosRig = {
  net: BridgeNet;
  proxies: LossyRpc[];
  redis: RedisServer;
  validators: ManagedProcess[];
  relayers: ManagedProcess[];
  /** Relayer addresses, in the order of `relayers`. */
  relayerAddresses: `0x${string}`[];
  /** Every private key the processes were given (the secret-leak check greps the logs for them). */
  privateKeys: `0x${string}`[];
  relayerSchema: string;
  indexerSchema: string;
  /** Environment a `ponder start` of this scene needs (deployment file, lossy RPC URLs). */
  indexerEnv: Record<string, string>;
  logDir: string;
  /** Starts (or starts again, same schema) the indexer; its output goes to logDir/indexer.log. */
  startIndexer(): Promise<PonderProcess>;
  indexer(): PonderProcess | undefined;
  /** Relayer records not delivered, with their status. */
  relayerPending(): Promise<{ id: string; status: string }[]>;
  /**
   * Undelivered message ids the relayer at `index` holds now: those of the root groups it leases in
   * Redis (each lease's value starts with the relayer's address).
   */
  heldBy(index: number): Promise<Hex[]>;
  /** Exits nobody asked for, per process name (each was restarted by the supervisor). */
  crashes(): Record<string, number>;
  stop(): Promise<void>;
};

export type ChaosRigOptions = {
  /** Share of RPC requests the proxies spoil (drops, 503s, delays, truncated answers). */
  rpcFaultShare: number;
  logDir: string;
  logLevel?: string;
  log: (line: string) => void;
  /** Runs once the chains are up, while the services start (funding the load's wallets). */
  whileStarting?: (net: BridgeNet) => Promise<unknown>;
};

export async function startChaosRig(options: ChaosRigOptions): Promise<ChaosRig> {
  const net = await startBridgeNet({ remotes: 1, blockTimeSeconds: 1, finalityBlocks: 2 });
  const cleanups: (() => Promise<unknown>)[] = [() => net.stop()];
  const stopAll = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  };
  try {
    const sideTask = options.whileStarting?.(net);
    // Awaited below; a failure before that must not surface as an unhandled rejection.
    sideTask?.catch(() => undefined);
    const proxies = await Promise.all(
      net.chains.map((c) => startLossyRpc(c.anvil.rpcUrl, { share: options.rpcFaultShare })),
    );
    cleanups.push(() => Promise.all(proxies.map((p) => p.close())));
    // The services' RPC variables name the proxies; the harness itself reads the chains directly.
    const lossyEnv = Object.fromEntries(
      Object.entries(net.rpcEnv).map(([name, url]) => [
        name,
        proxies[net.chains.findIndex((c) => c.anvil.rpcUrl === url)]!.url,
      ]),
    );
    // A database of its own: Ponder caches RPC answers per chain id in `ponder_sync`, and every run's
    // fresh anvil reuses chain ids and contract addresses, so a shared database would feed this run
    // the logs of an earlier one (seen: phantom locks in the indexer's totals).
    const database = uniqueName("chaos_db");
    const admin = new URL(withDefaultUser(DATABASE_URL));
    admin.pathname = "/postgres";
    await adminQuery(admin.toString(), `CREATE DATABASE "${database}"`);
    cleanups.push(() => adminQuery(admin.toString(), `DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`));
    const url = new URL(withDefaultUser(DATABASE_URL));
    url.pathname = `/${database}`;
    const databaseUrl = url.toString();
    const redis = await startRedisServer(await freePort());
    cleanups.push(() => redis.stop());
    const common = {
      ...lossyEnv,
      DEPLOYMENT_FILE: net.deploymentFile,
      LOG_LEVEL: options.logLevel ?? "info",
    };

    const crashes: Record<string, number> = {};
    let stopping = false;
    /**
     * A process under a supervisor, as `restart: unless-stopped` in compose or systemd would run it: an
     * exit we did not ask for (kill9/stop) is counted as a crash and the process is started again a
     * second later, so one crash does not end the soak, and the crash still shows in its result.
     */
    const managed = (name: string, entry: string, env: Record<string, string>, port: number) => {
      let service: Service | undefined;
      let intended = false;
      const url = `http://127.0.0.1:${port}`;
      const process: ManagedProcess = {
        name,
        url,
        current: () => service!,
        kill9: () => {
          intended = true;
          return service ? kill9(service) : Promise.resolve();
        },
        async start() {
          intended = false;
          const child = startNode(
            name,
            ["--enable-source-maps", entry],
            { ...common, ...env },
            join(options.logDir, `${name}.log`),
          );
          service = child;
          child.child.once("exit", (code, signal) => {
            if (intended || stopping || service !== child) return;
            crashes[name] = (crashes[name] ?? 0) + 1;
            options.log(
              `CRASH ${name} exited by itself (code ${code}, signal ${signal}); restarting it in 1 s`,
            );
            setTimeout(() => {
              if (!intended && !stopping && service === child)
                process.start().catch((error) => options.log(`${name} did not come back: ${error}`));
            }, 1_000);
          });
          await waitHealthy(child, url, 90_000);
        },
        stop: () => {
          intended = true;
          return service ? stop(service) : Promise.resolve();
        },
      };
      return process;
    };

    const validators: ManagedProcess[] = [];
    for (const [i, key] of devnetKeys.validators.entries()) {
      const port = await freePort();
      validators.push(
        managed(
          `validator-${i}`,
          "dist/validator/main.js",
          {
            VALIDATOR_PRIVATE_KEY: key,
            VALIDATOR_PORT: String(port),
            VALIDATOR_DATA_DIR: join(net.dir, `validator-${i}`),
          },
          port,
        ),
      );
    }
    // Stopped together (in parallel) at the end: each waits for its own graceful shutdown.
    cleanups.push(() => Promise.all(validators.map((v) => v.stop())));
    options.log("starting 5 validators and 2 relayers ...");
    // The relayers need no validator up to start (they ask them per message): start them meanwhile.
    const validatorsUp = Promise.all(validators.map((v) => v.start()));
    validatorsUp.catch(() => undefined);

    const relayerKeys = [devnetKeys.relayer, devnetKeys.relayer2];
    const relayerAddresses = relayerKeys.map((key) => privateKeyToAccount(key).address);
    for (const chain of net.chains)
      for (const address of relayerAddresses)
        await chain.testClient.setBalance({ address, value: parseEther("10000") });
    const relayerSchema = uniqueName("chaos");
    const queuePrefix = uniqueName("chaos");
    // Registered before the relayers, so cleanup (in reverse) stops them before dropping their schema.
    const pool = new pg.Pool({ connectionString: withDefaultUser(databaseUrl), max: 2 });
    // A restart of PostgreSQL breaks idle connections; the pool must not crash the harness for it.
    pool.on("error", () => undefined);
    cleanups.push(async () => {
      await pool.query(`DROP SCHEMA IF EXISTS "${relayerSchema}" CASCADE`).catch(() => undefined);
      await pool.end();
    });

    const relayers: ManagedProcess[] = [];
    for (const [i, key] of relayerKeys.entries()) {
      const port = await freePort();
      relayers.push(
        managed(
          `relayer-${i}`,
          "dist/relayer/main.js",
          {
            RELAYER_PRIVATE_KEY: key,
            REDIS_URL: redis.url,
            DATABASE_URL: databaseUrl,
            RELAYER_DB_SCHEMA: relayerSchema,
            RELAYER_QUEUE_PREFIX: queuePrefix,
            VALIDATOR_URLS: validators.map((v) => v.url).join(","),
            RELAYER_PORT: String(port),
            RELAYER_DATA_DIR: join(net.dir, `relayer-${i}-unused-pglite`),
          },
          port,
        ),
      );
    }
    cleanups.push(() => Promise.all(relayers.map((r) => r.stop())));
    // One after the other: both apply the schema's migrations at start.
    for (const relayer of relayers) await relayer.start();
    await validatorsUp;
    await sideTask;

    const leaseReader = new Redis(redis.url, { maxRetriesPerRequest: null });
    // Survives the Redis restart fault: ioredis reconnects; errors meanwhile are expected.
    leaseReader.on("error", () => undefined);
    cleanups.push(async () => {
      leaseReader.disconnect();
    });

    const indexerSchema = uniqueName("chaos_indexer");
    const indexerEnv = { ...lossyEnv, DEPLOYMENT_FILE: net.deploymentFile };
    let indexer: PonderProcess | undefined;
    const saveIndexerLog = async () => {
      if (!indexer) return;
      const { appendFileSync } = await import("node:fs");
      appendFileSync(join(options.logDir, "indexer.log"), indexer.output());
    };
    cleanups.push(async () => {
      await indexer?.kill();
      await saveIndexerLog();
      await pool.query(`DROP SCHEMA IF EXISTS "${indexerSchema}" CASCADE`).catch(() => undefined);
    });

    return {
      net,
      proxies,
      redis,
      validators,
      relayers,
      relayerAddresses,
      privateKeys: [...devnetKeys.validators, ...relayerKeys, devnetKeys.deployer],
      relayerSchema,
      indexerSchema,
      indexerEnv,
      logDir: options.logDir,
      async startIndexer() {
        if (indexer && indexer.child.exitCode === null && indexer.child.signalCode === null)
          throw new Error("the indexer is already running");
        await saveIndexerLog();
        indexer = await startPonder({
          net: { env: indexerEnv },
          schema: indexerSchema,
          databaseUrl,
        });
        return indexer;
      },
      indexer: () => indexer,
      async relayerPending() {
        const { rows } = await pool.query<{ id: string; status: string }>(
          `SELECT id, status FROM "${relayerSchema}".messages WHERE status <> 'delivered'`,
        );
        return rows;
      },
      async heldBy(index) {
        // The root pipeline holds messages in memory, per group (route and source block), under a Redis
        // lease whose value starts with the relayer's address (relayer/delivery/pipeline.ts): the
        // undelivered messages of the groups it leases are the ones its death leaves mid-delivery.
        const address = relayerAddresses[index]!.toLowerCase();
        const keys = await leaseReader.keys(`${queuePrefix}:root-lease:*`);
        const groups: { destination: number; origin: number; block: number }[] = [];
        for (const key of keys) {
          const holder = await leaseReader.get(key);
          if (!holder?.startsWith(`${address}/`)) continue;
          const [destination, origin, , block] = key.slice(`${queuePrefix}:root-lease:`.length).split(":");
          groups.push({ destination: Number(destination), origin: Number(origin), block: Number(block) });
        }
        const held: Hex[] = [];
        for (const g of groups) {
          const { rows } = await pool.query<{ id: string }>(
            `SELECT id FROM "${relayerSchema}".messages WHERE destination_chain_id = $1 AND origin_chain_id = $2 AND source_block = $3 AND status NOT IN ('delivered', 'failed')`,
            [g.destination, g.origin, g.block],
          );
          held.push(...rows.map((r) => r.id as Hex));
        }
        return held;
      },
      crashes: () => ({ ...crashes }),
      stop: async () => {
        stopping = true;
        await stopAll();
      },
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
