// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Owned} from "./Owned.sol";

/// @notice A pause that always expires: the pauser can stop the bridge for at most `maxPauseSeconds` at a
/// time, so a compromised pauser key can delay users but never freeze funds for good without the owner.
abstract contract Pausable is Owned {
    uint64 public immutable maxPauseSeconds;
    address public pauser;
    /// @notice Operations revert while block.timestamp < pausedUntil.
    uint64 public pausedUntil;

    event PausedUntil(uint64 until);
    event Unpaused();
    event PauserSet(address indexed pauser);

    error NotPauser(address caller);
    error PauseTooLong(uint64 duration, uint64 maxPauseSeconds);
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

    function pause(uint64 duration) external {
        if (msg.sender != pauser) revert NotPauser(msg.sender);
        if (duration > maxPauseSeconds) revert PauseTooLong(duration, maxPauseSeconds);
        uint64 until = uint64(block.timestamp) + duration;
        pausedUntil = until;
        emit PausedUntil(until);
    }

    function unpause() external {
        if (msg.sender != pauser && msg.sender != owner) revert NotPauser(msg.sender);
        pausedUntil = 0;
        emit Unpaused();
    }

    function setPauser(address newPauser) external onlyOwner {
        pauser = newPauser;
        emit PauserSet(newPauser);
    }
}
