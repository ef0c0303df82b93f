import type { Command } from "commander";
import { deployPlan } from "../../deploy/run.js";
import { deploymentPath } from "../../lib/deployments.js";
import { progress } from "../output.js";

export function registerDeployCommand(program: Command): void {
  program
    .command("deploy")
    .description(
      "Deploy the bridge, test assets, price feeds and lending pools to one or more networks and write the deployments file.",
    )
    .requiredOption(
      "--network <names...>",
      "networks, home first (comma- or space-separated), e.g. sepolia,base-sepolia,arbitrum-sepolia,op-sepolia",
    )
    .option("--name <name>", "deployment name (file deployments/<name>.json)")
    .option("--validators <addresses>", "comma-separated validator addresses (env VALIDATOR_ADDRESSES)")
    .option("--threshold <k>", "signatures required; must exceed 2n/3", (value) => Number.parseInt(value, 10))
    .option("--out <path>", "where to write the deployments file")
    .addHelpText(
      "after",
      "\nEnvironment:\n  DEPLOYER_PRIVATE_KEY   pays for the deployment (not needed on devnet networks)\n  <NETWORK>_RPC_URL      e.g. SEPOLIA_RPC_URL, BASE_SEPOLIA_RPC_URL\n",
    )
    .action(
      async (options: {
        network: string[];
        name?: string;
        validators?: string;
        threshold?: number;
        out?: string;
      }) => {
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
      },
    );
}
