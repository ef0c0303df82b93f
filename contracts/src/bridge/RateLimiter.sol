// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Owned} from "./Owned.sol";

/// @notice Token bucket per (remote chain, home token, direction). A bucket holds at most `capacity` and
/// refills `refillPerSecond`; capacity 0 means unlimited.
abstract contract RateLimiter is Owned {
    /// @notice Tokens leaving this chain: lock on the vault, burn on a minter.
    uint8 public constant OUTBOUND = 0;
    /// @notice Tokens arriving on this chain: release on the vault, mint on a minter.
    uint8 public constant INBOUND = 1;

    struct Bucket {
        uint256 capacity;
        uint256 refillPerSecond;
        uint256 tokens;
        uint64 updatedAt;
    }

    mapping(uint64 => mapping(address => mapping(uint8 => Bucket))) private _buckets;

    event RateLimitSet(
        uint64 indexed remoteChainId,
        address indexed token,
        uint8 indexed direction,
        uint256 capacity,
        uint256 refillPerSecond
    );

    error RateLimited(uint256 available, uint256 requested);
    error InvalidDirection(uint8 direction);

    /// @notice Sets a bucket and fills it to its new capacity.
    function setRateLimit(
        uint64 remoteChainId,
        address token,
        uint8 direction,
        uint256 capacity,
        uint256 refillPerSecond
    ) external onlyOwner {
        if (direction > INBOUND) revert InvalidDirection(direction);
        Bucket storage bucket = _buckets[remoteChainId][token][direction];
        bucket.capacity = capacity;
        bucket.refillPerSecond = refillPerSecond;
        bucket.tokens = capacity;
        bucket.updatedAt = uint64(block.timestamp);
        emit RateLimitSet(remoteChainId, token, direction, capacity, refillPerSecond);
    }

    function rateLimitOf(uint64 remoteChainId, address token, uint8 direction)
        external
        view
        returns (uint256 capacity, uint256 refillPerSecond)
    {
        Bucket storage bucket = _buckets[remoteChainId][token][direction];
        return (bucket.capacity, bucket.refillPerSecond);
    }

    /// @notice What can move right now; type(uint256).max when the bucket is unlimited.
    function availableCapacity(uint64 remoteChainId, address token, uint8 direction)
        external
        view
        returns (uint256)
    {
        Bucket storage bucket = _buckets[remoteChainId][token][direction];
        if (bucket.capacity == 0) return type(uint256).max;
        return _refilled(bucket);
    }

    function _consumeRateLimit(uint64 remoteChainId, address token, uint8 direction, uint256 amount) internal {
        Bucket storage bucket = _buckets[remoteChainId][token][direction];
        if (bucket.capacity == 0) return;
        uint256 available = _refilled(bucket);
        if (amount > available) revert RateLimited(available, amount);
        bucket.tokens = available - amount;
        bucket.updatedAt = uint64(block.timestamp);
    }

    function _refilled(Bucket storage bucket) private view returns (uint256) {
        uint256 room = bucket.capacity - bucket.tokens;
        uint256 rate = bucket.refillPerSecond;
        if (rate == 0) return bucket.tokens;
        uint256 elapsed = block.timestamp - bucket.updatedAt;
        // elapsed > room / rate implies elapsed * rate > room, and avoids the overflow of a huge rate.
        if (elapsed > room / rate) return bucket.capacity;
        return bucket.tokens + elapsed * rate;
    }
}
