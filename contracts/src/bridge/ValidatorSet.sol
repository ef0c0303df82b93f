// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IValidatorSet} from "./IValidatorSet.sol";
import {Owned} from "./Owned.sol";

/// @notice The k-of-n validator set with epochs. The set changes only through `rotate`, signed by a quorum
/// of the current set; neither the owner nor the message path can replace it (the Poly Network lesson).
/// The threshold floor is enforced here: k * 3 > 2 * n (Harmony's 2-of-5 cannot be configured).
contract ValidatorSet is IValidatorSet, Owned {
    bytes32 private constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 private constant NAME_HASH = keccak256("CrossChainBridgeValidatorSet");
    bytes32 private constant VERSION_HASH = keccak256("1");
    bytes32 public constant ROTATION_TYPEHASH =
        keccak256("Rotation(uint64 newEpoch,address[] validators,uint256 threshold)");
    /// @dev secp256k1n / 2: a larger s is the malleable twin of a valid signature.
    uint256 private constant HALF_CURVE_ORDER = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0;
    /// @notice The longest grace window the owner can set. Without a bound a stolen owner key could set
    /// type(uint64).max, so that `block.timestamp + graceSeconds` overflows and every quorum-signed
    /// rotation reverts, or a huge value that keeps a retired (possibly compromised) set valid for ever.
    uint64 public constant MAX_GRACE_SECONDS = 7 days;

    uint64 public epoch;
    /// @notice Seconds the previous set stays valid after a rotation (fixed per rotation when it happens).
    uint64 public graceSeconds;

    mapping(uint64 => address[]) private _validators;
    mapping(uint64 => uint256) private _thresholds;
    mapping(uint64 => mapping(address => bool)) private _members;
    /// @dev Exclusive end of a past epoch's validity; 0 for the current epoch.
    mapping(uint64 => uint64) private _validUntil;

    event ValidatorSetRotated(
        uint64 indexed epoch, address[] validators, uint256 threshold, uint64 previousEpochValidUntil
    );
    event GraceSecondsSet(uint64 graceSeconds);

    error EmptyValidatorSet();
    error ZeroValidator();
    error ValidatorsNotAscending(uint256 index);
    error ThresholdTooHigh(uint256 threshold, uint256 validators);
    error ThresholdTooLow(uint256 threshold, uint256 validators);
    error GraceTooLong(uint64 graceSeconds, uint64 maxGraceSeconds);

    constructor(address[] memory validators, uint256 threshold, uint64 graceSeconds_, address owner_)
        Owned(owner_)
    {
        _checkSet(validators, threshold);
        _setGraceSeconds(graceSeconds_);
        epoch = 1;
        _store(1, validators, threshold);
        emit ValidatorSetRotated(1, validators, threshold, 0);
    }

    function setGraceSeconds(uint64 graceSeconds_) external onlyOwner {
        _setGraceSeconds(graceSeconds_);
    }

    function _setGraceSeconds(uint64 graceSeconds_) private {
        if (graceSeconds_ > MAX_GRACE_SECONDS) revert GraceTooLong(graceSeconds_, MAX_GRACE_SECONDS);
        graceSeconds = graceSeconds_;
        emit GraceSecondsSet(graceSeconds_);
    }

    function validatorsOf(uint64 epoch_) external view returns (address[] memory) {
        return _validators[epoch_];
    }

    function thresholdOf(uint64 epoch_) external view returns (uint256) {
        return _thresholds[epoch_];
    }

    function isValidator(uint64 epoch_, address account) external view returns (bool) {
        return _members[epoch_][account];
    }

    /// @notice When a past epoch stopped (or stops) being accepted; type(uint64).max for the current
    /// epoch, 0 for an epoch that never existed.
    function epochValidUntil(uint64 epoch_) external view returns (uint64) {
        if (epoch_ == epoch) return type(uint64).max;
        return _validUntil[epoch_];
    }

    function domainSeparator() public view returns (bytes32) {
        return keccak256(abi.encode(DOMAIN_TYPEHASH, NAME_HASH, VERSION_HASH, block.chainid, address(this)));
    }

    function rotationDigest(uint64 newEpoch, address[] memory validators, uint256 threshold)
        public
        view
        returns (bytes32)
    {
        bytes32 structHash = keccak256(
            abi.encode(ROTATION_TYPEHASH, newEpoch, keccak256(abi.encodePacked(validators)), threshold)
        );
        return keccak256(abi.encodePacked("\x19\x01", domainSeparator(), structHash));
    }

    /// @inheritdoc IValidatorSet
    function verify(bytes32 digest, uint64 epoch_, bytes[] calldata signatures) external view returns (bool) {
        _checkEpoch(epoch_);
        _checkSignatures(digest, epoch_, signatures);
        return true;
    }

    /// @notice Installs epoch + 1. Anyone may submit; `signatures` must be a quorum of the current set over
    /// the Rotation typed data. The outgoing set stays valid for `graceSeconds`, older sets end now.
    function rotate(address[] calldata newValidators, uint256 newThreshold, bytes[] calldata signatures) external {
        _checkSet(newValidators, newThreshold);
        uint64 current = epoch;
        uint64 next = current + 1;
        _checkSignatures(rotationDigest(next, newValidators, newThreshold), current, signatures);

        uint64 previousValidUntil = uint64(block.timestamp) + graceSeconds;
        _validUntil[current] = previousValidUntil;
        if (current > 1 && _validUntil[current - 1] > block.timestamp) {
            _validUntil[current - 1] = uint64(block.timestamp);
        }
        epoch = next;
        _store(next, newValidators, newThreshold);
        emit ValidatorSetRotated(next, newValidators, newThreshold, previousValidUntil);
    }

    function _checkSet(address[] memory validators, uint256 threshold) private pure {
        uint256 count = validators.length;
        if (count == 0) revert EmptyValidatorSet();
        if (validators[0] == address(0)) revert ZeroValidator();
        for (uint256 i = 1; i < count; i++) {
            if (validators[i] <= validators[i - 1]) revert ValidatorsNotAscending(i);
        }
        if (threshold > count) revert ThresholdTooHigh(threshold, count);
        if (threshold * 3 <= count * 2) revert ThresholdTooLow(threshold, count);
    }

    function _store(uint64 epoch_, address[] memory validators, uint256 threshold) private {
        _validators[epoch_] = validators;
        _thresholds[epoch_] = threshold;
        for (uint256 i = 0; i < validators.length; i++) {
            _members[epoch_][validators[i]] = true;
        }
    }

    function _checkEpoch(uint64 epoch_) private view {
        uint64 current = epoch;
        if (epoch_ == current) return;
        if (epoch_ == 0 || epoch_ > current) revert UnknownEpoch(epoch_);
        uint64 until = _validUntil[epoch_];
        if (block.timestamp >= until) revert EpochExpired(epoch_, until);
    }

    function _checkSignatures(bytes32 digest, uint64 epoch_, bytes[] calldata signatures) private view {
        uint256 needed = _thresholds[epoch_];
        if (signatures.length < needed) revert BelowThreshold(signatures.length, needed);
        address previous = address(0);
        for (uint256 i = 0; i < signatures.length; i++) {
            address signer = _recover(digest, signatures[i]);
            if (signer == previous) revert DuplicateSigner(signer);
            if (signer < previous) revert SignersNotAscending(previous, signer);
            if (!_members[epoch_][signer]) revert SignerNotInSet(signer);
            previous = signer;
        }
    }

    function _recover(bytes32 digest, bytes calldata signature) private pure returns (address signer) {
        if (signature.length != 65) revert InvalidSignature();
        bytes32 r = bytes32(signature[0:32]);
        bytes32 s = bytes32(signature[32:64]);
        uint8 v = uint8(signature[64]);
        if (uint256(s) > HALF_CURVE_ORDER || (v != 27 && v != 28)) revert InvalidSignature();
        signer = ecrecover(digest, v, r, s);
        if (signer == address(0)) revert InvalidSignature();
    }
}
