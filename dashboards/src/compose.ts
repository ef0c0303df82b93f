/**
 * docker-compose.yml as data: the whole system with monitoring, rendered by dashboards/build.ts. Every
 * service that others reach binds 0.0.0.0 inside its container (test/ops/compose-network.test.ts).
 */
import { DEFAULT_WEBHOOK_URL, type ScrapeTargets, SERVICE_PORTS } from "./stack.js";
import type { YamlValue } from "./yaml.js";

/** `${NAME}` as written in compose files (interpolated by compose, not by us). */
const ref = (expression: string) => `\${${expression}}`;

/** The devnet's three chains as compose services (anvil from the Foundry image). */
const CHAINS = [
  { service: "anvil-a", network: "DEVNET_A", chainId: 31337, hostPort: 8545 },
  { service: "anvil-b", network: "DEVNET_B", chainId: 31338, hostPort: 8546 },
  { service: "anvil-c", network: "DEVNET_C", chainId: 31339, hostPort: 8547 },
] as const;

/**
 * A service's command: node on its build in the image (the Dockerfile runs `npm run build`), not tsx,
 * and not through npm, so the container's stop signal reaches the process and its graceful shutdown.
 */
const built = (entry: string) => ["node", "--enable-source-maps", `dist/${entry}.js`];

export const VALIDATOR_COUNT = 5;
/** Relayers sharing one BullMQ queue (Redis) and one database: each takes jobs, none holds any twice. */
export const RELAYER_COUNT = 2;

/**
 * Keys reach the containers as compose secrets (files under /run/secrets), never as environment
 * variables, which `docker inspect` and the processes' environments would show: each service reads
 * `<NAME>_FILE` (lib/env.ts readFileSecrets). `npm run compose:secrets` writes these files.
 */
export const composeSecretFiles = (): Record<string, string> => {
  const files: Record<string, string> = {};
  for (let i = 1; i <= VALIDATOR_COUNT; i++) files[`validator_${i}_key`] = `./secrets/validator-${i}.key`;
  for (let i = 1; i <= RELAYER_COUNT; i++) files[`relayer_${i}_key`] = `./secrets/relayer-${i}.key`;
  return files;
};

/** Compose file: `docker compose up` runs the whole system with monitoring. */
export function composeFile(): YamlValue {
  const rpcEnv = Object.fromEntries(
    CHAINS.map((c) => [`${c.network}_RPC_URL`, `http://${c.service}:${SERVICE_PORTS.anvil}`]),
  );
  const deploymentFile = "/deployments/devnet.json";
  const app = (command: string[], extra: Record<string, YamlValue>) => ({
    build: { context: ".", dockerfile: "Dockerfile" },
    image: "crosschain-risk-bridge:local",
    command,
    volumes: ["deployments:/deployments"],
    ...extra,
  });
  const afterDeploy = { deployer: { condition: "service_completed_successfully" } };
  const databaseUrl = `postgres://bridge:${ref("POSTGRES_PASSWORD:-bridge")}@postgres:5432/bridge`;
  const services: Record<string, YamlValue> = {
    postgres: {
      image: "postgres:16-bookworm",
      environment: {
        POSTGRES_USER: "bridge",
        POSTGRES_PASSWORD: ref("POSTGRES_PASSWORD:-bridge"),
        POSTGRES_DB: "bridge",
      },
      ports: [`${SERVICE_PORTS.postgres}:5432`],
      volumes: ["postgres:/var/lib/postgresql/data"],
      healthcheck: {
        test: ["CMD", "pg_isready", "-U", "bridge"],
        interval: "2s",
        timeout: "5s",
        retries: 30,
      },
    },
    redis: {
      image: "redis:7-bookworm",
      ports: [`${SERVICE_PORTS.redis}:6379`],
      healthcheck: { test: ["CMD", "redis-cli", "ping"], interval: "2s", timeout: "5s", retries: 30 },
    },
  };
  for (const c of CHAINS) {
    services[c.service] = {
      image: "ghcr.io/foundry-rs/foundry:v1.3.5",
      entrypoint: ["anvil"],
      command: [
        "--host",
        "0.0.0.0",
        "--port",
        String(SERVICE_PORTS.anvil),
        "--chain-id",
        String(c.chainId),
        "--accounts",
        "20",
        "--block-time",
        "1",
      ],
      ports: [`${c.hostPort}:${SERVICE_PORTS.anvil}`],
    };
  }
  services.deployer = app(
    [
      "npx",
      "bridge",
      "deploy",
      "--network",
      "devnet-a,devnet-b,devnet-c",
      "--name",
      "devnet",
      "--out",
      deploymentFile,
    ],
    {
      environment: { ...rpcEnv },
      depends_on: Object.fromEntries(CHAINS.map((c) => [c.service, { condition: "service_started" }])),
      restart: "on-failure",
    },
  );
  const validatorUrls: string[] = [];
  for (let i = 1; i <= VALIDATOR_COUNT; i++) {
    validatorUrls.push(`http://validator-${i}:${SERVICE_PORTS.validator}`);
    services[`validator-${i}`] = app(built("validator/main"), {
      environment: {
        ...rpcEnv,
        // Each validator holds one key, from its own secret file.
        VALIDATOR_PRIVATE_KEY_FILE: "/run/secrets/validator_key",
        // Every interface of the container, so the relayer and Prometheus reach it by service name.
        VALIDATOR_HOST: "0.0.0.0",
        VALIDATOR_PORT: String(SERVICE_PORTS.validator),
        VALIDATOR_DATA_DIR: "/data",
        DEPLOYMENT_FILE: deploymentFile,
      },
      volumes: ["deployments:/deployments", `validator-${i}:/data`],
      secrets: [{ source: `validator_${i}_key`, target: "validator_key" }],
      depends_on: afterDeploy,
      restart: "unless-stopped",
    });
  }
  for (let i = 1; i <= RELAYER_COUNT; i++) {
    services[`relayer-${i}`] = app(built("relayer/main"), {
      environment: {
        ...rpcEnv,
        // Each relayer pays gas from its own key (two relayers on one key would race for nonces).
        RELAYER_PRIVATE_KEY_FILE: "/run/secrets/relayer_key",
        REDIS_URL: "redis://redis:6379",
        DATABASE_URL: databaseUrl,
        VALIDATOR_URLS: validatorUrls.join(","),
        DEPLOYMENT_FILE: deploymentFile,
        RELAYER_HOST: "0.0.0.0",
        RELAYER_PORT: String(SERVICE_PORTS.relayer),
      },
      secrets: [{ source: `relayer_${i}_key`, target: "relayer_key" }],
      ports: [`${SERVICE_PORTS.relayer + i - 1}:${SERVICE_PORTS.relayer}`],
      depends_on: {
        ...afterDeploy,
        postgres: { condition: "service_healthy" },
        redis: { condition: "service_healthy" },
      },
      restart: "unless-stopped",
    });
  }
  // The indexer (`ponder start`, the only writer of its schema) and the same API on its own process
  // (`ponder serve`): requests never wait for the indexer's event loop, and it scales out (`docker
  // compose up --scale api=3` behind a balancer, without the fixed host port). The API reads the
  // indexer's schema, so it restarts until the indexer has created it.
  const ponder = (command: "start" | "serve") => [
    "npx",
    "ponder",
    command,
    "--schema",
    "indexer",
    "--hostname",
    "0.0.0.0",
    "--port",
    String(SERVICE_PORTS.indexer),
  ];
  const ponderEnvironment = {
    ...rpcEnv,
    DATABASE_URL: databaseUrl,
    DEPLOYMENT_FILE: deploymentFile,
    PONDER_TELEMETRY_DISABLED: "true",
  };
  services.indexer = app(ponder("start"), {
    environment: { ...ponderEnvironment },
    ports: [`${SERVICE_PORTS.indexer}:${SERVICE_PORTS.indexer}`],
    depends_on: { ...afterDeploy, postgres: { condition: "service_healthy" } },
    restart: "unless-stopped",
  });
  services.api = app(ponder("serve"), {
    environment: { ...ponderEnvironment },
    ports: [`${SERVICE_PORTS.api}:${SERVICE_PORTS.indexer}`],
    depends_on: { ...afterDeploy, indexer: { condition: "service_started" } },
    restart: "unless-stopped",
  });
  services.risk = app(built("risk/main"), {
    environment: {
      ...rpcEnv,
      DATABASE_URL: databaseUrl,
      // The indexer's --schema below: the risk API reads its tables.
      DATABASE_SCHEMA: "indexer",
      DEPLOYMENT_FILE: deploymentFile,
      RISK_HOST: "0.0.0.0",
      RISK_PORT: String(SERVICE_PORTS.risk),
    },
    ports: [`${SERVICE_PORTS.risk}:${SERVICE_PORTS.risk}`],
    depends_on: { ...afterDeploy, indexer: { condition: "service_started" } },
    restart: "unless-stopped",
  });
  services.prometheus = {
    image: "prom/prometheus:v2.42.0",
    command: [
      "--config.file=/etc/prometheus/prometheus.yml",
      "--storage.tsdb.path=/prometheus",
      "--web.enable-lifecycle",
    ],
    volumes: [
      "./dashboards/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro",
      "./dashboards/prometheus/rules:/etc/prometheus/rules:ro",
      "prometheus:/prometheus",
    ],
    ports: [`${SERVICE_PORTS.prometheus}:9090`],
    depends_on: { alertmanager: { condition: "service_started" } },
  };
  services.alertmanager = {
    image: "prom/alertmanager:v0.25.0",
    // Alertmanager 0.25 reads no environment variables in its config: put the webhook URL in at start.
    entrypoint: ["/bin/sh", "-c"],
    command: [
      `sed "s|${DEFAULT_WEBHOOK_URL}|$${ref("ALERT_WEBHOOK_URL")}|" /etc/alertmanager/alertmanager.yml > /tmp/alertmanager.yml && exec /bin/alertmanager --config.file=/tmp/alertmanager.yml --storage.path=/alertmanager`,
    ],
    environment: { ALERT_WEBHOOK_URL: ref(`ALERT_WEBHOOK_URL:-${DEFAULT_WEBHOOK_URL}`) },
    volumes: [
      "./dashboards/alertmanager/alertmanager.yml:/etc/alertmanager/alertmanager.yml:ro",
      "alertmanager:/alertmanager",
    ],
    ports: [`${SERVICE_PORTS.alertmanager}:9093`],
  };
  services.grafana = {
    image: "grafana/grafana:10.4.2",
    environment: {
      GF_SECURITY_ADMIN_PASSWORD: ref("GRAFANA_ADMIN_PASSWORD:-admin"),
      GF_AUTH_ANONYMOUS_ENABLED: "true",
      GF_AUTH_ANONYMOUS_ORG_ROLE: "Viewer",
      ALERT_WEBHOOK_URL: ref(`ALERT_WEBHOOK_URL:-${DEFAULT_WEBHOOK_URL}`),
    },
    volumes: [
      "./dashboards/provisioning:/etc/grafana/provisioning:ro",
      "./dashboards/grafana:/var/lib/grafana/dashboards:ro",
      "grafana:/var/lib/grafana",
    ],
    ports: [`${SERVICE_PORTS.grafana}:3000`],
    depends_on: { prometheus: { condition: "service_started" } },
  };
  const volumes: Record<string, YamlValue> = {
    deployments: {},
    postgres: {},
    prometheus: {},
    alertmanager: {},
    grafana: {},
  };
  for (let i = 1; i <= VALIDATOR_COUNT; i++) volumes[`validator-${i}`] = {};
  const secrets = Object.fromEntries(
    Object.entries(composeSecretFiles()).map(([name, file]) => [name, { file }]),
  );
  return { name: "crosschain-risk-bridge", services, volumes, secrets };
}

/** Targets of the compose stack, by service DNS name. */
export function composeTargets(): ScrapeTargets {
  return {
    validators: Array.from(
      { length: VALIDATOR_COUNT },
      (_, i) => `validator-${i + 1}:${SERVICE_PORTS.validator}`,
    ),
    relayer: Array.from({ length: RELAYER_COUNT }, (_, i) => `relayer-${i + 1}:${SERVICE_PORTS.relayer}`),
    indexer: [`indexer:${SERVICE_PORTS.indexer}`],
    risk: [`risk:${SERVICE_PORTS.risk}`],
  };
}
