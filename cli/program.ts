import { Command } from "commander";

const deploymentOption = [
  "--deployment <file>",
  "deployments file (default: $DEPLOYMENT_FILE or deployments/devnet.json)",
] as const;

/**
 * Every `bridge` command with its options and help. Each action loads its module only when it runs,
 * so `bridge --help` and a mistyped command answer without loading viem or the contract ABIs.
 */
export function bridgeProgram(): Command {
  const program = new Command()
    .name("bridge")
    .description("Move tokens across chains and operate the bridge (devnet and public testnets).")
    .showHelpAfterError()
    .exitOverride();

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
    .action(async (options) => (await import("./commands/deploy.js")).deployCommand(options));

  program
    .command("aave")
    .description("Lending markets the indexer and the risk engine follow.")
    .command("watch")
    .description(
      "Add an existing Aave v3 market to the deployments file, named by the address book or by address, from a start block.",
    )
    .option(
      "--market <profile>",
      "an Aave address book market: AaveV3Sepolia, AaveV3BaseSepolia, AaveV3ArbitrumSepolia, AaveV3OptimismSepolia",
    )
    .option("--provider <address>", "the market's PoolAddressesProvider (instead of --market)")
    .option("--pool <address>", "the market's Pool (instead of --provider)")
    .option("--network <name>", "the deployment's chain the market is on (implied by --market)")
    .option(
      "--start-block <n|latest>",
      "first block whose events are indexed; the state before it is read",
      "latest",
    )
    .option("--holders-from <block>", "where the scan for existing holders begins (default 0)")
    .option("--protocol <id>", "protocol id in GraphQL and metrics (default aave-v3-<network>)")
    .option("--name <name>", "display name")
    .option(...deploymentOption)
    .addHelpText(
      "after",
      "\nEnvironment:\n  <NETWORK>_RPC_URL   e.g. SEPOLIA_RPC_URL (state at a past block needs an archive node)\n",
    )
    .action(async (options) => (await import("./commands/aaveWatch.js")).aaveWatch(options));

  program
    .command("faucet")
    .description(
      "Mint the deployment's test tokens (USDC, WETH, ...) on the home chain, for trying the bridge.",
    )
    .option("--network <network>", "home network of the deployment (default: the deployment's home chain)")
    .option("--token <symbols...>", "tokens to mint (default: every test token on the home chain)")
    .option("--amount <decimal>", "amount of each token, in token units", "1000")
    .option("--to <address>", "receiver (default: the BRIDGE_PRIVATE_KEY account)")
    .option(...deploymentOption)
    .action(async (options) => (await import("./commands/faucet.js")).faucet(options));

  program
    .command("send")
    .description(
      "Send tokens to another chain: locks home tokens or burns wrapped ones, prints the message id.",
    )
    .requiredOption("--from <network>", "source network, e.g. devnet-a")
    .requiredOption("--to <network>", "destination network, e.g. devnet-b")
    .requiredOption("--token <symbol|address>", "token on the source chain, e.g. USDC or wUSDC")
    .requiredOption("--amount <decimal>", "amount in token units, e.g. 12.5")
    .option("--recipient <address>", "receiver on the destination (default: yourself)")
    .option("--wait", "follow the message until it is delivered")
    .option(
      "--timeout <seconds>",
      "how long --wait follows before giving up (default: what the source chain's finality needs, plus delivery)",
    )
    .option(...deploymentOption)
    .addHelpText(
      "after",
      "\nEnvironment:\n  BRIDGE_PRIVATE_KEY   your key (default on the devnet: a demo user)\n  VALIDATOR_URLS       comma-separated validator URLs (default on the devnet: ports 7101-7105 + DEVNET_PORT_OFFSET)\n  RELAYER_URL          the relayer (default on the devnet: port 7200 + DEVNET_PORT_OFFSET)\n  <NETWORK>_RPC_URL    e.g. SEPOLIA_RPC_URL, DEVNET_A_RPC_URL\n",
    )
    .action(async (options) => (await import("./commands/send.js")).send(options));

  program
    .command("status")
    .description(
      "Show where a message is: source leg, finality, signatures collected, delivery, and why it is stuck.",
    )
    .argument("<messageId>", "the message id printed by `bridge send`")
    .option(...deploymentOption)
    .option("--json", "print JSON instead of text")
    .action(async (id, options) => (await import("./commands/status.js")).statusCommand(id, options));

  program
    .command("relay")
    .description(
      "Self-relay: fetch the validators' signatures for a message and submit it on the destination yourself.",
    )
    .argument("<messageId>", "the message id printed by `bridge send`")
    .option(...deploymentOption)
    .action(async (id, options) => (await import("./commands/relay.js")).relayCommand(id, options));

  program
    .command("validators")
    .description("Operate the validator set.")
    .command("rotate")
    .description(
      "Install a new validator set on every chain: collects signatures of a quorum of the current set (POST /v1/rotations, bearer $VALIDATOR_ROTATION_TOKEN) and submits rotate().",
    )
    .requiredOption("--validators <addresses>", "comma-separated addresses of the new set")
    .requiredOption("--threshold <k>", "signatures the new set needs (above 2n/3)")
    .option(...deploymentOption)
    .action(async (options) => (await import("./commands/validators.js")).rotate(options));

  return program;
}
