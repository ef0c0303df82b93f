// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Message, MESSAGE_VERSION, attestationStructHash, hashMessage} from "./BridgeMessage.sol";
import {IValidatorSet, IValidatorSetErrors} from "./IValidatorSet.sol";
import {Owned} from "./Owned.sol";
import {Pausable} from "./Pausable.sol";
import {RateLimiter} from "./RateLimiter.sol";

/// @notice What the vault and the minters share: routes, the outbound nonce, the EIP-712 attestation
/// domain and the inbound checks that run before any token moves.
abstract contract BridgeBase is IValidatorSetErrors, Owned, Pausable, RateLimiter {
    bytes32 private constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 private constant NAME_HASH = keccak256("CrossChainBridge");
    bytes32 private constant VERSION_HASH = keccak256("1");

    /// @notice Fixed at deployment: no function replaces the validator set a bridge trusts.
    IValidatorSet public immutable validatorSet;
    /// @notice The nonce of the last outbound message; the next one is lastNonce + 1 (first is 1).
    uint64 public lastNonce;
    /// @notice The bridge contract this one trusts on each remote chain.
    mapping(uint64 => address) public routes;
    /// @notice Ids delivered by the per-message path (`mint`/`release`), kept for callers that look
    /// them up. The replay guard of both paths is the nonce bitmap below.
    mapping(bytes32 => bool) public processed;
    /// @dev sourceChainId => sourceBridge => nonce / 256 => bit (nonce % 256) set once delivered. One
    /// storage word serves 256 consecutive messages of a route, so a batch pays a fresh slot at most once
    /// per 256 nonces instead of once per message. Keyed by the source bridge too, so a route moved to a
    /// new source contract (whose nonces restart at 1) cannot collide with the old one.
    mapping(uint64 => mapping(address => mapping(uint256 => uint256))) private _deliveredNonces;

    bool private transient _entered;

    event RouteSet(uint64 indexed remoteChainId, address remoteBridge);

    error UnsupportedVersion(uint8 version);
    error WrongDestinationChain(uint64 expected, uint64 actual);
    error WrongDestinationBridge(address expected, address actual);
    error UnknownRoute(uint64 remoteChainId, address remoteBridge);
    error AlreadyProcessed(bytes32 messageId);
    error NonceAlreadyDelivered(uint64 sourceChainId, address sourceBridge, uint64 nonce);
    error ZeroAmount();
    error ZeroRecipient();
    error Reentrancy();
    error BatchLengthMismatch(uint256 messages, uint256 signatures);

    constructor(address validatorSet_, address owner_, address pauser_, uint64 maxPauseSeconds_)
        Owned(owner_)
        Pausable(pauser_, maxPauseSeconds_)
    {
        if (validatorSet_ == address(0)) revert ZeroAddress();
        validatorSet = IValidatorSet(validatorSet_);
    }

    modifier nonReentrant() {
        if (_entered) revert Reentrancy();
        _entered = true;
        _;
        _entered = false;
    }

    /// @notice Trust `remoteBridge` on `remoteChainId`; address(0) removes the route.
    function setRoute(uint64 remoteChainId, address remoteBridge) external onlyOwner {
        routes[remoteChainId] = remoteBridge;
        emit RouteSet(remoteChainId, remoteBridge);
    }

    function domainSeparator() public view returns (bytes32) {
        return keccak256(abi.encode(DOMAIN_TYPEHASH, NAME_HASH, VERSION_HASH, block.chainid, address(this)));
    }

    /// @notice The EIP-712 digest validators sign for `message` under `epoch`.
    function attestationDigest(Message calldata message, uint64 epoch) public view returns (bytes32) {
        return keccak256(
            abi.encodePacked("\x19\x01", domainSeparator(), attestationStructHash(message, epoch))
        );
    }

    function messageId(Message calldata message) external pure returns (bytes32) {
        return hashMessage(message);
    }

    /// @notice Whether the message with `nonce` from `sourceBridge` on `sourceChainId` was delivered here,
    /// by either path (per-message signatures or a proof against a signed root).
    function isNonceDelivered(uint64 sourceChainId, address sourceBridge, uint64 nonce) public view returns (bool) {
        return _deliveredNonces[sourceChainId][sourceBridge][nonce >> 8] & (uint256(1) << (nonce & 0xff)) != 0;
    }

    /// @dev The bitmap words of one route; a batch (one route) looks them up once.
    function _nonceWords(uint64 sourceChainId, address sourceBridge)
        internal
        view
        returns (mapping(uint256 => uint256) storage)
    {
        return _deliveredNonces[sourceChainId][sourceBridge];
    }

    /// @dev Sets the nonce's bit; false when it was already set (the message was delivered before).
    function _markNonceDelivered(mapping(uint256 => uint256) storage words, uint64 nonce)
        internal
        returns (bool fresh)
    {
        uint256 bit = uint256(1) << (nonce & 0xff);
        uint256 word = words[nonce >> 8];
        if (word & bit != 0) return false;
        words[nonce >> 8] = word | bit;
        return true;
    }

    /// @dev The checks every inbound message passes whatever vouches for it: version, addressed to this
    /// chain and contract, and sent by the bridge this contract trusts on the source chain.
    function _checkEnvelope(Message calldata message) internal view {
        _checkAddressedHere(message);
        _checkRoute(message.sourceChainId, message.sourceBridge);
    }

    function _checkAddressedHere(Message calldata message) internal view {
        if (message.version != MESSAGE_VERSION) revert UnsupportedVersion(message.version);
        if (message.destinationChainId != block.chainid) {
            revert WrongDestinationChain(uint64(block.chainid), message.destinationChainId);
        }
        if (message.destinationBridge != address(this)) {
            revert WrongDestinationBridge(address(this), message.destinationBridge);
        }
    }

    function _checkRoute(uint64 sourceChainId, address sourceBridge) internal view {
        address route = routes[sourceChainId];
        if (route == address(0) || route != sourceBridge) revert UnknownRoute(sourceChainId, sourceBridge);
    }

    /// @dev Whether the per-message batch entry points should skip `message`: delivered by either path.
    function _alreadyDelivered(Message calldata message) internal view returns (bool) {
        return processed[hashMessage(message)]
            || isNonceDelivered(message.sourceChainId, message.sourceBridge, message.nonce);
    }

    /// @dev Every check of an inbound message; marks it processed and spends the inbound rate limit.
    function _acceptInbound(Message calldata message, uint64 epoch, bytes[] calldata signatures)
        internal
        returns (bytes32 id)
    {
        _checkEnvelope(message);
        id = hashMessage(message);
        if (processed[id]) revert AlreadyProcessed(id);
        validatorSet.verify(attestationDigest(message, epoch), epoch, signatures);
        processed[id] = true;
        // The nonce bit is what the root path checks, so a message minted here is never minted there.
        if (!_markNonceDelivered(_nonceWords(message.sourceChainId, message.sourceBridge), message.nonce)) {
            revert NonceAlreadyDelivered(message.sourceChainId, message.sourceBridge, message.nonce);
        }
        _consumeRateLimit(message.sourceChainId, message.token, INBOUND, message.amount);
    }

    /// @dev Checks and numbers an outbound message and spends the outbound rate limit.
    function _outboundMessage(
        uint64 destinationChainId,
        address homeToken,
        address sender,
        address recipient,
        uint256 amount
    ) internal returns (Message memory message) {
        if (amount == 0) revert ZeroAmount();
        if (recipient == address(0)) revert ZeroRecipient();
        address remoteBridge = routes[destinationChainId];
        if (remoteBridge == address(0)) revert UnknownRoute(destinationChainId, address(0));
        _consumeRateLimit(destinationChainId, homeToken, OUTBOUND, amount);
        message = Message({
            version: MESSAGE_VERSION,
            sourceChainId: uint64(block.chainid),
            destinationChainId: destinationChainId,
            sourceBridge: address(this),
            destinationBridge: remoteBridge,
            nonce: ++lastNonce,
            token: homeToken,
            sender: sender,
            recipient: recipient,
            amount: amount
        });
    }
}
