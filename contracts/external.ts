/**
 * Third-party contracts the project deploys but does not write: the real Aave v3 market (from the
 * compiled hardhat artifacts that @aave/core-v3 publishes, so the bytecode is exactly Aave's) and
 * Chainlink's FluxAggregator / EACAggregatorProxy (the package ships only Solidity for v0.6, so they
 * are compiled here with solc 0.6.6, the version their pragma names). Called from contracts/build.ts;
 * the output goes to contracts/generated/{aave,chainlink} and is re-exported by the generated index.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, normalize } from "node:path";

const require = createRequire(import.meta.url);

/** Aave artifact (path under @aave/core-v3/artifacts/contracts) -> the prefix of its exported names. */
const aaveArtifacts: Record<string, string> = {
  "protocol/pool/Pool.sol/Pool.json": "aavePool",
  "protocol/pool/PoolConfigurator.sol/PoolConfigurator.json": "aavePoolConfigurator",
  "protocol/pool/DefaultReserveInterestRateStrategy.sol/DefaultReserveInterestRateStrategy.json":
    "defaultReserveInterestRateStrategy",
  "protocol/tokenization/AToken.sol/AToken.json": "aToken",
  "protocol/tokenization/VariableDebtToken.sol/VariableDebtToken.json": "variableDebtToken",
  "protocol/tokenization/StableDebtToken.sol/StableDebtToken.json": "stableDebtToken",
  "protocol/configuration/PoolAddressesProvider.sol/PoolAddressesProvider.json": "poolAddressesProvider",
  "protocol/configuration/ACLManager.sol/ACLManager.json": "aclManager",
  "misc/AaveOracle.sol/AaveOracle.json": "aaveOracle",
  "misc/AaveProtocolDataProvider.sol/AaveProtocolDataProvider.json": "aaveProtocolDataProvider",
  "protocol/libraries/logic/BorrowLogic.sol/BorrowLogic.json": "aaveBorrowLogic",
  "protocol/libraries/logic/BridgeLogic.sol/BridgeLogic.json": "aaveBridgeLogic",
  "protocol/libraries/logic/EModeLogic.sol/EModeLogic.json": "aaveEModeLogic",
  "protocol/libraries/logic/FlashLoanLogic.sol/FlashLoanLogic.json": "aaveFlashLoanLogic",
  "protocol/libraries/logic/LiquidationLogic.sol/LiquidationLogic.json": "aaveLiquidationLogic",
  "protocol/libraries/logic/PoolLogic.sol/PoolLogic.json": "aavePoolLogic",
  "protocol/libraries/logic/SupplyLogic.sol/SupplyLogic.json": "aaveSupplyLogic",
  "protocol/libraries/logic/ConfiguratorLogic.sol/ConfiguratorLogic.json": "aaveConfiguratorLogic",
};

const uniswapCoreArtifacts: Record<string, string> = {
  "UniswapV3Factory.sol/UniswapV3Factory.json": "uniswapV3Factory",
  "UniswapV3Pool.sol/UniswapV3Pool.json": "uniswapV3Pool",
};

const uniswapPeripheryArtifacts: Record<string, string> = {
  "NonfungiblePositionManager.sol/NonfungiblePositionManager.json": "nonfungiblePositionManager",
  "lens/QuoterV2.sol/QuoterV2.json": "quoterV2",
  "SwapRouter.sol/SwapRouter.json": "swapRouter",
};

/** Chainlink v0.6 source file -> contract name -> exported prefix. */
const chainlinkContracts: { file: string; contract: string; prefix: string }[] = [
  { file: "FluxAggregator.sol", contract: "FluxAggregator", prefix: "fluxAggregator" },
  { file: "EACAggregatorProxy.sol", contract: "EACAggregatorProxy", prefix: "eacAggregatorProxy" },
];

type HardhatArtifact = {
  contractName: string;
  sourceName: string;
  abi: unknown[];
  bytecode: string;
  linkReferences: Record<string, Record<string, { start: number; length: number }[]>>;
};

function packageVersion(name: string): string {
  return (require(`${name}/package.json`) as { version: string }).version;
}

function writeModule(path: string, header: string, exports: [string, string][]): void {
  mkdirSync(dirname(path), { recursive: true });
  const lines = [`// ${header} Do not edit.`];
  for (const [name, value] of exports) lines.push(`export const ${name} = ${value} as const;`, "");
  writeFileSync(path, lines.join("\n"));
}

/**
 * Writes one module per Aave artifact: `<prefix>Abi`, `<prefix>Bytecode` (with hardhat's `__$…$__`
 * library placeholders still in it) and `<prefix>LinkReferences` (byte offsets of those placeholders,
 * by library name) so deploy/ can link the libraries it deployed. Returns the module names written.
 */
export function writeAaveArtifacts(outDir: string): string[] {
  return writeHardhatArtifacts(outDir, "@aave/core-v3", "aave", aaveArtifacts);
}

/**
 * Uniswap v3 as deployed on mainnet: the factory (whose pools' init-code hash the periphery's PoolAddress
 * library has built in, so only this exact bytecode lets the periphery find its pools), the position
 * manager that mints ranges, QuoterV2 (the reference the cascade's swap math is tested against) and the
 * router. No library links.
 */
export function writeUniswapArtifacts(outDir: string): string[] {
  return [
    ...writeHardhatArtifacts(outDir, "@uniswap/v3-core", "uniswap", uniswapCoreArtifacts),
    ...writeHardhatArtifacts(outDir, "@uniswap/v3-periphery", "uniswap", uniswapPeripheryArtifacts),
  ];
}

/** Compiled hardhat artifacts a package publishes under artifacts/contracts, one module each. */
function writeHardhatArtifacts(
  outDir: string,
  packageName: string,
  subdir: string,
  artifacts: Record<string, string>,
): string[] {
  const root = join(dirname(require.resolve(`${packageName}/package.json`)), "artifacts/contracts");
  const version = packageVersion(packageName);
  const modules: string[] = [];
  for (const [path, prefix] of Object.entries(artifacts)) {
    const artifact = JSON.parse(readFileSync(join(root, path), "utf8")) as HardhatArtifact;
    // Flatten {sourceName: {library: offsets}} to {library: offsets}: library names are unique here.
    const links: Record<string, { start: number; length: number }[]> = {};
    for (const byLibrary of Object.values(artifact.linkReferences)) Object.assign(links, byLibrary);
    const moduleName = `${subdir}/${artifact.contractName}`;
    writeModule(
      join(outDir, `${moduleName}.ts`),
      `Generated by contracts/build.ts from ${packageName}@${version} ${artifact.sourceName}.`,
      [
        [`${prefix}Abi`, JSON.stringify(artifact.abi, null, 2)],
        [`${prefix}Bytecode`, JSON.stringify(artifact.bytecode)],
        [`${prefix}LinkReferences`, JSON.stringify(links, null, 2)],
      ],
    );
    modules.push(moduleName);
  }
  return modules;
}

type SolcOutput = {
  errors?: { severity: "error" | "warning"; formattedMessage: string }[];
  contracts: Record<string, Record<string, { abi: unknown[]; evm: { bytecode: { object: string } } }>>;
};

/** Compiles Chainlink's v0.6 aggregator and proxy with solc 0.6.6 and writes their modules. */
export function writeChainlinkArtifacts(outDir: string): string[] {
  const solc = require("solc-0.6.6") as {
    compile(
      input: string,
      callbacks: { import(path: string): { contents?: string; error?: string } },
    ): string;
    version(): string;
  };
  const version = packageVersion("@chainlink/contracts");
  const root = join(dirname(require.resolve("@chainlink/contracts/package.json")), "src/v0.6");
  const sources = Object.fromEntries(
    chainlinkContracts.map(({ file }) => [file, { content: readFileSync(join(root, file), "utf8") }]),
  );
  const input = {
    language: "Solidity",
    sources,
    settings: {
      optimizer: { enabled: true, runs: 200 },
      // solc 0.6.6 knows no later EVM; istanbul bytecode runs on anvil's current hardfork.
      evmVersion: "istanbul",
      outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } },
    },
  };
  const findImports = (path: string) => {
    const resolved = normalize(join(root, path));
    // Imports are relative to src/v0.6 ("./Owned.sol"); nothing may escape the package.
    if (!resolved.startsWith(root)) return { error: `import outside @chainlink/contracts: ${path}` };
    try {
      return { contents: readFileSync(resolved, "utf8") };
    } catch {
      return { error: `not found: ${path}` };
    }
  };
  process.stdout.write(`compiling Chainlink v0.6 contracts with solc ${solc.version()}...\n`);
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports })) as SolcOutput;
  const errors = (output.errors ?? []).filter((e) => e.severity === "error");
  if (errors.length > 0) {
    throw new Error(`solc 0.6.6 failed:\n${errors.map((e) => e.formattedMessage).join("\n")}`);
  }
  const modules: string[] = [];
  for (const { file, contract, prefix } of chainlinkContracts) {
    const artifact = output.contracts[file]?.[contract];
    if (!artifact) throw new Error(`solc output has no ${file}:${contract}`);
    const moduleName = `chainlink/${contract}`;
    writeModule(
      join(outDir, `${moduleName}.ts`),
      `Generated by contracts/build.ts from @chainlink/contracts@${version} src/v0.6/${file} (solc ${solc.version()}).`,
      [
        [`${prefix}Abi`, JSON.stringify(artifact.abi, null, 2)],
        [`${prefix}Bytecode`, JSON.stringify(`0x${artifact.evm.bytecode.object}`)],
      ],
    );
    modules.push(moduleName);
  }
  return modules;
}

type SolcWithImports = {
  compile(input: string, callbacks: { import(path: string): { contents?: string; error?: string } }): string;
  version(): string;
};

/**
 * Resolves a Solidity import of the form "<package>/<path>" to the file in node_modules, for the packages
 * listed only; anything else (or a path escaping the package) is an error, so no source outside the repo
 * and the pinned packages can enter a build.
 */
export function resolvePackageImport(
  path: string,
  packages: string[],
): { contents?: string; error?: string } {
  const name = packages.find((p) => path.startsWith(`${p}/`));
  if (!name) return { error: `import outside the allowed packages (${packages.join(", ")}): ${path}` };
  const root = dirname(require.resolve(`${name}/package.json`));
  const resolved = normalize(join(root, path.slice(name.length + 1)));
  if (!resolved.startsWith(root)) return { error: `import escapes ${name}: ${path}` };
  try {
    return { contents: readFileSync(resolved, "utf8") };
  } catch {
    return { error: `not found: ${path}` };
  }
}

/**
 * Compiles Morpho Blue's core (src/Morpho.sol of @morpho-org/morpho-blue) with solc 0.8.19, the exact
 * version its pragma requires, and writes contracts/generated/morpho/Morpho.ts. The package ships no
 * build settings; the optimizer is on, as for every contract here.
 */
export function writeMorphoArtifacts(outDir: string): string[] {
  const solc = require("solc-0.8.19") as SolcWithImports;
  const packageName = "@morpho-org/morpho-blue";
  const version = packageVersion(packageName);
  const sourceName = `${packageName}/src/Morpho.sol`;
  const eventsSource = `${packageName}/src/libraries/EventsLib.sol`;
  const main = resolvePackageImport(sourceName, [packageName]);
  if (main.contents === undefined) throw new Error(main.error);
  const input = {
    language: "Solidity",
    sources: { [sourceName]: { content: main.contents } },
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: "paris",
      outputSelection: {
        [sourceName]: { Morpho: ["abi", "evm.bytecode.object"] },
        [eventsSource]: { EventsLib: ["abi"] },
      },
    },
  };
  process.stdout.write(`compiling Morpho Blue ${version} with solc ${solc.version()}...\n`);
  const output = JSON.parse(
    // solc hands relative imports over already joined to the importer's directory ("<package>/src/...").
    solc.compile(JSON.stringify(input), { import: (path) => resolvePackageImport(path, [packageName]) }),
  ) as SolcOutput;
  const errors = (output.errors ?? []).filter((e) => e.severity === "error");
  if (errors.length > 0) {
    throw new Error(`solc 0.8.19 failed:\n${errors.map((e) => e.formattedMessage).join("\n")}`);
  }
  const artifact = output.contracts[sourceName]?.Morpho;
  const events = output.contracts[eventsSource]?.EventsLib;
  if (!artifact || !events) throw new Error(`solc output has no ${sourceName}:Morpho or its EventsLib`);
  // Morpho emits every event through EventsLib, and solc before 0.8.20 leaves library events out of the
  // contract's ABI: without them here no client could decode a Supply or a Liquidate.
  const abi = [...artifact.abi, ...events.abi];
  const moduleName = "morpho/Morpho";
  writeModule(
    join(outDir, `${moduleName}.ts`),
    `Generated by contracts/build.ts from ${packageName}@${version} src/Morpho.sol (solc ${solc.version()}).`,
    [
      ["morphoAbi", JSON.stringify(abi, null, 2)],
      ["morphoBytecode", JSON.stringify(`0x${artifact.evm.bytecode.object}`)],
    ],
  );
  return [moduleName];
}
