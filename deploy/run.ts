import { type Deployment, deploymentPath, writeDeployment } from "../lib/deployments.js";
import { deploySystem } from "./system.js";
import { type PlanDeploymentParameters, planDeployment } from "./targets.js";

export type DeployPlanParameters = PlanDeploymentParameters & {
  /** Deployments file to write; deployments/<name>.json by default. */
  out?: string;
  onProgress?: (message: string) => void;
};

/**
 * Checks the configuration, deploys everything and writes the deployments file: what `bridge deploy`
 * runs. Nothing is sent before every configuration problem and every RPC endpoint has been checked.
 */
export async function deployPlan(parameters: DeployPlanParameters): Promise<Deployment> {
  const onProgress = parameters.onProgress ?? (() => undefined);
  const plan = await planDeployment(parameters);
  onProgress(
    `deploying "${plan.name}" to ${plan.targets.map((t) => `${t.network.name} (${t.role})`).join(", ")} with a ${plan.validators.threshold}-of-${plan.validators.addresses.length} validator set`,
  );
  const deployment = await deploySystem(plan, onProgress);
  const path = parameters.out ?? deploymentPath(plan.name);
  const written = writeDeployment(path, deployment);
  onProgress(`wrote ${path}`);
  return written;
}
