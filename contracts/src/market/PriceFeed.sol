// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title PriceFeed
/// @notice A settable price feed with Chainlink's AggregatorV3Interface and AggregatorInterface shapes
///         (8 decimals, USD base) and Chainlink's `AnswerUpdated` / `NewRound` events, so an indexer
///         written for Chainlink works unchanged. Every `setAnswer` opens and answers one new round.
contract PriceFeed {
    struct Round {
        int256 answer;
        uint64 updatedAt;
    }

    uint8 public constant decimals = 8;
    uint256 public constant version = 4;

    string public description;
    address public owner;
    mapping(address => bool) public isUpdater;

    uint80 private _latestRound;
    mapping(uint80 => Round) private _rounds;

    /// @dev Chainlink AggregatorInterface events, same names, types and indexed flags.
    event AnswerUpdated(int256 indexed current, uint256 indexed roundId, uint256 updatedAt);
    event NewRound(uint256 indexed roundId, address indexed startedBy, uint256 startedAt);

    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);
    event UpdaterSet(address indexed updater, bool allowed);

    error NotAuthorized(address caller);
    error NoDataPresent(uint80 roundId);
    error ZeroAddress();

    constructor(string memory description_, int256 initialAnswer, address owner_) {
        if (owner_ == address(0)) revert ZeroAddress();
        description = description_;
        owner = owner_;
        emit OwnershipTransferred(address(0), owner_);
        _record(initialAnswer, msg.sender);
    }

    modifier onlyOwner() {
        if (msg.sender != owner) revert NotAuthorized(msg.sender);
        _;
    }

    function transferOwnership(address newOwner) external onlyOwner {
        if (newOwner == address(0)) revert ZeroAddress();
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }

    function setUpdater(address updater, bool allowed) external onlyOwner {
        isUpdater[updater] = allowed;
        emit UpdaterSet(updater, allowed);
    }

    /// @notice Publishes a new answer as a new round. Owner or an allowed updater only.
    function setAnswer(int256 answer) external {
        if (msg.sender != owner && !isUpdater[msg.sender]) revert NotAuthorized(msg.sender);
        _record(answer, msg.sender);
    }

    function latestRoundData()
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
    {
        return getRoundData(_latestRound);
    }

    function getRoundData(uint80 roundId_)
        public
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound)
    {
        Round memory round = _rounds[roundId_];
        if (round.updatedAt == 0) revert NoDataPresent(roundId_);
        return (roundId_, round.answer, round.updatedAt, round.updatedAt, roundId_);
    }

    function latestAnswer() external view returns (int256) {
        return _rounds[_latestRound].answer;
    }

    function latestTimestamp() external view returns (uint256) {
        return _rounds[_latestRound].updatedAt;
    }

    function latestRound() external view returns (uint256) {
        return _latestRound;
    }

    /// @dev Like Chainlink, unknown rounds read as 0 here rather than reverting.
    function getAnswer(uint256 roundId) external view returns (int256) {
        return roundId > type(uint80).max ? int256(0) : _rounds[uint80(roundId)].answer;
    }

    function getTimestamp(uint256 roundId) external view returns (uint256) {
        return roundId > type(uint80).max ? 0 : _rounds[uint80(roundId)].updatedAt;
    }

    function _record(int256 answer, address startedBy) private {
        uint80 roundId = ++_latestRound;
        _rounds[roundId] = Round({answer: answer, updatedAt: uint64(block.timestamp)});
        emit NewRound(roundId, startedBy, block.timestamp);
        emit AnswerUpdated(answer, roundId, block.timestamp);
    }
}
