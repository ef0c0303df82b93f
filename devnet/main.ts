/**
 * `npm start`: the whole system on three local chains. Starts anvil ×3, deploys every contract (the real
 * Aave v3 market with Chainlink proxy/aggregator feeds on B and C), seeds balances, prices and Aave positions, writes deployments/devnet.json, then runs the off-chain
 * services and demo traffic, and prints what to open. Ctrl-C stops every child it started.
 */
import { privateKeyToAddress } from "viem/accounts";
import { deploySystem } from "../deploy/system.js";
import { planDeployment } from "../deploy/targets.js";
import { deploymentPath, deploymentSchema, writeDeployment } from "../lib/deployments.js";
import { devKey, devnetKeys } from "../lib/devnet/accounts.js";
import { devnetNetworks, resolveRpcUrl } from "../lib/networks.js";
import { freePortOrFail, rpc, startAnvil } from "./anvil.js";
import { deployExternalBridge, fundOtherBridgesHolder, seedExternalBridge } from "./externalBridge.js";
import { deploySecondBridge, seedSecondBridge } from "./secondBridge.js";
import { BORROWER_ACCOUNT_INDEXES, seedDevnet } from "./seed.js";
import { startServices } from "./services.js";
import { Supervisor } from "./supervisor.js";

const started = Date.now();
const step = (message: string) =>
  process.stdout.write(`[devnet +${((Date.now() - started) / 1000).toFixed(1)}s] ${message}\n`);

const supervisor = new Supervisor();
supervisor.stopOnSignals();

async function main(): Promise<void> {
  // DEVNET_A_RPC_URL etc. move a chain to another port (the tests run a devnet beside a running one).
  const ports = devnetNetworks.map((network) => Number(new URL(resolveRpcUrl(network)).port));
  for (const [index, network] of devnetNetworks.entries()) {
    await freePortOrFail(ports[index]!, `${network.name}'s RPC (is another devnet running?)`);
  }

  step("starting three anvil chains");
  const chains = await Promise.all(
    devnetNetworks.map((network, index) =>
      // Automine while deploying and seeding (fast), 1 s interval blocks afterwards.
      startAnvil({
        chainId: network.chainId,
        port: ports[index]!,
        args: ["--accounts", "20"],
      }),
    ),
  );
  for (const [index, chain] of chains.entries())
    supervisor.adopt(`anvil ${devnetNetworks[index]!.name}`, chain.stop);

  const plan = await planDeployment({ networks: devnetNetworks.map((n) => n.name), name: "devnet" });
  const deploymentFile = process.env.DEPLOYMENT_FILE ?? deploymentPath("devnet");
  const system = deploymentSchema.parse(await deploySystem(plan, step));
  // Two more bridges, followed through descriptors so the exposure matrix compares three: an external
  // lock/mint bridge (Portal) and a second instance of this bridge with its own validator set.
  const deployment = writeDeployment(
    deploymentFile,
    await deploySecondBridge(await deployExternalBridge(system, step), step),
  );
  await seedDevnet(deployment, step, BORROWER_ACCOUNT_INDEXES.map(devKey));
  await fundOtherBridgesHolder(deployment);
  await seedExternalBridge(deployment, step);
  await seedSecondBridge(deployment, step);

  step("switching every chain to 1 s blocks");
  for (const chain of chains) {
    await rpc(chain.rpcUrl, "evm_setAutomine", [false]);
    await rpc(chain.rpcUrl, "evm_setIntervalMining", [1]);
  }

  const services = await startServices({ supervisor, deployment, deploymentFile, step });

  const lines = [
    "",
    "Devnet is up.",
    "",
    "Chains:",
    ...devnetNetworks.map(
      (n) => `  ${n.name.padEnd(10)} chain id ${n.chainId}  ${resolveRpcUrl(n)}   ${n.label}`,
    ),
    "",
    `Contracts (full list in ${deploymentFile}):`,
    ...deployment.chains.flatMap((chain) => [
      `  ${chain.network}: ${chain.role === "home" ? "BridgeVault" : "BridgeMinter"} ${chain.bridge.address}, ValidatorSet ${chain.validatorSet.address}`,
      `    tokens: ${chain.tokens.map((t) => `${t.symbol} ${t.address}`).join(", ")}`,
      ...chain.aaveMarkets.map(
        (m) =>
          `    Aave v3 market "${m.protocol}": Pool ${m.pool}, PoolConfigurator ${m.poolConfigurator}, AaveOracle ${m.aaveOracle}`,
      ),
      ...(chain.morpho
        ? [
            `    Morpho Blue "${chain.morpho.protocol}": ${chain.morpho.address}, markets ${chain.morpho.markets.map((m) => m.name ?? m.id).join(", ")}`,
          ]
        : []),
      ...(chain.uniswap
        ? [
            `    Uniswap v3: QuoterV2 ${chain.uniswap.quoter}, SwapRouter ${chain.uniswap.router}, pools ${chain.uniswap.pools
              .map((p) => {
                const symbol = (a: string) => chain.tokens.find((t) => t.address === a)?.symbol ?? a;
                return `${symbol(p.token0)}/${symbol(p.token1)} ${p.fee / 10_000}% ${p.address}`;
              })
              .join(", ")}`,
          ]
        : []),
    ]),
    "",
    ...deployment.externalBridges.map(
      (b) =>
        `Bridge "${b.id}" (${b.name}): lock contract ${b.lockContract} on chain ${b.homeChainId}, mints ${b.assets
          .flatMap((a) => a.minted.map((m) => `${m.symbol} ${m.token} on ${m.chainId}`))
          .join(", ")}`,
    ),
    `Validators (${deployment.validators.threshold} of ${deployment.validators.addresses.length}): ${deployment.validators.addresses.join(", ")}`,
    `Demo users (keys are anvil's well-known dev keys): ${devnetKeys.users.map((k) => privateKeyToAddress(k)).join(", ")}`,
    ...services.urls,
    "",
    "Next steps:",
    ...services.nextSteps,
    "",
    "Ctrl-C stops everything.",
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}

main().catch(async (error) => {
  process.stderr.write(`devnet failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  if (process.env.DEBUG_DEVNET) console.error(error);
  await supervisor.stopAll();
  process.exit(1);
});
