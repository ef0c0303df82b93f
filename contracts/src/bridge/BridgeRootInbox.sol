// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {BridgeBase} from "./BridgeBase.sol";
import {Message} from "./BridgeMessage.sol";
import {MessageMerkle} from "./MessageMerkle.sol";

/// @notice What a quorum signs once for many messages: a Merkle root over the contiguous nonce range
/// [firstNonce, lastNonce] of one route. The destination chain and contract are implicit (this contract),
/// and bound through the EIP-712 domain and the struct hash alike.
struct RootAttestation {
    uint64 sourceChainId;
    address sourceBridge;
    uint64 epoch;
    uint64 firstNonce;
    uint64 lastNonce;
    bytes32 root;
}

/// @notice The batched inbound path (DESIGN section 3): the validator quorum is checked once per root,
/// then each message is delivered with a Merkle proof against the stored root. Every message still
/// passes the envelope checks, the nonce replay guard (shared with the per-message path), the inbound
/// rate limit, the pause and the contract's own supply rule.
abstract contract BridgeRootInbox is BridgeBase {
    bytes32 public constant ROOT_ATTESTATION_TYPEHASH = keccak256(
        "RootAttestation(uint64 sourceChainId,address sourceBridge,uint64 destinationChainId,address destinationBridge,uint64 epoch,uint64 firstNonce,uint64 lastNonce,bytes32 root)"
    );

    /// @notice The nonce range a stored root covers and the epoch whose quorum signed it. One slot.
    struct RootRange {
        uint64 firstNonce;
        uint64 lastNonce;
        uint64 epoch;
        uint64 submittedAt;
    }

    /// @dev sourceChainId => sourceBridge => root => range; lastNonce == 0 means unknown. Keyed by route,
    /// so a root is only ever usable for messages of the route it was signed for.
    mapping(uint64 => mapping(address => mapping(bytes32 => RootRange))) private _roots;

    event RootSubmitted(
        uint64 indexed sourceChainId,
        address indexed sourceBridge,
        bytes32 indexed root,
        uint64 epoch,
        uint64 firstNonce,
        uint64 lastNonce
    );
    /// @notice Emitted once per proof-delivery transaction, after its Minted/Released events, so an
    /// indexer can tell under which root the messages of that transaction were delivered.
    event DeliveredUnderRoot(bytes32 indexed root, uint64 indexed sourceChainId, uint256 delivered);

    error ZeroRoot();
    error InvalidNonceRange(uint64 firstNonce, uint64 lastNonce);
    error RootConflict(bytes32 root);
    error UnknownRoot(uint64 sourceChainId, address sourceBridge, bytes32 root);
    error NonceOutsideRoot(uint64 nonce, uint64 firstNonce, uint64 lastNonce);
    error InvalidProof();
    error EmptyBatch();
    error MixedRoutes(uint256 index);

    /// @notice The EIP-712 digest validators sign for a root. The domain is this contract on this chain;
    /// the struct repeats both so the signed data names every party of the route explicitly.
    function rootAttestationDigest(RootAttestation calldata attestation) public view returns (bytes32) {
        bytes32 structHash = keccak256(
            abi.encode(
                ROOT_ATTESTATION_TYPEHASH,
                attestation.sourceChainId,
                attestation.sourceBridge,
                block.chainid,
                address(this),
                attestation.epoch,
                attestation.firstNonce,
                attestation.lastNonce,
                attestation.root
            )
        );
        return keccak256(abi.encodePacked("\x19\x01", domainSeparator(), structHash));
    }

    /// @notice The range `root` covers for the route, or zeros when no quorum submitted it.
    function rootRange(uint64 sourceChainId, address sourceBridge, bytes32 root)
        external
        view
        returns (RootRange memory)
    {
        return _roots[sourceChainId][sourceBridge][root];
    }

    /// @notice Stores a quorum-signed root. The quorum is checked here once, with the same epoch, grace
    /// and signature rules as a per-message attestation (ValidatorSet.verify). Re-submitting a stored
    /// root for the same range is a no-op, so racing relayers do not fail; a zero root (the Nomad bug:
    /// an unset root read as valid) is refused.
    function submitRoot(RootAttestation calldata attestation, bytes[] calldata signatures)
        external
        whenNotPaused
        nonReentrant
    {
        if (attestation.root == bytes32(0)) revert ZeroRoot();
        if (attestation.firstNonce == 0 || attestation.firstNonce > attestation.lastNonce) {
            revert InvalidNonceRange(attestation.firstNonce, attestation.lastNonce);
        }
        _checkRoute(attestation.sourceChainId, attestation.sourceBridge);
        RootRange storage stored = _roots[attestation.sourceChainId][attestation.sourceBridge][attestation.root];
        if (stored.lastNonce != 0) {
            if (stored.firstNonce == attestation.firstNonce && stored.lastNonce == attestation.lastNonce) return;
            revert RootConflict(attestation.root);
        }
        validatorSet.verify(rootAttestationDigest(attestation), attestation.epoch, signatures);
        _roots[attestation.sourceChainId][attestation.sourceBridge][attestation.root] = RootRange({
            firstNonce: attestation.firstNonce,
            lastNonce: attestation.lastNonce,
            epoch: attestation.epoch,
            submittedAt: uint64(block.timestamp)
        });
        emit RootSubmitted(
            attestation.sourceChainId,
            attestation.sourceBridge,
            attestation.root,
            attestation.epoch,
            attestation.firstNonce,
            attestation.lastNonce
        );
    }

    /// @dev Proves one message against a stored root of its route; returns the message id and the range.
    function _proveOne(Message calldata message, bytes32 root, bytes32[] calldata proof)
        internal
        view
        returns (bytes32 id, RootRange memory range)
    {
        range = _storedRoot(message.sourceChainId, message.sourceBridge, root);
        id = _messageId(message);
        if (MessageMerkle.rootOf(MessageMerkle.leafHash(id), proof) != root) revert InvalidProof();
    }

    /// @dev Proves a batch of one route against a stored root with one multiproof; returns the ids.
    function _proveBatch(
        Message[] calldata messages,
        bytes32 root,
        bytes32[] calldata proof,
        bool[] calldata proofFlags
    ) internal view returns (bytes32[] memory ids, RootRange memory range) {
        uint256 count = messages.length;
        if (count == 0) revert EmptyBatch();
        uint64 sourceChainId = messages[0].sourceChainId;
        address sourceBridge = messages[0].sourceBridge;
        range = _storedRoot(sourceChainId, sourceBridge, root);
        ids = new bytes32[](count);
        bytes32[] memory leaves = new bytes32[](count);
        for (uint256 i = 0; i < count; i++) {
            Message calldata message = messages[i];
            if (message.sourceChainId != sourceChainId || message.sourceBridge != sourceBridge) {
                revert MixedRoutes(i);
            }
            ids[i] = _messageId(message);
            leaves[i] = MessageMerkle.leafHash(ids[i]);
        }
        if (MessageMerkle.multiRootOf(leaves, proof, proofFlags) != root) revert InvalidProof();
    }

    /// @dev The per-message checks after a proof: addressed here, nonce inside the signed range, replay
    /// guard (`words`: the route's bitmap), inbound rate limit. The route itself was checked with the
    /// root (and a batch holds one route). Returns false, changing nothing, for a delivered nonce.
    function _acceptProven(
        Message calldata message,
        RootRange memory range,
        mapping(uint256 => uint256) storage words
    ) internal returns (bool) {
        _checkAddressedHere(message);
        uint64 nonce = message.nonce;
        if (nonce < range.firstNonce || nonce > range.lastNonce) {
            revert NonceOutsideRoot(nonce, range.firstNonce, range.lastNonce);
        }
        if (!_markNonceDelivered(words, nonce)) return false;
        _consumeRateLimit(message.sourceChainId, message.token, INBOUND, message.amount);
        return true;
    }

    /// @dev The range of a root stored for a route this contract trusts now (routes can be removed).
    function _storedRoot(uint64 sourceChainId, address sourceBridge, bytes32 root)
        private
        view
        returns (RootRange memory range)
    {
        _checkRoute(sourceChainId, sourceBridge);
        range = _roots[sourceChainId][sourceBridge][root];
        if (range.lastNonce == 0) revert UnknownRoot(sourceChainId, sourceBridge, root);
    }

    /// @dev keccak256(abi.encode(message)) without allocating: every field is static, so the calldata
    /// struct is already its ABI encoding. A dirty (non-canonical) encoding hashes differently from the
    /// message validators committed to, so its proof fails.
    function _messageId(Message calldata message) private pure returns (bytes32 id) {
        assembly ("memory-safe") {
            let p := mload(0x40)
            calldatacopy(p, message, 320)
            id := keccak256(p, 320)
        }
    }
}
