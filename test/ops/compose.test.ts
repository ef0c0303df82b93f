import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { privateKeyToAddress } from "viem/accounts";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { writeComposeSecrets } from "../../dashboards/composeSecrets.js";
import { composeFile, composeTargets, RELAYER_COUNT, VALIDATOR_COUNT } from "../../dashboards/src/compose.js";
import { JOBS } from "../../dashboards/src/constants.js";
import { DEVNET_TARGETS } from "../../dashboards/src/render.js";
import { SERVICE_PORTS } from "../../dashboards/src/stack.js";
import { devnetPorts } from "../../devnet/services.js";
import { devnetNetworks, networks, rpcUrlVariable } from "../../lib/networks.js";
import { loadRelayerEnv, relayerEnvSchema } from "../../relayer/config.js";
import { loadValidatorEnv, validatorEnvSchema } from "../../validator/config.js";
import { ROOT } from "./expressions.js";

/*
 * The compose specification's JSON schema cannot be fetched offline; this is a zod model of the parts
 * of it we use (services with image/build, command, environment, ports, volumes, depends_on with
 * conditions, healthcheck; top-level named volumes). config.test.ts proves docker-compose.yml is the
 * render of composeFile(), so checking the object checks the file.
 */
const stringList = z.array(z.string());
const serviceSchema = z
  .object({
    image: z
      .string()
      .regex(/^[a-z0-9./_-]+(:[\w.-]+)?$/, "image[:tag]")
      .optional(),
    build: z.object({ context: z.string(), dockerfile: z.string() }).strict().optional(),
    command: stringList.optional(),
    entrypoint: stringList.optional(),
    environment: z.record(z.string()).optional(),
    ports: z.array(z.string().regex(/^\d{1,5}:\d{1,5}$/)).optional(),
    volumes: z.array(z.string().regex(/^[^:]+:[^:]+(:ro)?$/)).optional(),
    depends_on: z
      .record(
        z
          .object({
            condition: z.enum(["service_started", "service_healthy", "service_completed_successfully"]),
          })
          .strict(),
      )
      .optional(),
    healthcheck: z
      .object({ test: stringList, interval: z.string(), timeout: z.string(), retries: z.number().int() })
      .strict()
      .optional(),
    restart: z.enum(["no", "always", "on-failure", "unless-stopped"]).optional(),
    secrets: z.array(z.object({ source: z.string(), target: z.string() }).strict()).optional(),
  })
  .strict()
  .refine((s) => s.image !== undefined || s.build !== undefined, "a service needs image or build");
const composeSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/),
    services: z.record(z.string().regex(/^[a-zA-Z0-9._-]+$/), serviceSchema),
    volumes: z.record(z.object({}).strict()),
    secrets: z.record(z.object({ file: z.string().regex(/^\.\/secrets\/[a-z0-9-]+\.key$/) }).strict()),
  })
  .strict();

type Compose = z.infer<typeof composeSchema>;
const compose = (): Compose => composeSchema.parse(composeFile());

/** Compose's `${VAR:-default}` / `${VAR:?message}` with the default, or a value of the right shape. */
function interpolate(value: string): string {
  return value.replace(
    /\$\{([A-Z0-9_]+)(?::([-?])([^}]*))?\}/g,
    (_, name: string, kind?: string, rest?: string) => {
      if (kind === "-") return rest ?? "";
      if (name.endsWith("PRIVATE_KEY")) return `0x${"11".repeat(32)}`;
      return `x-${name}`;
    },
  );
}

function env(service: Compose["services"][string]): Record<string, string> {
  return Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, interpolate(v)]));
}

describe("docker-compose.yml", () => {
  it("is a valid compose model with the whole stack", () => {
    const { services } = compose();
    const expected = [
      "postgres",
      "redis",
      "anvil-a",
      "anvil-b",
      "anvil-c",
      "deployer",
      ...Array.from({ length: VALIDATOR_COUNT }, (_, i) => `validator-${i + 1}`),
      ...Array.from({ length: RELAYER_COUNT }, (_, i) => `relayer-${i + 1}`),
      "indexer",
      "api",
      "risk",
      "prometheus",
      "alertmanager",
      "grafana",
    ];
    expect(Object.keys(services).sort()).toEqual(expected.sort());
  });

  it("references only files that exist, named volumes that are declared and services that exist", () => {
    const { services, volumes } = compose();
    for (const [name, service] of Object.entries(services)) {
      if (service.build) {
        expect(statSync(join(ROOT, service.build.context)).isDirectory(), name).toBe(true);
        expect(existsSync(join(ROOT, service.build.context, service.build.dockerfile)), name).toBe(true);
      }
      for (const volume of service.volumes ?? []) {
        const source = volume.split(":")[0]!;
        if (source.startsWith("./")) expect(existsSync(join(ROOT, source)), `${name}: ${source}`).toBe(true);
        else expect(Object.keys(volumes), `${name}: volume ${source}`).toContain(source);
      }
      for (const dependency of Object.keys(service.depends_on ?? {}))
        expect(Object.keys(services), `${name} depends on ${dependency}`).toContain(dependency);
    }
    // Prometheus loads the committed rules from the mounted directory.
    expect(readdirSync(join(ROOT, "dashboards/prometheus/rules")).some((f) => f.endsWith(".yml"))).toBe(true);
  });

  it("runs three anvil chains with the devnet's chain ids, reached by every service through <NETWORK>_RPC_URL", () => {
    const { services } = compose();
    const chainIds = ["anvil-a", "anvil-b", "anvil-c"].map((s) => {
      const command = services[s]!.command!;
      return Number(command[command.indexOf("--chain-id") + 1]);
    });
    expect(chainIds).toEqual(devnetNetworks.map((n) => n.chainId));
    for (const name of ["deployer", "validator-1", "relayer-1", "indexer", "api"]) {
      for (const [index, network] of devnetNetworks.entries()) {
        const url = new URL(services[name]!.environment![rpcUrlVariable(network)]!);
        expect(url.hostname).toBe(`anvil-${"abc"[index]}`);
        expect(url.port).toBe(String(SERVICE_PORTS.anvil));
      }
    }
  });

  /** A service's environment as its container sees it, with its secrets at `dir` instead of /run/secrets. */
  function containerEnv(service: Compose["services"][string], dir: string): Record<string, string> {
    const out = env(service);
    for (const [name, value] of Object.entries(out))
      if (value.startsWith("/run/secrets/")) out[name] = join(dir, value.slice("/run/secrets/".length));
    return out;
  }

  it("gives every validator and relayer its own key from a secret file, never from an environment variable", () => {
    const { services, secrets } = compose();
    const dir = mkdtempSync(join(tmpdir(), "compose-secrets-"));
    try {
      const written = writeComposeSecrets(dir);
      // The script writes exactly the files compose mounts, with owner-only permissions.
      expect(written.map((w) => w.file).sort()).toEqual(
        Object.values(secrets)
          .map((s) => s.file)
          .sort(),
      );
      for (const w of written) expect(statSync(join(dir, w.file)).mode & 0o777, w.file).toBe(0o600);
      const keyOf = (service: Compose["services"][string]) => {
        // Mount each service's secrets where its environment says, as compose does.
        const mountDir = mkdtempSync(join(tmpdir(), "run-secrets-"));
        for (const mount of service.secrets ?? []) {
          const file = secrets[mount.source]?.file;
          expect(file, `secret ${mount.source} is declared`).toBeDefined();
          writeFileSync(join(mountDir, mount.target), readFileSync(join(dir, file!)));
        }
        return containerEnv(service, mountDir);
      };
      const accounts = new Set<string>();
      for (let i = 1; i <= VALIDATOR_COUNT; i++) {
        const parsed = loadValidatorEnv(keyOf(services[`validator-${i}`]!));
        accounts.add(privateKeyToAddress(parsed.VALIDATOR_PRIVATE_KEY));
      }
      for (let i = 1; i <= RELAYER_COUNT; i++) {
        const parsed = loadRelayerEnv(keyOf(services[`relayer-${i}`]!));
        accounts.add(privateKeyToAddress(parsed.RELAYER_PRIVATE_KEY));
      }
      expect(accounts.size, "one key per process").toBe(VALIDATOR_COUNT + RELAYER_COUNT);
      for (const [name, service] of Object.entries(services))
        for (const variable of Object.keys(service.environment ?? {}))
          expect(variable, `${name} takes a key from its environment`).not.toMatch(/PRIVATE_KEY$/);
      // The files stay out of git.
      expect(readFileSync(join(ROOT, ".gitignore"), "utf8").split("\n")).toContain("secrets/");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("gives validators and relayers an environment their own schemas accept, on the ports Prometheus scrapes", () => {
    const { services } = compose();
    const targets = composeTargets();
    const withKey = (service: Compose["services"][string], name: string) => ({
      ...env(service),
      [name]: `0x${"11".repeat(32)}`,
      [`${name}_FILE`]: undefined,
    });
    for (let i = 1; i <= VALIDATOR_COUNT; i++) {
      const parsed = validatorEnvSchema.parse(withKey(services[`validator-${i}`]!, "VALIDATOR_PRIVATE_KEY"));
      expect(`validator-${i}:${parsed.VALIDATOR_PORT}`).toBe(targets.validators[i - 1]);
      // The port is the service's own default: nothing to configure when it runs alone.
      expect(parsed.VALIDATOR_PORT).toBe(validatorEnvSchema.shape.VALIDATOR_PORT.parse(undefined));
    }
    for (let i = 1; i <= RELAYER_COUNT; i++) {
      const service = services[`relayer-${i}`]!;
      const relayer = relayerEnvSchema.parse(withKey(service, "RELAYER_PRIVATE_KEY"));
      expect(`relayer-${i}:${relayer.RELAYER_PORT}`).toBe(targets.relayer[i - 1]);
      expect(relayer.RELAYER_PORT).toBe(relayerEnvSchema.shape.RELAYER_PORT.parse(undefined));
      expect(relayer.VALIDATOR_URLS).toEqual(targets.validators.map((t) => `http://${t}`));
      // One queue and one database for all relayers: they share the work through BullMQ.
      expect(relayer.REDIS_URL).toBe(
        relayerEnvSchema.parse(withKey(services["relayer-1"]!, "RELAYER_PRIVATE_KEY")).REDIS_URL,
      );
      expect(service.ports).toContain(`${SERVICE_PORTS.relayer + i - 1}:${relayer.RELAYER_PORT}`);
    }
    const indexerCommand = services.indexer!.command!;
    expect(`indexer:${indexerCommand[indexerCommand.indexOf("--port") + 1]}`).toBe(targets.indexer[0]);
    // The API replica serves the indexer's schema from the same database.
    const apiCommand = services.api!.command!;
    const flag = (command: string[], name: string) => command[command.indexOf(name) + 1];
    expect(apiCommand.slice(0, 3)).toEqual(["npx", "ponder", "serve"]);
    expect(flag(apiCommand, "--schema")).toBe(flag(indexerCommand, "--schema"));
    expect(services.api!.environment!.DATABASE_URL).toBe(services.indexer!.environment!.DATABASE_URL);
    expect(services.api!.ports).toEqual([`${SERVICE_PORTS.api}:${flag(apiCommand, "--port")}`]);
  });

  it("runs our services from the image's build (dist/), never through tsx", () => {
    const { services } = compose();
    const ours = Object.entries(services).filter(([, s]) => s.build !== undefined);
    expect(ours.length).toBeGreaterThan(5);
    for (const [name, service] of ours) {
      const args = [...(service.entrypoint ?? []), ...(service.command ?? [])];
      expect(args, name).not.toContain("tsx");
      const entry = args.find((a) => a.startsWith("dist/"));
      // Each built entry is one build.mjs makes from a source file of the same name.
      if (entry)
        expect(existsSync(join(ROOT, entry.replace(/^dist\//, "").replace(/\.js$/, ".ts"))), name).toBe(true);
    }
  });

  it("mounts the generated monitoring files where Prometheus, Alertmanager and Grafana read them", () => {
    const { services } = compose();
    expect(services.prometheus!.volumes).toContain(
      "./dashboards/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro",
    );
    expect(services.alertmanager!.volumes).toContain(
      "./dashboards/alertmanager/alertmanager.yml:/etc/alertmanager/alertmanager.yml:ro",
    );
    expect(services.grafana!.volumes).toContain("./dashboards/provisioning:/etc/grafana/provisioning:ro");
    for (const dir of ["datasources", "dashboards", "alerting"])
      expect(existsSync(join(ROOT, "dashboards/provisioning", dir)), dir).toBe(true);
  });
});

describe("prometheus.devnet.yml", () => {
  it("scrapes the ports `npm start` uses", () => {
    const ports = devnetPorts({});
    expect(DEVNET_TARGETS.validators).toEqual(ports.validators.map((p) => `127.0.0.1:${p}`));
    expect(DEVNET_TARGETS.relayer).toEqual([`127.0.0.1:${ports.relayer}`]);
    expect(DEVNET_TARGETS.indexer).toEqual([`127.0.0.1:${ports.indexer}`]);
    const text = readFileSync(join(ROOT, "dashboards/prometheus/prometheus.devnet.yml"), "utf8");
    for (const job of Object.values(JOBS)) expect(text).toContain(`job_name: ${job}`);
  });
});

describe(".env.example", () => {
  const listed = new Set(
    readFileSync(join(ROOT, ".env.example"), "utf8")
      .split("\n")
      .map((line) => /^(?:# )?([A-Z][A-Z0-9_]*)=/.exec(line)?.[1])
      .filter((name): name is string => name !== undefined),
  );

  /** Variables read in code: zod env schemas, `env.X` / `process.env.X` / `env["X"]`, RPC URL variables. */
  function variablesReadByServices(): Set<string> {
    const names = new Set<string>([
      ...Object.keys(validatorEnvSchema.shape),
      ...Object.keys(relayerEnvSchema.shape),
      ...networks.map((n) => rpcUrlVariable(n)),
    ]);
    const files = ["ponder.config.ts"];
    const walk = (dir: string) => {
      for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
        const path = `${dir}/${entry.name}`;
        if (entry.isDirectory()) walk(path);
        else if (entry.name.endsWith(".ts")) files.push(path);
      }
    };
    for (const dir of ["lib", "validator", "relayer", "indexer", "src", "risk", "cli", "deploy", "devnet"])
      walk(dir);
    for (const file of files) {
      const text = readFileSync(join(ROOT, file), "utf8");
      for (const match of text.matchAll(/\benv(?:\.|\[")([A-Z][A-Z0-9_]+)/g)) names.add(match[1]!);
    }
    return names;
  }

  it("lists every variable the services read", () => {
    const missing = [...variablesReadByServices()].filter((name) => !listed.has(name));
    expect(missing, "add these to .env.example").toEqual([]);
  });

  it("lists every variable docker-compose.yml interpolates", () => {
    const text = readFileSync(join(ROOT, "docker-compose.yml"), "utf8");
    const used = new Set([...text.matchAll(/\$\{([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]!));
    expect([...used].filter((name) => !listed.has(name))).toEqual([]);
  });
});
