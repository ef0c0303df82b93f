// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IBurnForHolder} from "./IWrappedToken.sol";

/// @notice Minimal ERC-20 for a bridged asset. Only its BridgeMinter mints and burns.
contract WrappedToken {
    string public name;
    string public symbol;
    uint8 public immutable decimals;
    address public immutable minter;
    address public immutable homeToken;
    uint64 public immutable homeChainId;

    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);

    error NotMinter(address caller);
    error ZeroAddress();
    error InsufficientBalance(address account, uint256 balance, uint256 needed);
    error InsufficientAllowance(address spender, uint256 allowance, uint256 needed);

    constructor(
        string memory name_,
        string memory symbol_,
        uint8 decimals_,
        address minter_,
        address homeToken_,
        uint64 homeChainId_
    ) {
        if (minter_ == address(0) || homeToken_ == address(0)) revert ZeroAddress();
        name = name_;
        symbol = symbol_;
        decimals = decimals_;
        minter = minter_;
        homeToken = homeToken_;
        homeChainId = homeChainId_;
    }

    modifier onlyMinter() {
        if (msg.sender != minter) revert NotMinter(msg.sender);
        _;
    }

    function approve(address spender, uint256 amount) external returns (bool) {
        allowance[msg.sender][spender] = amount;
        emit Approval(msg.sender, spender, amount);
        return true;
    }

    function transfer(address to, uint256 amount) external returns (bool) {
        _transfer(msg.sender, to, amount);
        return true;
    }

    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        uint256 allowed = allowance[from][msg.sender];
        if (allowed != type(uint256).max) {
            if (allowed < amount) revert InsufficientAllowance(msg.sender, allowed, amount);
            allowance[from][msg.sender] = allowed - amount;
        }
        _transfer(from, to, amount);
        return true;
    }

    function mint(address to, uint256 amount) external onlyMinter {
        if (to == address(0)) revert ZeroAddress();
        totalSupply += amount;
        balanceOf[to] += amount;
        emit Transfer(address(0), to, amount);
    }

    /// @notice The minter burns without an allowance: it only does so for the holder's own burn request.
    function burnFrom(address from, uint256 amount) external onlyMinter {
        uint256 balance = balanceOf[from];
        if (balance < amount) revert InsufficientBalance(from, balance, amount);
        balanceOf[from] = balance - amount;
        totalSupply -= amount;
        emit Transfer(from, address(0), amount);
    }

    /// @notice Burn the caller's tokens toward the home chain; same as `BridgeMinter.burn(this, ...)`.
    function burn(uint256 amount, uint64 destinationChainId, address recipient) external returns (bytes32) {
        return IBurnForHolder(minter).burnFor(msg.sender, amount, destinationChainId, recipient);
    }

    function _transfer(address from, address to, uint256 amount) private {
        if (to == address(0)) revert ZeroAddress();
        uint256 balance = balanceOf[from];
        if (balance < amount) revert InsufficientBalance(from, balance, amount);
        balanceOf[from] = balance - amount;
        balanceOf[to] += amount;
        emit Transfer(from, to, amount);
    }
}
