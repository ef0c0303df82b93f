// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {BridgeBase} from "./BridgeBase.sol";
import {BridgeRootInbox} from "./BridgeRootInbox.sol";
import {Message, hashMessageMemory} from "./BridgeMessage.sol";

/// @notice Holds home-chain tokens: `lock` sends them to a remote chain, `release` pays out attested burns.
/// Supply rule: per remote chain and token, the vault never releases more than it locked toward that
/// chain (`outstanding`), whatever the signatures say (the Wormhole lesson).
contract BridgeVault is BridgeRootInbox {
    mapping(address => bool) public supportedTokens;
    /// @notice outstanding[remoteChainId][token]: locked toward that chain minus released from it.
    mapping(uint64 => mapping(address => uint256)) public outstanding;

    event TokenSet(address indexed token, bool supported);
    event Locked(
        bytes32 indexed messageId,
        address indexed token,
        address indexed sender,
        uint64 destinationChainId,
        address destinationBridge,
        uint64 nonce,
        address recipient,
        uint256 amount
    );
    event Released(
        bytes32 indexed messageId,
        address indexed token,
        address indexed recipient,
        uint64 sourceChainId,
        uint256 amount
    );

    error UnsupportedToken(address token);
    error TransferAmountMismatch(uint256 expected, uint256 received);
    error ReleaseExceedsOutstanding(uint256 outstanding, uint256 amount);
    error TokenTransferFailed(address token);

    constructor(address validatorSet_, address owner_, address pauser_, uint64 maxPauseSeconds_)
        BridgeBase(validatorSet_, owner_, pauser_, maxPauseSeconds_)
    {}

    /// @notice Allow or stop new locks of `token`. Releases of already locked tokens keep working.
    function setToken(address token, bool supported) external onlyOwner {
        supportedTokens[token] = supported;
        emit TokenSet(token, supported);
    }

    function lock(address token, uint256 amount, uint64 destinationChainId, address recipient)
        external
        whenNotPaused
        nonReentrant
        returns (bytes32 id)
    {
        if (!supportedTokens[token]) revert UnsupportedToken(token);
        Message memory message = _outboundMessage(destinationChainId, token, msg.sender, recipient, amount);
        uint256 balanceBefore = _balanceOf(token);
        _call(token, abi.encodeWithSelector(0x23b872dd, msg.sender, address(this), amount));
        uint256 received = _balanceOf(token) - balanceBefore;
        // Fee-on-transfer or rebasing tokens would break the 1:1 backing, so they are refused.
        if (received != amount) revert TransferAmountMismatch(amount, received);
        outstanding[destinationChainId][token] += amount;
        id = hashMessageMemory(message);
        emit Locked(
            id, token, msg.sender, destinationChainId, message.destinationBridge, message.nonce, recipient, amount
        );
    }

    function release(Message calldata message, uint64 epoch, bytes[] calldata signatures)
        external
        whenNotPaused
        nonReentrant
    {
        _release(message, epoch, signatures);
    }

    /// @notice Releases many attested messages in one transaction, each under exactly the checks of
    /// `release`. An id that is already processed is skipped; any other failed check reverts the batch.
    /// Returns how many messages were released.
    function releaseBatch(Message[] calldata messages, uint64 epoch, bytes[][] calldata signatures)
        external
        whenNotPaused
        nonReentrant
        returns (uint256 released)
    {
        if (messages.length != signatures.length) revert BatchLengthMismatch(messages.length, signatures.length);
        for (uint256 i = 0; i < messages.length; i++) {
            if (_alreadyDelivered(messages[i])) continue;
            _release(messages[i], epoch, signatures[i]);
            released++;
        }
    }

    /// @notice Releases one burn proven against a root a quorum signed (`submitRoot`): the path for
    /// self-relay. Reverts NonceAlreadyDelivered when either path already delivered the message.
    function releaseWithProof(Message calldata message, bytes32 root, bytes32[] calldata proof)
        external
        whenNotPaused
        nonReentrant
    {
        (bytes32 id, RootRange memory range) = _proveOne(message, root, proof);
        if (!_acceptProven(message, range, _nonceWords(message.sourceChainId, message.sourceBridge))) {
            revert NonceAlreadyDelivered(message.sourceChainId, message.sourceBridge, message.nonce);
        }
        _payOut(message, id);
        emit DeliveredUnderRoot(root, message.sourceChainId, 1);
    }

    /// @notice Releases a batch of one route proven against one stored root by a single multiproof
    /// (`messages` in ascending nonce order). Messages either path already delivered are skipped; any
    /// other failed check reverts the batch. The outstanding bound holds per message. Returns how many
    /// messages were released.
    function releaseBatchWithProof(
        Message[] calldata messages,
        bytes32 root,
        bytes32[] calldata proof,
        bool[] calldata proofFlags
    ) external whenNotPaused nonReentrant returns (uint256 released) {
        (bytes32[] memory ids, RootRange memory range) = _proveBatch(messages, root, proof, proofFlags);
        mapping(uint256 => uint256) storage words = _nonceWords(messages[0].sourceChainId, messages[0].sourceBridge);
        for (uint256 i = 0; i < ids.length; i++) {
            if (!_acceptProven(messages[i], range, words)) continue;
            _payOut(messages[i], ids[i]);
            released++;
        }
        emit DeliveredUnderRoot(root, messages[0].sourceChainId, released);
    }

    function _release(Message calldata message, uint64 epoch, bytes[] calldata signatures) private {
        _payOut(message, _acceptInbound(message, epoch, signatures));
    }

    /// @dev The paying half both paths share: never more than is outstanding toward the source chain.
    function _payOut(Message calldata message, bytes32 id) private {
        uint256 available = outstanding[message.sourceChainId][message.token];
        if (message.amount > available) revert ReleaseExceedsOutstanding(available, message.amount);
        outstanding[message.sourceChainId][message.token] = available - message.amount;
        _call(message.token, abi.encodeWithSelector(0xa9059cbb, message.recipient, message.amount));
        emit Released(id, message.token, message.recipient, message.sourceChainId, message.amount);
    }

    function _balanceOf(address token) private view returns (uint256) {
        (bool ok, bytes memory data) = token.staticcall(abi.encodeWithSelector(0x70a08231, address(this)));
        if (!ok || data.length < 32) revert TokenTransferFailed(token);
        return abi.decode(data, (uint256));
    }

    /// @dev transfer/transferFrom that accepts tokens returning nothing and rejects those returning false.
    function _call(address token, bytes memory data) private {
        (bool ok, bytes memory result) = token.call(data);
        if (!ok || (result.length != 0 && !abi.decode(result, (bool))) || token.code.length == 0) {
            revert TokenTransferFailed(token);
        }
    }
}
