// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice What a BridgeMinter needs from the wrapped tokens it mints.
interface IWrappedToken {
    function minter() external view returns (address);
    function homeToken() external view returns (address);
    function homeChainId() external view returns (uint64);
    function totalSupply() external view returns (uint256);
    function mint(address to, uint256 amount) external;
    function burnFrom(address from, uint256 amount) external;
}

/// @notice The minter entry a wrapped token calls for `WrappedToken.burn`.
interface IBurnForHolder {
    function burnFor(address holder, uint256 amount, uint64 destinationChainId, address recipient)
        external
        returns (bytes32);
}
