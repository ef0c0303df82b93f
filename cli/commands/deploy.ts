import { deployPlan } from "../../deploy/run.js";
import { deploymentPath } from "../../lib/deployments.js";
import { progress } from "../output.js";

export type DeployOptions = {
  network: string[];
  name?: string;
  validators?: string;
  threshold?: number;
  out?: string;
};

export async function deployCommand(options: DeployOptions): Promise<void> {
  const networks = options.network
    .flatMap((entry) => entry.split(","))
    .map((s) => s.trim())
    .filter(Boolean);
  const deployment = await deployPlan({
    networks,
    name: options.name,
    validators: options.validators,
    threshold: options.threshold,
    out: options.out,
    onProgress: progress,
  });
  process.stdout.write(
    `${JSON.stringify({ file: options.out ?? deploymentPath(deployment.name), ...deployment }, null, 2)}\n`,
  );
}
