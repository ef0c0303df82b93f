// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Owned} from "./Owned.sol";

/// @notice A pause that always expires and cannot be chained: the pauser can stop the bridge for at most
/// `maxPauseSeconds` at a time, and after a pause ends (by expiry or `unpause`) the next one can start
/// only `pauseCooldownSeconds()` later. A compromised pauser key can therefore keep the bridge stopped
/// at most half of the time, never freeze funds for good, whatever the owner does or fails to do.
abstract contract Pausable is Owned {
    uint64 public immutable maxPauseSeconds;
    address public pauser;
    /// @notice Operations revert while block.timestamp < pausedUntil.
    uint64 public pausedUntil;
    /// @notice The earliest time the pauser may start another pause (0: any time).
    uint64 public pauseAvailableAt;

    event PausedUntil(uint64 until);
    event Unpaused();
    event PauserSet(address indexed pauser);

    error NotPauser(address caller);
    error PauseTooLong(uint64 duration, uint64 maxPauseSeconds);
    error PauseCoolingDown(uint64 availableAt);
    error Paused(uint64 until);

    constructor(address initialPauser, uint64 maxPauseSeconds_) {
        maxPauseSeconds = maxPauseSeconds_;
        pauser = initialPauser;
        emit PauserSet(initialPauser);
    }

    modifier whenNotPaused() {
        if (block.timestamp < pausedUntil) revert Paused(pausedUntil);
        _;
    }

    function paused() external view returns (bool) {
        return block.timestamp < pausedUntil;
    }

    /// @notice Unpaused time required between two pauses. Equal to the longest pause, so the pauser gets
    /// at most one full pause per two pause lengths; a constructor argument would change every deployment.
    function pauseCooldownSeconds() public view returns (uint64) {
        return maxPauseSeconds;
    }

    /// @notice Pauses for `duration` seconds. A running pause cannot be renewed or extended: that is how a
    /// stolen pauser key would otherwise stop the bridge without end.
    function pause(uint64 duration) external {
        if (msg.sender != pauser) revert NotPauser(msg.sender);
        if (duration > maxPauseSeconds) revert PauseTooLong(duration, maxPauseSeconds);
        if (block.timestamp < pauseAvailableAt) revert PauseCoolingDown(pauseAvailableAt);
        uint64 until = uint64(block.timestamp) + duration;
        pausedUntil = until;
        pauseAvailableAt = until + pauseCooldownSeconds();
        emit PausedUntil(until);
    }

    /// @notice Ends a running pause early. The cooldown then counts from now, so an owner's unpause cannot
    /// be answered by an immediate re-pause. Neither this nor `setPauser` clears the cooldown: a stolen
    /// owner key could otherwise alternate them into an endless pause.
    function unpause() external {
        if (msg.sender != pauser && msg.sender != owner) revert NotPauser(msg.sender);
        if (block.timestamp < pausedUntil) pauseAvailableAt = uint64(block.timestamp) + pauseCooldownSeconds();
        pausedUntil = 0;
        emit Unpaused();
    }

    function setPauser(address newPauser) external onlyOwner {
        pauser = newPauser;
        emit PauserSet(newPauser);
    }
}
