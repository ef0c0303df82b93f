import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { composeFile } from "../../dashboards/src/compose.js";
import { relayerEnvSchema } from "../../relayer/config.js";
import { riskEnvSchema } from "../../risk/config.js";
import { validatorEnvSchema } from "../../validator/config.js";
import { ROOT } from "./expressions.js";

/*
 * Inside compose, services reach each other by service name, and only on ports bound to every
 * interface of their container (0.0.0.0): a server on 127.0.0.1 answers nobody else. This checks that
 * every URL or host:port a service is given (environment, and the Prometheus and Grafana files compose
 * mounts) names a service of the file and a port that service binds on 0.0.0.0.
 */

type Service = {
  image?: string;
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
};
type Compose = { services: Record<string, Service> };

/** Compose's `${VAR:-default}` / `${VAR:?message}`: the default, or a value of the right shape. */
const interpolate = (value: string) =>
  value.replace(/\$\{([A-Z0-9_]+)(?::([-?])([^}]*))?\}/g, (_, name: string, kind?: string, rest?: string) =>
    kind === "-" ? (rest ?? "") : name.endsWith("PRIVATE_KEY") ? `0x${"11".repeat(32)}` : `x-${name}`,
  );
/** A service's environment; a key it reads from a secret file (`*_PRIVATE_KEY_FILE`) stands in as a value. */
const environment = (service: Service) =>
  Object.fromEntries(
    Object.entries(service.environment ?? {}).map(([k, v]) =>
      k.endsWith("PRIVATE_KEY_FILE")
        ? [k.slice(0, -"_FILE".length), `0x${"11".repeat(32)}`]
        : [k, interpolate(v)],
    ),
  );

/** Images we do not build listen on every interface of the container by default, on these ports. */
const IMAGE_PORTS: Record<string, number> = {
  postgres: 5432,
  redis: 6379,
  "prom/prometheus": 9090,
  "prom/alertmanager": 9093,
  "grafana/grafana": 3000,
};

const flag = (args: string[], name: string) => {
  const index = args.indexOf(name);
  return index === -1 ? undefined : args[index + 1];
};

/** Ports each service binds on 0.0.0.0, read from its own configuration, never assumed. */
function boundPorts(name: string, service: Service): number[] {
  const image = service.image?.split(":")[0] ?? "";
  if (image in IMAGE_PORTS) return [IMAGE_PORTS[image]!];
  const args = [...(service.entrypoint ?? []), ...(service.command ?? [])];
  const env = environment(service);
  if (service.entrypoint?.[0] === "anvil")
    return flag(args, "--host") === "0.0.0.0" ? [Number(flag(args, "--port"))] : [];
  if (args.includes("ponder"))
    return flag(args, "--hostname") === "0.0.0.0" ? [Number(flag(args, "--port"))] : [];
  if (name.startsWith("validator-")) {
    const parsed = validatorEnvSchema.parse(env);
    return parsed.VALIDATOR_HOST === "0.0.0.0" ? [parsed.VALIDATOR_PORT] : [];
  }
  if (name.startsWith("relayer-")) {
    const parsed = relayerEnvSchema.parse(env);
    return parsed.RELAYER_HOST === "0.0.0.0" ? [parsed.RELAYER_PORT] : [];
  }
  if (name === "risk") {
    const parsed = riskEnvSchema.parse(env);
    return parsed.RISK_HOST === "0.0.0.0" ? [parsed.RISK_PORT] : [];
  }
  return [];
}

const DEFAULT_PORTS: Record<string, number> = {
  "http:": 80,
  "https:": 443,
  "redis:": 6379,
  "postgres:": 5432,
};

/** Every URL in an environment value (comma-separated lists included). */
function urlsIn(value: string): URL[] {
  return value
    .split(",")
    .map((part) => part.trim())
    .filter((part) => /^[a-z][a-z0-9+.-]*:\/\//.test(part))
    .map((part) => new URL(part));
}

/**
 * The alert webhook is the operator's receiver outside the stack (set ALERT_WEBHOOK_URL in .env); its
 * default is a placeholder name, not a compose service.
 */
const EXTERNAL_VARIABLES = new Set(["ALERT_WEBHOOK_URL"]);

type Reference = { from: string; target: string; host: string; port: number };

function references(compose: Compose): Reference[] {
  const found: Reference[] = [];
  for (const [name, service] of Object.entries(compose.services)) {
    for (const [variable, value] of Object.entries(environment(service))) {
      if (EXTERNAL_VARIABLES.has(variable)) continue;
      for (const url of urlsIn(value)) {
        found.push({
          from: `${name} ${variable}`,
          target: url.href,
          host: url.hostname,
          port: Number(url.port || DEFAULT_PORTS[url.protocol]),
        });
      }
    }
  }
  // Files compose mounts into Prometheus and Grafana: scrape targets, alertmanagers, datasource URL.
  const prometheus = parse(readFileSync(join(ROOT, "dashboards/prometheus/prometheus.yml"), "utf8"));
  const targets: string[] = [
    ...prometheus.scrape_configs.flatMap((job: { static_configs: { targets: string[] }[] }) =>
      job.static_configs.flatMap((c) => c.targets),
    ),
    ...prometheus.alerting.alertmanagers.flatMap((a: { static_configs: { targets: string[] }[] }) =>
      a.static_configs.flatMap((c) => c.targets),
    ),
  ];
  for (const target of targets) {
    const [host, port] = target.split(":");
    found.push({ from: "prometheus.yml", target, host: host!, port: Number(port) });
  }
  const datasources = parse(
    readFileSync(join(ROOT, "dashboards/provisioning/datasources/prometheus.yml"), "utf8"),
  );
  for (const source of datasources.datasources as { url: string }[]) {
    const url = new URL(source.url);
    found.push({
      from: "grafana datasource",
      target: source.url,
      host: url.hostname,
      port: Number(url.port),
    });
  }
  return found;
}

describe("docker-compose.yml networking", () => {
  const compose = parse(readFileSync(join(ROOT, "docker-compose.yml"), "utf8")) as Compose;

  it("is the file composeFile() renders", () => {
    expect(compose).toEqual(JSON.parse(JSON.stringify(composeFile())));
  });

  it("gives services only URLs of a compose service and a port that service binds on 0.0.0.0", () => {
    const refs = references(compose);
    // The relayer's validators, Redis and Postgres, RPC URLs, scrape targets: dozens, not a handful.
    expect(refs.length).toBeGreaterThan(40);
    const problems = refs.flatMap((ref) => {
      const target = compose.services[ref.host];
      if (!target) return [`${ref.from}: ${ref.target}: ${ref.host} is not a compose service`];
      const ports = boundPorts(ref.host, target);
      return ports.includes(ref.port)
        ? []
        : [`${ref.from}: ${ref.target}: ${ref.host} binds ${ports.join(", ") || "nothing"} on 0.0.0.0`];
    });
    expect(problems).toEqual([]);
  });

  it("fails on a service that binds 127.0.0.1 (the check is not vacuous)", () => {
    const broken = structuredClone(compose);
    broken.services["relayer-1"]!.environment!.RELAYER_HOST = "127.0.0.1";
    expect(boundPorts("relayer-1", broken.services["relayer-1"]!)).toEqual([]);
    const relayerRefs = references(broken).filter((r) => r.host === "relayer-1");
    expect(relayerRefs.length).toBeGreaterThan(0);
  });
});
