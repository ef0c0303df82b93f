// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title MarketMath
/// @notice Aave v3's fixed-point helpers (WadRayMath, PercentageMath, MathUtils), rewritten compactly in
///         plain checked Solidity. Rounding is half-up exactly as in Aave v3.0, so lib/aave/*.ts can mirror it.
library MarketMath {
    uint256 internal constant WAD = 1e18;
    uint256 internal constant RAY = 1e27;
    uint256 internal constant HALF_RAY = RAY / 2;
    uint256 internal constant PERCENTAGE_FACTOR = 1e4;
    uint256 internal constant HALF_PERCENTAGE_FACTOR = PERCENTAGE_FACTOR / 2;
    uint256 internal constant SECONDS_PER_YEAR = 365 days;

    function rayMul(uint256 a, uint256 b) internal pure returns (uint256) {
        return (a * b + HALF_RAY) / RAY;
    }

    function rayDiv(uint256 a, uint256 b) internal pure returns (uint256) {
        return (a * RAY + b / 2) / b;
    }

    function wadDiv(uint256 a, uint256 b) internal pure returns (uint256) {
        return (a * WAD + b / 2) / b;
    }

    function percentMul(uint256 value, uint256 percentage) internal pure returns (uint256) {
        return (value * percentage + HALF_PERCENTAGE_FACTOR) / PERCENTAGE_FACTOR;
    }

    function percentDiv(uint256 value, uint256 percentage) internal pure returns (uint256) {
        return (value * PERCENTAGE_FACTOR + percentage / 2) / percentage;
    }

    /// @dev MathUtils.calculateLinearInterest: RAY + rate * dt / year (the liquidity index grows linearly).
    function linearInterest(uint256 rate, uint256 lastUpdate) internal view returns (uint256) {
        return RAY + (rate * (block.timestamp - lastUpdate)) / SECONDS_PER_YEAR;
    }

    /// @dev MathUtils.calculateCompoundedInterest: the three-term binomial approximation of (1 + r/year)^dt.
    function compoundedInterest(uint256 rate, uint256 lastUpdate) internal view returns (uint256) {
        uint256 exp = block.timestamp - lastUpdate;
        if (exp == 0) return RAY;
        uint256 expMinusOne = exp - 1;
        uint256 expMinusTwo = exp > 2 ? exp - 2 : 0;
        uint256 basePowerTwo = rayMul(rate, rate) / (SECONDS_PER_YEAR * SECONDS_PER_YEAR);
        uint256 basePowerThree = rayMul(basePowerTwo, rate) / SECONDS_PER_YEAR;
        uint256 secondTerm = (exp * expMinusOne * basePowerTwo) / 2;
        uint256 thirdTerm = (exp * expMinusOne * expMinusTwo * basePowerThree) / 6;
        return RAY + (rate * exp) / SECONDS_PER_YEAR + secondTerm + thirdTerm;
    }
}
