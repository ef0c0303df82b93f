// SPDX-License-Identifier: MIT
pragma solidity ^0.8.19;

import {IOracle} from "@morpho-org/morpho-blue/src/interfaces/IOracle.sol";

/// @dev The part of Chainlink's AggregatorV3Interface this oracle reads (EACAggregatorProxy implements it).
interface IChainlinkFeed {
    function decimals() external view returns (uint8);
    function latestRoundData()
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);
}

/// @title ChainlinkMorphoOracle
/// @notice Morpho Blue's IOracle over two Chainlink proxies, the same proxies the devnet's Aave markets read:
/// the price of one collateral token in loan tokens, scaled by 1e36 and by the tokens' decimals as IOracle
/// requires: price = collateralAnswer / loanAnswer * 10^(36 + loanDecimals - collateralDecimals), with each
/// answer in its feed's own decimals. A missing loan feed (address 0) means the loan token is the feeds'
/// quote currency (a USD stablecoin priced at 1). A non-positive answer reverts: Morpho then cannot
/// borrow, withdraw collateral or liquidate against a price nobody knows.
contract ChainlinkMorphoOracle is IOracle {
    IChainlinkFeed public immutable COLLATERAL_FEED;
    IChainlinkFeed public immutable LOAN_FEED;
    /// @notice 10^(36 + loanDecimals + loanFeedDecimals - collateralDecimals - collateralFeedDecimals).
    uint256 public immutable SCALE_FACTOR;

    error NonPositiveAnswer(address feed, int256 answer);
    error ZeroAddress();
    error ScaleOutOfRange();

    constructor(IChainlinkFeed collateralFeed, IChainlinkFeed loanFeed, uint8 collateralDecimals, uint8 loanDecimals) {
        if (address(collateralFeed) == address(0)) revert ZeroAddress();
        COLLATERAL_FEED = collateralFeed;
        LOAN_FEED = loanFeed;
        uint256 loanFeedDecimals = address(loanFeed) == address(0) ? 0 : loanFeed.decimals();
        int256 exponent = 36 + int256(uint256(loanDecimals)) + int256(loanFeedDecimals)
            - int256(uint256(collateralDecimals)) - int256(uint256(collateralFeed.decimals()));
        // 10^77 is the largest power of ten below 2^256; a negative exponent has no integer factor.
        if (exponent < 0 || exponent > 77) revert ScaleOutOfRange();
        SCALE_FACTOR = 10 ** uint256(exponent);
    }

    function price() external view returns (uint256) {
        uint256 loanPrice = address(LOAN_FEED) == address(0) ? 1 : _answer(LOAN_FEED);
        return _answer(COLLATERAL_FEED) * SCALE_FACTOR / loanPrice;
    }

    function _answer(IChainlinkFeed feed) private view returns (uint256) {
        (, int256 answer,,,) = feed.latestRoundData();
        if (answer <= 0) revert NonPositiveAnswer(address(feed), answer);
        return uint256(answer);
    }
}
