// SPDX-License-Identifier: MIT
pragma solidity ^0.8.19;

import {IIrm} from "@morpho-org/morpho-blue/src/interfaces/IIrm.sol";
import {Id, Market, MarketParams} from "@morpho-org/morpho-blue/src/interfaces/IMorpho.sol";
import {MarketParamsLib} from "@morpho-org/morpho-blue/src/libraries/MarketParamsLib.sol";

/// @title AdaptiveCurveIrm
/// @notice This project's implementation of Morpho's AdaptiveCurve interest-rate model, written from the
/// model's published description (Morpho Blue IRM documentation): the borrow rate is a curve of the
/// utilization around a "rate at target" (the rate at 90% utilization); the rate at target moves
/// exponentially with time, faster the further utilization is from the target, clamped to [0.1%, 200%]
/// APR. Morpho calls `borrowRate` on every accrual and receives the average rate over the elapsed time
/// (trapezoidal rule, two steps, as the model specifies). No package ships this contract, so the devnet
/// deploys this one; test/contracts/morpho.irm.property.test.ts checks it against the SDK's
/// AdaptiveCurveIrmLib to the wei.
contract AdaptiveCurveIrm is IIrm {
    using MarketParamsLib for MarketParams;

    int256 internal constant WAD = 1e18;
    int256 internal constant SECONDS_PER_YEAR = 365 days;

    /// @notice Curve steepness: the rate at 100% utilization is 4x the rate at target, at 0% a quarter.
    int256 public constant CURVE_STEEPNESS = 4 ether;
    /// @notice Speed (per second, WAD) at which the rate at target adapts when utilization is at 100%.
    int256 public constant ADJUSTMENT_SPEED = 50 ether / SECONDS_PER_YEAR;
    /// @notice The utilization the model steers towards.
    int256 public constant TARGET_UTILIZATION = 0.9 ether;
    /// @notice Rate at target of a market's first interaction: 4% APR.
    int256 public constant INITIAL_RATE_AT_TARGET = 0.04 ether / SECONDS_PER_YEAR;
    int256 public constant MIN_RATE_AT_TARGET = 0.001 ether / SECONDS_PER_YEAR;
    int256 public constant MAX_RATE_AT_TARGET = 2 ether / SECONDS_PER_YEAR;

    /// @dev ln(2) and ln(1e-18), WAD-scaled.
    int256 internal constant LN_2 = 0.693147180559945309 ether;
    int256 internal constant LN_WEI = -41.446531673892822312 ether;
    /// @dev Above this exponent the approximation would overflow once multiplied by 1 ether:
    /// ln(type(int256).max / 1e36), WAD-scaled and floored. Its value is taken as the cap.
    int256 internal constant EXP_UPPER_BOUND = 93.859467695000404319 ether;

    address public immutable MORPHO;
    /// @notice Rate at target per market, per second, WAD-scaled (0 before the first interaction).
    mapping(Id => int256) public rateAtTarget;

    event BorrowRateUpdate(Id indexed id, uint256 avgBorrowRate, uint256 rateAtTarget);

    error NotMorpho();
    error ZeroAddress();

    constructor(address morpho) {
        if (morpho == address(0)) revert ZeroAddress();
        MORPHO = morpho;
    }

    function borrowRateView(MarketParams memory marketParams, Market memory market) external view returns (uint256) {
        (uint256 avgRate,) = _borrowRate(marketParams.id(), market);
        return avgRate;
    }

    /// @dev Only Morpho may move a market's rate at target: anyone else could otherwise replay elapsed time.
    function borrowRate(MarketParams memory marketParams, Market memory market) external returns (uint256) {
        if (msg.sender != MORPHO) revert NotMorpho();
        Id id = marketParams.id();
        (uint256 avgRate, int256 endRateAtTarget) = _borrowRate(id, market);
        rateAtTarget[id] = endRateAtTarget;
        emit BorrowRateUpdate(id, avgRate, uint256(endRateAtTarget));
        return avgRate;
    }

    function _borrowRate(Id id, Market memory market) private view returns (uint256, int256) {
        int256 utilization = market.totalSupplyAssets > 0
            ? int256(uint256(market.totalBorrowAssets) * uint256(WAD) / market.totalSupplyAssets)
            : int256(0);
        // err in [-1, 1]: distance from the target, normalised by the room on that side of it.
        int256 errNormFactor = utilization > TARGET_UTILIZATION ? WAD - TARGET_UTILIZATION : TARGET_UTILIZATION;
        int256 err = _wDivToZero(utilization - TARGET_UTILIZATION, errNormFactor);

        int256 startRateAtTarget = rateAtTarget[id];
        int256 avgRateAtTarget;
        int256 endRateAtTarget;
        if (startRateAtTarget == 0) {
            avgRateAtTarget = INITIAL_RATE_AT_TARGET;
            endRateAtTarget = INITIAL_RATE_AT_TARGET;
        } else {
            int256 speed = _wMulToZero(ADJUSTMENT_SPEED, err);
            int256 elapsed = int256(block.timestamp - market.lastUpdate);
            int256 linearAdaptation = speed * elapsed;
            if (linearAdaptation == 0) {
                avgRateAtTarget = startRateAtTarget;
                endRateAtTarget = startRateAtTarget;
            } else {
                endRateAtTarget = _newRateAtTarget(startRateAtTarget, linearAdaptation);
                // Average over the period by the trapezoidal rule with two steps: start, middle, end.
                int256 midRateAtTarget = _newRateAtTarget(startRateAtTarget, linearAdaptation / 2);
                avgRateAtTarget = (startRateAtTarget + endRateAtTarget + 2 * midRateAtTarget) / 4;
            }
        }
        return (uint256(_curve(avgRateAtTarget, err)), endRateAtTarget);
    }

    /// @dev The rate for a given rate at target and err: linear on each side of the target.
    function _curve(int256 rateAtTargetValue, int256 err) private pure returns (int256) {
        int256 coeff = err < 0 ? WAD - _wDivToZero(WAD, CURVE_STEEPNESS) : CURVE_STEEPNESS - WAD;
        return _wMulToZero(_wMulToZero(coeff, err) + WAD, rateAtTargetValue);
    }

    function _newRateAtTarget(int256 startRateAtTarget, int256 linearAdaptation) private pure returns (int256) {
        int256 rate = _wMulToZero(startRateAtTarget, _wExp(linearAdaptation));
        if (rate < MIN_RATE_AT_TARGET) return MIN_RATE_AT_TARGET;
        if (rate > MAX_RATE_AT_TARGET) return MAX_RATE_AT_TARGET;
        return rate;
    }

    /// @dev exp(x) for WAD-scaled x, as the model defines it: x = q*ln(2) + r with q rounded half away from
    /// zero and |r| <= ln(2)/2, e^r by its second-order Taylor polynomial, then shifted by q.
    function _wExp(int256 x) private pure returns (int256) {
        if (x < LN_WEI) return 0;
        if (x >= EXP_UPPER_BOUND) x = EXP_UPPER_BOUND;
        int256 roundingAdjustment = x < 0 ? -(LN_2 / 2) : LN_2 / 2;
        int256 q = (x + roundingAdjustment) / LN_2;
        int256 r = x - q * LN_2;
        int256 expR = WAD + r + (r * r) / WAD / 2;
        return q >= 0 ? expR << uint256(q) : expR >> uint256(-q);
    }

    function _wMulToZero(int256 x, int256 y) private pure returns (int256) {
        return (x * y) / WAD;
    }

    function _wDivToZero(int256 x, int256 y) private pure returns (int256) {
        return (x * WAD) / y;
    }
}
