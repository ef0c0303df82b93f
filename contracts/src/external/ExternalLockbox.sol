// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

interface IERC20Like {
    function transferFrom(address from, address to, uint256 amount) external returns (bool);
    function transfer(address to, uint256 amount) external returns (bool);
}

/// @title ExternalLockbox
/// @notice The home side of a stand-in for another team's lock/mint bridge on the devnet: users lock a
///         token here and a trusted operator mints its representation on another chain
///         (ExternalMintedToken). It is not this project's bridge (no validators, no attestations); the
///         risk engine reads it only through a descriptor (lock contract, minted tokens, event names), as
///         it would read a third-party bridge, so exposure can be compared across two bridges.
contract ExternalLockbox {
    address public immutable operator;

    event TokensLocked(
        address indexed token, address indexed sender, uint256 amount, uint256 destinationChainId, address recipient
    );
    event TokensReleased(address indexed token, address indexed recipient, uint256 amount);

    error NotOperator();
    error ZeroAmount();
    error TransferFailed();

    constructor(address operator_) {
        operator = operator_;
    }

    /// @notice Locks `amount` of `token` for `recipient` on `destinationChainId`.
    function lock(address token, uint256 amount, uint256 destinationChainId, address recipient) external {
        if (amount == 0) revert ZeroAmount();
        if (!IERC20Like(token).transferFrom(msg.sender, address(this), amount)) revert TransferFailed();
        emit TokensLocked(token, msg.sender, amount, destinationChainId, recipient);
    }

    /// @notice Releases locked tokens after the operator saw them burned on the other chain.
    function release(address token, address recipient, uint256 amount) external {
        if (msg.sender != operator) revert NotOperator();
        if (!IERC20Like(token).transfer(recipient, amount)) revert TransferFailed();
        emit TokensReleased(token, recipient, amount);
    }
}
