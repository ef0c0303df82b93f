import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

export function bareApp(dir: string, deploymentFile: string) {
  // The ceiling: same chains, contracts and logs, handlers that do nothing, one unused table, and the
  // same database as our indexer (PostgreSQL when DATABASE_URL is set, PGlite otherwise).
  mkdirSync(join(dir, "src", "api"), { recursive: true });
  writeFileSync(
    join(dir, "src", "api", "index.ts"),
    `import { db } from "ponder:api";\nimport schema from "ponder:schema";\nimport { Hono } from "hono";\nimport { graphql } from "ponder";\nconst app = new Hono();\napp.use("/graphql", graphql({ db, schema }));\nexport default app;\n`,
  );
  writeFileSync(
    join(dir, "ponder.config.ts"),
    `import { createConfig } from "ponder";
import { aaveOracleAbi, aavePoolAbi, aavePoolConfiguratorAbi, aTokenAbi, bridgeMinterAbi, bridgeVaultAbi, fluxAggregatorAbi, variableDebtTokenAbi } from "${resolve("contracts/generated/index.js")}";
import { aaveContractChains, aaveTokenChains, contractChains, indexerChains, priceChains } from "${resolve("indexer/config.js")}";
import { readDeployment } from "${resolve("lib/deployments.js")}";
const deployment = readDeployment(${JSON.stringify(deploymentFile)});
export default createConfig({
  ordering: "omnichain",
  database: process.env.DATABASE_URL
    ? { kind: "postgres", connectionString: process.env.DATABASE_URL }
    : { kind: "pglite", directory: process.env.INDEXER_PGLITE_DIR },
  chains: indexerChains(deployment),
  contracts: {
    BridgeVault: { abi: bridgeVaultAbi, chain: contractChains(deployment, (c) => (c.role === "home" ? [c.bridge] : [])) },
    BridgeMinter: { abi: bridgeMinterAbi, chain: contractChains(deployment, (c) => (c.role === "remote" ? [c.bridge] : [])) },
    AavePool: { abi: aavePoolAbi, chain: aaveContractChains(deployment, "pool") },
    AavePoolConfigurator: { abi: aavePoolConfiguratorAbi, chain: aaveContractChains(deployment, "poolConfigurator") },
    AaveOracle: { abi: aaveOracleAbi, chain: aaveContractChains(deployment, "aaveOracle") },
    AToken: { abi: aTokenAbi, chain: aaveTokenChains(deployment, "aToken") },
    VariableDebtToken: { abi: variableDebtTokenAbi, chain: aaveTokenChains(deployment, "variableDebtToken") },
    ChainlinkAggregator: { abi: fluxAggregatorAbi, chain: priceChains(deployment) },
  },
});
`,
  );
  writeFileSync(
    join(dir, "ponder.schema.ts"),
    `import { onchainTable } from "ponder";\nexport const counter = onchainTable("counter", (t) => ({ id: t.text().primaryKey() }));\n`,
  );
  writeFileSync(
    join(dir, "src", "index.ts"),
    `import { ponder } from "ponder:registry";\nfor (const name of ["BridgeVault:Locked", "BridgeVault:Released", "BridgeMinter:Minted", "BridgeMinter:Burned", "AavePool:ReserveDataUpdated", "AavePool:Supply", "AavePool:Borrow", "AavePool:ReserveUsedAsCollateralEnabled", "AavePoolConfigurator:ReserveInitialized", "AavePoolConfigurator:CollateralConfigurationChanged", "AaveOracle:AssetSourceUpdated", "AToken:Mint", "VariableDebtToken:Mint", "ChainlinkAggregator:AnswerUpdated"] as const) ponder.on(name, async () => {});\n`,
  );
}
