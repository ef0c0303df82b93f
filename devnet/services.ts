import type { Deployment } from "../lib/deployments.js";
import type { Supervisor } from "./supervisor.js";

export type StartServicesParameters = {
  supervisor: Supervisor;
  deployment: Deployment;
  step: (message: string) => void;
};

/**
 * Starts the off-chain processes of the devnet under the supervisor and says where to find them.
 * Each later component (validators, relayer, indexer, risk API, demo traffic) adds itself here.
 */
export async function startServices(
  _parameters: StartServicesParameters,
): Promise<{ urls: string[]; nextSteps: string[] }> {
  return {
    urls: [],
    nextSteps: [
      "  npx bridge --help                       the CLI (deploy, and more as the services land)",
      "  cat deployments/devnet.json              every address and start block",
    ],
  };
}
