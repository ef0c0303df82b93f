import { devnetKeys } from "./accounts.js";

/**
 * Ports of the devnet's services. DEVNET_PORT_OFFSET shifts all of them (tests run a second devnet),
 * and every URL the CLI derives for the devnet goes through here, so the offset reaches it too.
 *
 * @example
 * devnetPorts({ DEVNET_PORT_OFFSET: "100" }).relayer; // 7300
 */
export function devnetPorts(env: NodeJS.ProcessEnv = process.env) {
  const offset = Number(env.DEVNET_PORT_OFFSET ?? 0);
  return {
    validators: devnetKeys.validators.map((_, index) => 7101 + index + offset),
    relayer: 7200 + offset,
    indexer: 42069 + offset,
    /** The API replica (`ponder serve`) when the indexer runs on PostgreSQL (DEVNET_DATABASE_URL). */
    api: 42070 + offset,
  };
}

/** The devnet's service URLs on this machine, with DEVNET_PORT_OFFSET applied. */
export function devnetServiceUrls(env: NodeJS.ProcessEnv = process.env) {
  const ports = devnetPorts(env);
  return {
    validators: ports.validators.map((port) => `http://127.0.0.1:${port}`),
    relayer: `http://127.0.0.1:${ports.relayer}`,
    indexer: `http://127.0.0.1:${ports.indexer}`,
  };
}
