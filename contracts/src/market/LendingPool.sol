// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {MarketMath} from "./MarketMath.sol";

interface IMarketToken {
    function balanceOf(address account) external view returns (uint256);
}

interface ILatestAnswer {
    function latestAnswer() external view returns (int256);
}

/// @title LendingPool
/// @notice A compact lending pool with Aave v3's semantics and Aave v3's IPool events: ray liquidity and
///         variable-borrow indexes, scaled balances kept inside the pool (no aToken/debt-token contracts),
///         GenericLogic account data, ValidationLogic checks and LiquidationLogic amounts (v3.0.2 rules,
///         close factor 50% / 100% below HF 0.95). Prices come from Chainlink-compatible feeds (8 decimals,
///         USD). Omitted: stable rate, eMode, isolation mode, caps, flash loans, treasury, reserve factor,
///         liquidation protocol fee, credit delegation.
contract LendingPool {
    using MarketMath for uint256;

    struct Reserve {
        address priceFeed;
        uint16 ltv;
        uint16 liquidationThreshold;
        uint16 liquidationBonus;
        uint8 decimals;
        uint40 lastUpdateTimestamp;
        uint128 liquidityIndex;
        uint128 variableBorrowIndex;
        uint128 currentLiquidityRate;
        uint128 currentVariableBorrowRate;
        uint256 totalScaledSupply;
        uint256 totalScaledVariableDebt;
    }

    struct UserReserve {
        uint256 scaledCollateral;
        uint256 scaledDebt;
        bool usedAsCollateral;
    }

    /// @dev What `getReserveData` returns (a named tuple for viem / Ponder).
    struct ReserveDataView {
        address priceFeed;
        uint256 ltv;
        uint256 liquidationThreshold;
        uint256 liquidationBonus;
        uint256 decimals;
        uint256 liquidityIndex;
        uint256 variableBorrowIndex;
        uint256 currentLiquidityRate;
        uint256 currentVariableBorrowRate;
        uint256 lastUpdateTimestamp;
        uint256 totalScaledSupply;
        uint256 totalScaledVariableDebt;
    }

    struct LiquidationAmounts {
        uint256 userDebt;
        uint256 userCollateralBalance;
        uint256 debtToLiquidate;
        uint256 collateralToLiquidate;
    }

    struct AccountData {
        uint256 totalCollateralBase;
        uint256 totalDebtBase;
        uint256 ltv;
        uint256 liquidationThreshold;
        uint256 healthFactor;
    }

    uint256 public constant HEALTH_FACTOR_LIQUIDATION_THRESHOLD = 1e18;
    uint256 public constant CLOSE_FACTOR_HF_THRESHOLD = 0.95e18;
    uint256 public constant DEFAULT_LIQUIDATION_CLOSE_FACTOR = 0.5e4;
    uint256 public constant MAX_LIQUIDATION_CLOSE_FACTOR = 1e4;
    uint256 public constant VARIABLE_RATE_MODE = 2;

    /// @notice Two-slope rate model (Aave's DefaultReserveInterestRateStrategy), the same for every reserve.
    uint256 public constant OPTIMAL_USAGE_RATIO = 0.8e27;
    uint256 public constant BASE_VARIABLE_BORROW_RATE = 0.02e27;
    uint256 public constant VARIABLE_RATE_SLOPE1 = 0.08e27;
    uint256 public constant VARIABLE_RATE_SLOPE2 = 1e27;

    address public owner;
    address[] private _reservesList;
    mapping(address => Reserve) private _reserves;
    mapping(address => mapping(address => UserReserve)) private _users;
    bool private transient _locked;

    // Aave v3 IPool events: same names, parameter types and indexed flags.
    event Supply(
        address indexed reserve, address user, address indexed onBehalfOf, uint256 amount, uint16 indexed referralCode
    );
    event Withdraw(address indexed reserve, address indexed user, address indexed to, uint256 amount);
    event Borrow(
        address indexed reserve,
        address user,
        address indexed onBehalfOf,
        uint256 amount,
        uint8 interestRateMode,
        uint256 borrowRate,
        uint16 indexed referralCode
    );
    event Repay(
        address indexed reserve, address indexed user, address indexed repayer, uint256 amount, bool useATokens
    );
    event LiquidationCall(
        address indexed collateralAsset,
        address indexed debtAsset,
        address indexed user,
        uint256 debtToCover,
        uint256 liquidatedCollateralAmount,
        address liquidator,
        bool receiveAToken
    );
    event ReserveDataUpdated(
        address indexed reserve,
        uint256 liquidityRate,
        uint256 stableBorrowRate,
        uint256 variableBorrowRate,
        uint256 liquidityIndex,
        uint256 variableBorrowIndex
    );
    event ReserveUsedAsCollateralEnabled(address indexed reserve, address indexed user);
    event ReserveUsedAsCollateralDisabled(address indexed reserve, address indexed user);
    // Aave v3 IPoolConfigurator event.
    event CollateralConfigurationChanged(
        address indexed asset, uint256 ltv, uint256 liquidationThreshold, uint256 liquidationBonus
    );
    // Ours: Aave's ReserveInitialized names aToken/debt-token contracts that do not exist here.
    event ReserveInitialized(address indexed asset, address indexed priceFeed, uint8 decimals);
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    error NotOwner(address caller);
    error ZeroAddress();
    error Reentrancy();
    error ReserveAlreadyInitialized(address asset);
    error ReserveNotActive(address asset);
    error InvalidReserveParams();
    error InvalidAmount();
    error InvalidInterestRateMode(uint256 mode);
    error CreditDelegationNotSupported();
    error NoExplicitAmountToRepayOnBehalf();
    error NotEnoughAvailableUserBalance(uint256 requested, uint256 available);
    error InsufficientLiquidity(address asset);
    error CollateralBalanceIsZero();
    error LtvValidationFailed();
    error HealthFactorLowerThanLiquidationThreshold(uint256 healthFactor);
    error CollateralCannotCoverNewBorrow(uint256 collateralNeededBase, uint256 collateralBase);
    error NoDebtOfSelectedType();
    error UnderlyingBalanceZero();
    error HealthFactorNotBelowThreshold(uint256 healthFactor);
    error CollateralCannotBeLiquidated();
    error SpecifiedCurrencyNotBorrowedByUser();
    error InvalidPrice(address asset, int256 answer);
    error TransferFailed(address token);

    constructor(address owner_) {
        if (owner_ == address(0)) revert ZeroAddress();
        owner = owner_;
        emit OwnershipTransferred(address(0), owner_);
    }

    modifier onlyOwner() {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        _;
    }

    modifier nonReentrant() {
        if (_locked) revert Reentrancy();
        _locked = true;
        _;
        _locked = false;
    }

    // ---------------------------------------------------------------- admin

    function transferOwnership(address newOwner) external onlyOwner {
        if (newOwner == address(0)) revert ZeroAddress();
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }

    /// @notice Lists `asset`. ltv, liquidationThreshold in bps; liquidationBonus in Aave's form (10500 = +5%).
    function initReserve(
        address asset,
        address priceFeed,
        uint16 ltv,
        uint16 liquidationThreshold,
        uint16 liquidationBonus,
        uint8 decimals
    ) external onlyOwner {
        if (asset == address(0) || priceFeed == address(0)) revert ZeroAddress();
        if (_reserves[asset].priceFeed != address(0)) revert ReserveAlreadyInitialized(asset);
        if (decimals > 36) revert InvalidReserveParams();
        Reserve storage reserve = _reserves[asset];
        reserve.priceFeed = priceFeed;
        reserve.decimals = decimals;
        reserve.lastUpdateTimestamp = uint40(block.timestamp);
        reserve.liquidityIndex = uint128(MarketMath.RAY);
        reserve.variableBorrowIndex = uint128(MarketMath.RAY);
        reserve.currentVariableBorrowRate = uint128(BASE_VARIABLE_BORROW_RATE);
        _reservesList.push(asset);
        emit ReserveInitialized(asset, priceFeed, decimals);
        _configure(asset, ltv, liquidationThreshold, liquidationBonus);
    }

    /// @notice PoolConfigurator.configureReserveAsCollateral: same validation, same event.
    function configureReserveAsCollateral(
        address asset,
        uint16 ltv,
        uint16 liquidationThreshold,
        uint16 liquidationBonus
    ) external onlyOwner {
        _activeReserve(asset);
        _configure(asset, ltv, liquidationThreshold, liquidationBonus);
    }

    function _configure(address asset, uint16 ltv, uint16 threshold, uint16 bonus) private {
        if (ltv > threshold) revert InvalidReserveParams();
        if (threshold != 0) {
            if (bonus <= MarketMath.PERCENTAGE_FACTOR) revert InvalidReserveParams();
            if (uint256(threshold).percentMul(bonus) > MarketMath.PERCENTAGE_FACTOR) revert InvalidReserveParams();
        } else if (bonus != 0) {
            revert InvalidReserveParams();
        }
        Reserve storage reserve = _reserves[asset];
        reserve.ltv = ltv;
        reserve.liquidationThreshold = threshold;
        reserve.liquidationBonus = bonus;
        emit CollateralConfigurationChanged(asset, ltv, threshold, bonus);
    }

    // ---------------------------------------------------------------- user actions

    function supply(address asset, uint256 amount, address onBehalfOf, uint16 referralCode) external nonReentrant {
        Reserve storage reserve = _activeReserve(asset);
        if (amount == 0) revert InvalidAmount();
        if (onBehalfOf == address(0)) revert ZeroAddress();
        _updateState(reserve);
        _updateInterestRates(reserve, asset, amount, 0);
        _safeTransferFrom(asset, msg.sender, amount);

        UserReserve storage position = _users[onBehalfOf][asset];
        uint256 scaled = amount.rayDiv(reserve.liquidityIndex);
        if (scaled == 0) revert InvalidAmount();
        bool isFirstSupply = position.scaledCollateral == 0;
        position.scaledCollateral += scaled;
        reserve.totalScaledSupply += scaled;
        if (isFirstSupply && reserve.ltv != 0 && !position.usedAsCollateral) {
            position.usedAsCollateral = true;
            emit ReserveUsedAsCollateralEnabled(asset, onBehalfOf);
        }
        emit Supply(asset, msg.sender, onBehalfOf, amount, referralCode);
    }

    /// @notice Withdraws `amount` (type(uint256).max = everything) to `to`; reverts if HF would end below 1.
    function withdraw(address asset, uint256 amount, address to) external nonReentrant returns (uint256) {
        Reserve storage reserve = _activeReserve(asset);
        if (to == address(0)) revert ZeroAddress();
        _updateState(reserve);
        UserReserve storage position = _users[msg.sender][asset];
        uint256 balance = position.scaledCollateral.rayMul(reserve.liquidityIndex);
        uint256 amountToWithdraw = amount == type(uint256).max ? balance : amount;
        if (amountToWithdraw == 0) revert InvalidAmount();
        if (amountToWithdraw > balance) revert NotEnoughAvailableUserBalance(amountToWithdraw, balance);

        _updateInterestRates(reserve, asset, 0, amountToWithdraw);
        uint256 scaled = amountToWithdraw == balance
            ? position.scaledCollateral
            : amountToWithdraw.rayDiv(reserve.liquidityIndex);
        position.scaledCollateral -= scaled;
        reserve.totalScaledSupply -= scaled;

        if (position.usedAsCollateral) {
            if (amountToWithdraw == balance) {
                position.usedAsCollateral = false;
                emit ReserveUsedAsCollateralDisabled(asset, msg.sender);
            }
            _requireHealthy(msg.sender);
        }
        _safeTransfer(asset, to, amountToWithdraw);
        emit Withdraw(asset, msg.sender, to, amountToWithdraw);
        return amountToWithdraw;
    }

    /// @notice Borrows at the variable rate (interestRateMode must be 2) for the caller (onBehalfOf == caller).
    function borrow(address asset, uint256 amount, uint256 interestRateMode, uint16 referralCode, address onBehalfOf)
        external
        nonReentrant
    {
        Reserve storage reserve = _activeReserve(asset);
        if (interestRateMode != VARIABLE_RATE_MODE) revert InvalidInterestRateMode(interestRateMode);
        if (onBehalfOf != msg.sender) revert CreditDelegationNotSupported();
        if (amount == 0) revert InvalidAmount();
        _updateState(reserve);
        _validateBorrow(reserve, asset, amount, onBehalfOf);

        uint256 scaled = amount.rayDiv(reserve.variableBorrowIndex);
        if (scaled == 0) revert InvalidAmount();
        _users[onBehalfOf][asset].scaledDebt += scaled;
        reserve.totalScaledVariableDebt += scaled;
        _updateInterestRates(reserve, asset, 0, amount);
        _safeTransfer(asset, msg.sender, amount);
        emit Borrow(
            asset,
            msg.sender,
            onBehalfOf,
            amount,
            uint8(VARIABLE_RATE_MODE),
            reserve.currentVariableBorrowRate,
            referralCode
        );
    }

    /// @notice Repays up to `amount` (type(uint256).max = all, only for one's own debt); returns what was repaid.
    function repay(address asset, uint256 amount, uint256 interestRateMode, address onBehalfOf)
        external
        nonReentrant
        returns (uint256)
    {
        Reserve storage reserve = _activeReserve(asset);
        if (interestRateMode != VARIABLE_RATE_MODE) revert InvalidInterestRateMode(interestRateMode);
        if (amount == 0) revert InvalidAmount();
        if (amount == type(uint256).max && onBehalfOf != msg.sender) revert NoExplicitAmountToRepayOnBehalf();
        _updateState(reserve);
        UserReserve storage position = _users[onBehalfOf][asset];
        uint256 debt = position.scaledDebt.rayMul(reserve.variableBorrowIndex);
        if (debt == 0) revert NoDebtOfSelectedType();
        uint256 paybackAmount = amount < debt ? amount : debt;
        _burnDebt(reserve, position, paybackAmount, debt);
        _updateInterestRates(reserve, asset, paybackAmount, 0);
        _safeTransferFrom(asset, msg.sender, paybackAmount);
        emit Repay(asset, onBehalfOf, msg.sender, paybackAmount, false);
        return paybackAmount;
    }

    function setUserUseReserveAsCollateral(address asset, bool useAsCollateral) external nonReentrant {
        Reserve storage reserve = _activeReserve(asset);
        UserReserve storage position = _users[msg.sender][asset];
        if (position.scaledCollateral.rayMul(_normalizedIncome(reserve)) == 0) revert UnderlyingBalanceZero();
        if (useAsCollateral == position.usedAsCollateral) return;
        position.usedAsCollateral = useAsCollateral;
        if (useAsCollateral) {
            if (reserve.ltv == 0) revert LtvValidationFailed();
            emit ReserveUsedAsCollateralEnabled(asset, msg.sender);
        } else {
            _requireHealthy(msg.sender);
            emit ReserveUsedAsCollateralDisabled(asset, msg.sender);
        }
    }

    /// @notice Aave v3.0.2 LiquidationLogic.executeLiquidationCall without the protocol fee.
    function liquidationCall(
        address collateralAsset,
        address debtAsset,
        address user,
        uint256 debtToCover,
        bool receiveAToken
    ) external nonReentrant {
        Reserve storage debtReserve = _activeReserve(debtAsset);
        _updateState(debtReserve);
        LiquidationAmounts memory amounts = _liquidationAmounts(collateralAsset, debtAsset, user, debtToCover);

        _burnDebt(debtReserve, _users[user][debtAsset], amounts.debtToLiquidate, amounts.userDebt);
        _updateInterestRates(debtReserve, debtAsset, amounts.debtToLiquidate, 0);
        if (amounts.collateralToLiquidate == amounts.userCollateralBalance) {
            _users[user][collateralAsset].usedAsCollateral = false;
            emit ReserveUsedAsCollateralDisabled(collateralAsset, user);
        }
        _seizeCollateral(collateralAsset, user, amounts, receiveAToken);
        _safeTransferFrom(debtAsset, msg.sender, amounts.debtToLiquidate);
        emit LiquidationCall(
            collateralAsset,
            debtAsset,
            user,
            amounts.debtToLiquidate,
            amounts.collateralToLiquidate,
            msg.sender,
            receiveAToken
        );
    }

    // ---------------------------------------------------------------- views

    /// @notice Aave v3 IPool.getUserAccountData: base currency = USD with 8 decimals, HF in wad.
    function getUserAccountData(address user)
        external
        view
        returns (
            uint256 totalCollateralBase,
            uint256 totalDebtBase,
            uint256 availableBorrowsBase,
            uint256 currentLiquidationThreshold,
            uint256 ltv,
            uint256 healthFactor
        )
    {
        AccountData memory data = _accountData(user);
        uint256 borrowable = data.totalCollateralBase.percentMul(data.ltv);
        availableBorrowsBase = borrowable > data.totalDebtBase ? borrowable - data.totalDebtBase : 0;
        return (
            data.totalCollateralBase,
            data.totalDebtBase,
            availableBorrowsBase,
            data.liquidationThreshold,
            data.ltv,
            data.healthFactor
        );
    }

    function getReserveData(address asset) external view returns (ReserveDataView memory data) {
        Reserve storage reserve = _activeReserve(asset);
        data = ReserveDataView({
            priceFeed: reserve.priceFeed,
            ltv: reserve.ltv,
            liquidationThreshold: reserve.liquidationThreshold,
            liquidationBonus: reserve.liquidationBonus,
            decimals: reserve.decimals,
            liquidityIndex: reserve.liquidityIndex,
            variableBorrowIndex: reserve.variableBorrowIndex,
            currentLiquidityRate: reserve.currentLiquidityRate,
            currentVariableBorrowRate: reserve.currentVariableBorrowRate,
            lastUpdateTimestamp: reserve.lastUpdateTimestamp,
            totalScaledSupply: reserve.totalScaledSupply,
            totalScaledVariableDebt: reserve.totalScaledVariableDebt
        });
    }

    /// @notice The liquidity index as of now (ray): collateral = scaledCollateral.rayMul(this).
    function getReserveNormalizedIncome(address asset) external view returns (uint256) {
        return _normalizedIncome(_activeReserve(asset));
    }

    /// @notice The variable borrow index as of now (ray): debt = scaledDebt.rayMul(this).
    function getReserveNormalizedVariableDebt(address asset) external view returns (uint256) {
        return _normalizedDebt(_activeReserve(asset));
    }

    function getUserReserve(address user, address asset)
        external
        view
        returns (uint256 scaledCollateral, uint256 scaledDebt, bool usedAsCollateral)
    {
        UserReserve storage position = _users[user][asset];
        return (position.scaledCollateral, position.scaledDebt, position.usedAsCollateral);
    }

    /// @notice The user's collateral in token units now (the aToken balanceOf of Aave).
    function getUserCollateralBalance(address user, address asset) external view returns (uint256) {
        return _users[user][asset].scaledCollateral.rayMul(_normalizedIncome(_activeReserve(asset)));
    }

    /// @notice The user's variable debt in token units now (the variable debt token balanceOf of Aave).
    function getUserDebtBalance(address user, address asset) external view returns (uint256) {
        return _users[user][asset].scaledDebt.rayMul(_normalizedDebt(_activeReserve(asset)));
    }

    function getReservesList() external view returns (address[] memory) {
        return _reservesList;
    }

    /// @notice AaveOracle.getAssetPrice: the feed's latest answer (8 decimals, USD).
    function getAssetPrice(address asset) external view returns (uint256) {
        return _price(_activeReserve(asset), asset);
    }

    // ---------------------------------------------------------------- internals

    function _activeReserve(address asset) private view returns (Reserve storage reserve) {
        reserve = _reserves[asset];
        if (reserve.priceFeed == address(0)) revert ReserveNotActive(asset);
    }

    function _price(Reserve storage reserve, address asset) private view returns (uint256) {
        int256 answer = ILatestAnswer(reserve.priceFeed).latestAnswer();
        if (answer <= 0) revert InvalidPrice(asset, answer);
        return uint256(answer);
    }

    function _normalizedIncome(Reserve storage reserve) private view returns (uint256) {
        uint256 last = reserve.lastUpdateTimestamp;
        if (last == block.timestamp) return reserve.liquidityIndex;
        return MarketMath.linearInterest(reserve.currentLiquidityRate, last).rayMul(reserve.liquidityIndex);
    }

    function _normalizedDebt(Reserve storage reserve) private view returns (uint256) {
        uint256 last = reserve.lastUpdateTimestamp;
        if (last == block.timestamp) return reserve.variableBorrowIndex;
        return MarketMath.compoundedInterest(reserve.currentVariableBorrowRate, last).rayMul(
            reserve.variableBorrowIndex
        );
    }

    /// @dev ReserveLogic.updateState/_updateIndexes (no treasury accrual).
    function _updateState(Reserve storage reserve) private {
        uint256 last = reserve.lastUpdateTimestamp;
        if (last == block.timestamp) return;
        if (reserve.currentLiquidityRate != 0) {
            reserve.liquidityIndex = uint128(
                MarketMath.linearInterest(reserve.currentLiquidityRate, last).rayMul(reserve.liquidityIndex)
            );
        }
        if (reserve.totalScaledVariableDebt != 0) {
            reserve.variableBorrowIndex = uint128(
                MarketMath.compoundedInterest(reserve.currentVariableBorrowRate, last).rayMul(
                    reserve.variableBorrowIndex
                )
            );
        }
        reserve.lastUpdateTimestamp = uint40(block.timestamp);
    }

    /// @dev ReserveLogic.updateInterestRates with DefaultReserveInterestRateStrategy (variable debt only,
    ///      reserve factor 0). Called before the token transfer, with the liquidity it is about to add or take.
    function _updateInterestRates(Reserve storage reserve, address asset, uint256 added, uint256 taken) private {
        uint256 totalDebt = reserve.totalScaledVariableDebt.rayMul(reserve.variableBorrowIndex);
        uint256 available = IMarketToken(asset).balanceOf(address(this)) + added;
        if (available < taken) revert InsufficientLiquidity(asset);
        available -= taken;
        uint256 usage = totalDebt == 0 ? 0 : totalDebt.rayDiv(available + totalDebt);
        uint256 variableRate = BASE_VARIABLE_BORROW_RATE;
        if (usage > OPTIMAL_USAGE_RATIO) {
            uint256 excess = (usage - OPTIMAL_USAGE_RATIO).rayDiv(MarketMath.RAY - OPTIMAL_USAGE_RATIO);
            variableRate += VARIABLE_RATE_SLOPE1 + VARIABLE_RATE_SLOPE2.rayMul(excess);
        } else {
            variableRate += VARIABLE_RATE_SLOPE1.rayMul(usage).rayDiv(OPTIMAL_USAGE_RATIO);
        }
        uint256 liquidityRate = totalDebt == 0 ? 0 : variableRate.rayMul(usage);
        reserve.currentLiquidityRate = uint128(liquidityRate);
        reserve.currentVariableBorrowRate = uint128(variableRate);
        emit ReserveDataUpdated(
            asset, liquidityRate, 0, variableRate, reserve.liquidityIndex, reserve.variableBorrowIndex
        );
    }

    /// @dev GenericLogic.calculateUserAccountData over every listed reserve (no eMode).
    function _accountData(address user) private view returns (AccountData memory data) {
        uint256 weightedLtv;
        uint256 weightedThreshold;
        uint256 count = _reservesList.length;
        for (uint256 i; i < count; ++i) {
            address asset = _reservesList[i];
            UserReserve storage position = _users[user][asset];
            bool isCollateral = position.usedAsCollateral && position.scaledCollateral != 0;
            if (!isCollateral && position.scaledDebt == 0) continue;
            Reserve storage reserve = _reserves[asset];
            uint256 price = _price(reserve, asset);
            uint256 unit = 10 ** reserve.decimals;
            if (isCollateral && reserve.liquidationThreshold != 0) {
                uint256 value = (position.scaledCollateral.rayMul(_normalizedIncome(reserve)) * price) / unit;
                data.totalCollateralBase += value;
                weightedLtv += value * reserve.ltv;
                weightedThreshold += value * reserve.liquidationThreshold;
            }
            if (position.scaledDebt != 0) {
                data.totalDebtBase += (position.scaledDebt.rayMul(_normalizedDebt(reserve)) * price) / unit;
            }
        }
        if (data.totalCollateralBase != 0) {
            data.ltv = weightedLtv / data.totalCollateralBase;
            data.liquidationThreshold = weightedThreshold / data.totalCollateralBase;
        }
        data.healthFactor = data.totalDebtBase == 0
            ? type(uint256).max
            : data.totalCollateralBase.percentMul(data.liquidationThreshold).wadDiv(data.totalDebtBase);
    }

    function _requireHealthy(address user) private view {
        uint256 healthFactor = _accountData(user).healthFactor;
        if (healthFactor < HEALTH_FACTOR_LIQUIDATION_THRESHOLD) {
            revert HealthFactorLowerThanLiquidationThreshold(healthFactor);
        }
    }

    /// @dev ValidationLogic.validateBorrow's collateral checks, on the state before the new debt.
    function _validateBorrow(Reserve storage reserve, address asset, uint256 amount, address user) private view {
        AccountData memory data = _accountData(user);
        if (data.totalCollateralBase == 0) revert CollateralBalanceIsZero();
        if (data.ltv == 0) revert LtvValidationFailed();
        if (data.healthFactor <= HEALTH_FACTOR_LIQUIDATION_THRESHOLD) {
            revert HealthFactorLowerThanLiquidationThreshold(data.healthFactor);
        }
        uint256 amountInBase = (_price(reserve, asset) * amount) / 10 ** reserve.decimals;
        uint256 collateralNeeded = (data.totalDebtBase + amountInBase).percentDiv(data.ltv);
        if (collateralNeeded > data.totalCollateralBase) {
            revert CollateralCannotCoverNewBorrow(collateralNeeded, data.totalCollateralBase);
        }
    }

    /// @dev LiquidationLogic validation, close factor and _calculateAvailableCollateralToLiquidate (v3.0.2),
    ///      without the protocol fee. The debt reserve's state must already be updated.
    function _liquidationAmounts(address collateralAsset, address debtAsset, address user, uint256 debtToCover)
        private
        view
        returns (LiquidationAmounts memory amounts)
    {
        Reserve storage collateralReserve = _activeReserve(collateralAsset);
        Reserve storage debtReserve = _reserves[debtAsset];
        UserReserve storage collateralPosition = _users[user][collateralAsset];
        amounts.userDebt = _users[user][debtAsset].scaledDebt.rayMul(debtReserve.variableBorrowIndex);
        uint256 healthFactor = _accountData(user).healthFactor;
        if (healthFactor >= HEALTH_FACTOR_LIQUIDATION_THRESHOLD) revert HealthFactorNotBelowThreshold(healthFactor);
        if (collateralReserve.liquidationThreshold == 0 || !collateralPosition.usedAsCollateral) {
            revert CollateralCannotBeLiquidated();
        }
        if (amounts.userDebt == 0) revert SpecifiedCurrencyNotBorrowedByUser();

        uint256 closeFactor = healthFactor > CLOSE_FACTOR_HF_THRESHOLD
            ? DEFAULT_LIQUIDATION_CLOSE_FACTOR
            : MAX_LIQUIDATION_CLOSE_FACTOR;
        uint256 maxLiquidatableDebt = amounts.userDebt.percentMul(closeFactor);
        amounts.debtToLiquidate = debtToCover > maxLiquidatableDebt ? maxLiquidatableDebt : debtToCover;
        amounts.userCollateralBalance = collateralPosition.scaledCollateral.rayMul(
            _normalizedIncome(collateralReserve)
        );

        (amounts.collateralToLiquidate, amounts.debtToLiquidate) = _availableCollateralToLiquidate(
            collateralAsset, debtAsset, amounts.debtToLiquidate, amounts.userCollateralBalance
        );
        if (amounts.debtToLiquidate == 0 || amounts.collateralToLiquidate == 0) revert InvalidAmount();
    }

    /// @dev LiquidationLogic._calculateAvailableCollateralToLiquidate; returns the debt actually repaid, which
    ///      is lower than `debtToCover` when the user's collateral balance caps the seizure.
    function _availableCollateralToLiquidate(
        address collateralAsset,
        address debtAsset,
        uint256 debtToCover,
        uint256 userCollateralBalance
    ) private view returns (uint256 collateralAmount, uint256 debtRepaid) {
        Reserve storage collateralReserve = _reserves[collateralAsset];
        uint256 collateralPrice = _price(collateralReserve, collateralAsset);
        uint256 debtPrice = _price(_reserves[debtAsset], debtAsset);
        uint256 collateralUnit = 10 ** collateralReserve.decimals;
        uint256 debtUnit = 10 ** _reserves[debtAsset].decimals;
        uint256 bonus = collateralReserve.liquidationBonus;
        collateralAmount = ((debtPrice * debtToCover * collateralUnit) / (collateralPrice * debtUnit)).percentMul(bonus);
        debtRepaid = debtToCover;
        if (collateralAmount > userCollateralBalance) {
            collateralAmount = userCollateralBalance;
            uint256 debtAmountNeeded = (
                (collateralPrice * collateralAmount * debtUnit) / (debtPrice * collateralUnit)
            ).percentDiv(bonus);
            if (debtAmountNeeded < debtRepaid) debtRepaid = debtAmountNeeded;
        }
    }

    /// @dev Burns `amount` of debt; the whole scaled balance when the whole `debt` is repaid (no dust).
    function _burnDebt(Reserve storage reserve, UserReserve storage position, uint256 amount, uint256 debt) private {
        uint256 scaled = amount == debt ? position.scaledDebt : amount.rayDiv(reserve.variableBorrowIndex);
        position.scaledDebt -= scaled;
        reserve.totalScaledVariableDebt -= scaled;
    }

    function _seizeCollateral(address asset, address user, LiquidationAmounts memory amounts, bool receiveAToken)
        private
    {
        Reserve storage reserve = _reserves[asset];
        UserReserve storage from = _users[user][asset];
        uint256 amount = amounts.collateralToLiquidate;
        bool all = amount == amounts.userCollateralBalance;
        if (receiveAToken) {
            // Aave's aToken transferOnLiquidation: scaled at the current normalized income.
            uint256 scaled = all ? from.scaledCollateral : amount.rayDiv(_normalizedIncome(reserve));
            UserReserve storage to = _users[msg.sender][asset];
            bool wasEmpty = to.scaledCollateral == 0;
            from.scaledCollateral -= scaled;
            to.scaledCollateral += scaled;
            if (wasEmpty && reserve.ltv != 0 && !to.usedAsCollateral) {
                to.usedAsCollateral = true;
                emit ReserveUsedAsCollateralEnabled(asset, msg.sender);
            }
            return;
        }
        _updateState(reserve);
        uint256 burned = all ? from.scaledCollateral : amount.rayDiv(reserve.liquidityIndex);
        from.scaledCollateral -= burned;
        reserve.totalScaledSupply -= burned;
        _updateInterestRates(reserve, asset, 0, amount);
        _safeTransfer(asset, msg.sender, amount);
    }

    function _safeTransfer(address token, address to, uint256 amount) private {
        (bool ok, bytes memory data) = token.call(abi.encodeWithSelector(0xa9059cbb, to, amount));
        if (!ok || (data.length != 0 && !abi.decode(data, (bool))) || token.code.length == 0) {
            revert TransferFailed(token);
        }
    }

    function _safeTransferFrom(address token, address from, uint256 amount) private {
        (bool ok, bytes memory data) = token.call(abi.encodeWithSelector(0x23b872dd, from, address(this), amount));
        if (!ok || (data.length != 0 && !abi.decode(data, (bool))) || token.code.length == 0) {
            revert TransferFailed(token);
        }
    }
}
