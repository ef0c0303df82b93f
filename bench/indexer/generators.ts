import { createRequire } from "node:module";
import type { Abi, Hex } from "viem";

/**
 * The contracts that emit the benchmark's logs, compiled here with the solc npm package so the shared
 * contracts/generated artifacts are untouched: the bridge's exact Locked/Minted/Burned/Released events,
 * and the Aave v3 market, token and price-feed events the indexer follows.
 */

const require = createRequire(import.meta.url);
const solc = require("solc") as { compile(input: string): string };

export const generatorSource = `
pragma solidity 0.8.28;
contract BridgeEventGenerator {
    event Locked(bytes32 indexed messageId, address indexed token, address indexed sender, uint64 destinationChainId, address destinationBridge, uint64 nonce, address recipient, uint256 amount);
    event Burned(bytes32 indexed messageId, address indexed token, address indexed sender, uint64 destinationChainId, address destinationBridge, uint64 nonce, address recipient, uint256 amount);
    event Minted(bytes32 indexed messageId, address indexed token, address indexed recipient, address wrappedToken, uint64 sourceChainId, uint256 amount);
    event Released(bytes32 indexed messageId, address indexed token, address indexed recipient, uint64 sourceChainId, uint256 amount);
    function id(uint64 source, uint64 nonce) public pure returns (bytes32) { return keccak256(abi.encode(source, nonce)); }
    function locks(address token, uint64 destination, uint64 firstNonce, uint64 count, uint256 amount) external {
        for (uint64 n = firstNonce; n < firstNonce + count; n++) emit Locked(id(uint64(block.chainid), n), token, msg.sender, destination, address(this), n, msg.sender, amount);
    }
    function mints(address token, uint64 source, uint64 firstNonce, uint64 count, uint256 amount) external {
        for (uint64 n = firstNonce; n < firstNonce + count; n++) emit Minted(id(source, n), token, msg.sender, address(this), source, amount);
    }
    function burns(address token, uint64 destination, uint64 firstNonce, uint64 count, uint256 amount) external {
        for (uint64 n = firstNonce; n < firstNonce + count; n++) emit Burned(id(uint64(block.chainid), n), token, msg.sender, destination, address(this), n, msg.sender, amount);
    }
    function releases(address token, uint64 source, uint64 firstNonce, uint64 count, uint256 amount) external {
        for (uint64 n = firstNonce; n < firstNonce + count; n++) emit Released(id(source, n), token, msg.sender, source, amount);
    }
}`;

/**
 * Aave v3.0's exact event signatures, emitted in batches: AaveMarketEvents stands for the Pool, the
 * PoolConfigurator and AaveOracle (one address for all three in the deployments file), AaveTokenEvents for
 * an aToken or a variable debt token (announced by the ReserveInitialized this contract emits, so Ponder's
 * factory finds them as in production), AggregatorEvents for a Chainlink aggregator and FeedProxy for the
 * proxy in front of it (the indexer reads aggregator(), decimals() and latestRoundData() from it).
 */
export const aaveGeneratorSource = `
pragma solidity 0.8.28;
contract AaveMarketEvents {
    event ReserveInitialized(address indexed asset, address indexed aToken, address stableDebtToken, address variableDebtToken, address interestRateStrategyAddress);
    event CollateralConfigurationChanged(address indexed asset, uint256 ltv, uint256 liquidationThreshold, uint256 liquidationBonus);
    event AssetSourceUpdated(address indexed asset, address indexed source);
    event ReserveDataUpdated(address indexed reserve, uint256 liquidityRate, uint256 stableBorrowRate, uint256 variableBorrowRate, uint256 liquidityIndex, uint256 variableBorrowIndex);
    event Supply(address indexed reserve, address user, address indexed onBehalfOf, uint256 amount, uint16 indexed referralCode);
    event Borrow(address indexed reserve, address user, address indexed onBehalfOf, uint256 amount, uint8 interestRateMode, uint256 borrowRate, uint16 indexed referralCode);
    event ReserveUsedAsCollateralEnabled(address indexed reserve, address indexed user);
    function init(address asset, address aToken, address variableDebtToken, address source) external {
        emit AssetSourceUpdated(asset, source);
        emit ReserveInitialized(asset, aToken, address(0xdead), variableDebtToken, address(0xbeef));
        emit CollateralConfigurationChanged(asset, 8000, 8250, 10500);
    }
    /// Per user: ReserveDataUpdated, Supply, collateral enabled (the aToken's Mint comes from the token).
    function supplies(address asset, uint160 firstUser, uint160 count) external {
        for (uint160 u = firstUser; u < firstUser + count; u++) {
            emit ReserveDataUpdated(asset, 1e25, 0, 2e25, 1e27 + u, 1e27 + 2 * u);
            emit Supply(asset, address(u), address(u), 1e18, 0);
            emit ReserveUsedAsCollateralEnabled(asset, address(u));
        }
    }
    /// Collateral enabled only, for workloads that need many positions and few events per user.
    function collaterals(address asset, uint160 firstUser, uint160 count) external {
        for (uint160 u = firstUser; u < firstUser + count; u++) emit ReserveUsedAsCollateralEnabled(asset, address(u));
    }
    function borrows(address asset, uint160 firstUser, uint160 count) external {
        for (uint160 u = firstUser; u < firstUser + count; u++) {
            emit ReserveDataUpdated(asset, 1e25, 0, 2e25, 1e27 + u, 1e27 + 2 * u);
            emit Borrow(asset, address(u), address(u), 1e17, 2, 2e25, 0);
        }
    }
}
contract AaveTokenEvents {
    event Mint(address indexed caller, address indexed onBehalfOf, uint256 value, uint256 balanceIncrease, uint256 index);
    function mints(uint160 firstUser, uint160 count, uint256 value) external {
        for (uint160 u = firstUser; u < firstUser + count; u++) emit Mint(address(u), address(u), value, 0, 1e27);
    }
}
contract AggregatorEvents {
    event AnswerUpdated(int256 indexed current, uint256 indexed roundId, uint256 updatedAt);
    function answers(uint256 firstRound, uint256 count) external {
        for (uint256 r = firstRound; r < firstRound + count; r++) emit AnswerUpdated(int256(2000e8 + r), r, block.timestamp);
    }
}
contract FeedProxy {
    address public aggregator;
    constructor(address a) { aggregator = a; }
    function decimals() external pure returns (uint8) { return 8; }
    function description() external pure returns (string memory) { return "BENCH / USD"; }
    function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80) {
        return (1, 2000e8, block.timestamp, block.timestamp, 1);
    }
}`;

export type Compiled = Record<string, { abi: Abi; bytecode: Hex }>;

export function compile(file: string, content: string): Compiled {
  const output = JSON.parse(
    solc.compile(
      JSON.stringify({
        language: "Solidity",
        sources: { [file]: { content } },
        settings: {
          optimizer: { enabled: true, runs: 200 },
          evmVersion: "cancun",
          outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } },
        },
      }),
    ),
  );
  const result: Compiled = {};
  for (const [name, artifact] of Object.entries(
    output.contracts[file] as Record<string, { abi: Abi; evm: { bytecode: { object: string } } }>,
  ))
    result[name] = { abi: artifact.abi, bytecode: `0x${artifact.evm.bytecode.object}` as Hex };
  return result;
}

export function compileGenerator(): { abi: Abi; bytecode: Hex } {
  const output = JSON.parse(
    solc.compile(
      JSON.stringify({
        language: "Solidity",
        sources: { "BridgeEventGenerator.sol": { content: generatorSource } },
        settings: {
          optimizer: { enabled: true, runs: 200 },
          evmVersion: "cancun",
          outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } },
        },
      }),
    ),
  );
  const artifact = output.contracts["BridgeEventGenerator.sol"].BridgeEventGenerator;
  return { abi: artifact.abi as Abi, bytecode: `0x${artifact.evm.bytecode.object}` as Hex };
}
