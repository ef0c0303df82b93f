// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice Errors `ValidatorSet.verify` reverts with. Bridges inherit this so their ABI can decode them.
interface IValidatorSetErrors {
    error UnknownEpoch(uint64 epoch);
    error EpochExpired(uint64 epoch, uint64 expiredAt);
    error InvalidSignature();
    error SignersNotAscending(address previous, address signer);
    error DuplicateSigner(address signer);
    error SignerNotInSet(address signer);
    error BelowThreshold(uint256 got, uint256 needed);
}

interface IValidatorSet is IValidatorSetErrors {
    /// @notice Reverts unless `signatures` are a quorum of `epoch`'s set over `digest`; returns true otherwise.
    function verify(bytes32 digest, uint64 epoch, bytes[] calldata signatures) external view returns (bool);
}
