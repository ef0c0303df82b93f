// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {BridgeBase} from "./BridgeBase.sol";
import {BridgeRootInbox} from "./BridgeRootInbox.sol";
import {Message, hashMessageMemory} from "./BridgeMessage.sol";
import {IBurnForHolder, IWrappedToken} from "./IWrappedToken.sol";
import {MintBudget} from "./MintBudget.sol";

/// @notice Mints wrapped tokens for attested home-chain locks and burns them back toward the home chain.
/// Supply rule: a wrapped token's totalSupply never exceeds `mintCeiling[homeToken]`, the credit line of
/// locks this chain may have received; it is 0 (nothing mints) until the owner sets it. Every mint also
/// spends the per-epoch mint budget of its source chain and token (MintBudget), which bounds what a
/// stolen validator quorum can mint per day, however much ceiling room burns have freed.
contract BridgeMinter is BridgeRootInbox, MintBudget, IBurnForHolder {
    struct WrappedAsset {
        address wrappedToken;
        uint64 homeChainId;
    }

    /// @notice homeToken => its wrapped token here and the chain the home token lives on.
    mapping(address => WrappedAsset) public wrappedAssets;
    /// @notice wrappedToken => homeToken.
    mapping(address => address) public homeTokenOf;
    mapping(address => uint256) public mintCeiling;

    event WrappedTokenSet(address indexed homeToken, address indexed wrappedToken, uint64 homeChainId);
    event MintCeilingSet(address indexed homeToken, uint256 ceiling);
    event Minted(
        bytes32 indexed messageId,
        address indexed token,
        address indexed recipient,
        address wrappedToken,
        uint64 sourceChainId,
        uint256 amount
    );
    event Burned(
        bytes32 indexed messageId,
        address indexed token,
        address indexed sender,
        uint64 destinationChainId,
        address destinationBridge,
        uint64 nonce,
        address recipient,
        uint256 amount
    );

    error UnsupportedToken(address token);
    error WrappedTokenAlreadySet(address homeToken, address wrappedToken);
    error WrappedTokenMismatch(address wrappedToken);
    error WrongSourceChain(uint64 expected, uint64 actual);
    error NotHomeChain(uint64 homeChainId, uint64 destinationChainId);
    error MintExceedsCredit(uint256 ceiling, uint256 supplyAfter);

    constructor(address validatorSet_, address owner_, address pauser_, uint64 maxPauseSeconds_)
        BridgeBase(validatorSet_, owner_, pauser_, maxPauseSeconds_)
    {}

    /// @notice Registers the wrapped token for `homeToken`, once. The token must name this minter and
    /// `homeToken`, so holders can always burn back to the asset they were credited.
    function setWrappedToken(address homeToken, address wrappedToken) external onlyOwner {
        address existing = wrappedAssets[homeToken].wrappedToken;
        if (existing != address(0)) revert WrappedTokenAlreadySet(homeToken, existing);
        if (homeToken == address(0) || homeTokenOf[wrappedToken] != address(0)) {
            revert WrappedTokenMismatch(wrappedToken);
        }
        IWrappedToken wrapped = IWrappedToken(wrappedToken);
        if (wrapped.minter() != address(this) || wrapped.homeToken() != homeToken) {
            revert WrappedTokenMismatch(wrappedToken);
        }
        uint64 homeChainId = wrapped.homeChainId();
        wrappedAssets[homeToken] = WrappedAsset(wrappedToken, homeChainId);
        homeTokenOf[wrappedToken] = homeToken;
        emit WrappedTokenSet(homeToken, wrappedToken, homeChainId);
    }

    function setMintCeiling(address homeToken, uint256 ceiling) external onlyOwner {
        mintCeiling[homeToken] = ceiling;
        emit MintCeilingSet(homeToken, ceiling);
    }

    function wrappedTokenOf(address homeToken) external view returns (address) {
        return wrappedAssets[homeToken].wrappedToken;
    }

    function mint(Message calldata message, uint64 epoch, bytes[] calldata signatures)
        external
        whenNotPaused
        nonReentrant
    {
        _mint(message, epoch, signatures);
    }

    /// @notice Mints many attested messages in one transaction, each under exactly the checks of `mint`.
    /// An id that is already processed is skipped (two relayers racing do not waste a whole batch); any
    /// other failed check reverts the batch. Returns how many messages were minted.
    function mintBatch(Message[] calldata messages, uint64 epoch, bytes[][] calldata signatures)
        external
        whenNotPaused
        nonReentrant
        returns (uint256 minted)
    {
        if (messages.length != signatures.length) revert BatchLengthMismatch(messages.length, signatures.length);
        for (uint256 i = 0; i < messages.length; i++) {
            if (_alreadyDelivered(messages[i])) continue;
            _mint(messages[i], epoch, signatures[i]);
            minted++;
        }
    }

    /// @notice Mints one message proven against a root a quorum signed (`submitRoot`): the path for
    /// self-relay. Reverts NonceAlreadyDelivered when either path already delivered the message.
    function mintWithProof(Message calldata message, bytes32 root, bytes32[] calldata proof)
        external
        whenNotPaused
        nonReentrant
    {
        (bytes32 id, RootRange memory range) = _proveOne(message, root, proof);
        if (!_acceptProven(message, range, _nonceWords(message.sourceChainId, message.sourceBridge))) {
            revert NonceAlreadyDelivered(message.sourceChainId, message.sourceBridge, message.nonce);
        }
        _credit(message, id);
        emit DeliveredUnderRoot(root, message.sourceChainId, 1);
    }

    /// @notice Mints a batch of one route proven against one stored root by a single multiproof
    /// (`proof`, `proofFlags`; lib/bridge/merkle.ts builds them; `messages` in ascending nonce order).
    /// Messages either path already delivered are skipped, like `mintBatch`; any other failed check
    /// reverts the batch. Returns how many messages were minted.
    function mintBatchWithProof(
        Message[] calldata messages,
        bytes32 root,
        bytes32[] calldata proof,
        bool[] calldata proofFlags
    ) external whenNotPaused nonReentrant returns (uint256 minted) {
        (bytes32[] memory ids, RootRange memory range) = _proveBatch(messages, root, proof, proofFlags);
        uint64 sourceChainId = messages[0].sourceChainId;
        mapping(uint256 => uint256) storage words = _nonceWords(sourceChainId, messages[0].sourceBridge);
        // The mint budget is spent once per run of same-token messages rather than once per message (a
        // batch is usually one token): the batch reverts as a whole anyway if any run exceeds it.
        address runToken;
        uint256 runAmount;
        for (uint256 i = 0; i < ids.length; i++) {
            Message calldata message = messages[i];
            if (!_acceptProven(message, range, words)) continue;
            if (message.token != runToken) {
                if (runAmount != 0) _spendMintBudget(sourceChainId, runToken, runAmount);
                (runToken, runAmount) = (message.token, 0);
            }
            _mintWrapped(message, ids[i]);
            runAmount += message.amount;
            minted++;
        }
        if (runAmount != 0) _spendMintBudget(sourceChainId, runToken, runAmount);
        emit DeliveredUnderRoot(root, sourceChainId, minted);
    }

    function _mint(Message calldata message, uint64 epoch, bytes[] calldata signatures) private {
        _credit(message, _acceptInbound(message, epoch, signatures));
    }

    /// @dev The minting half every path shares: the token, its home chain, the supply ceiling and the
    /// mint budget of the current epoch.
    function _credit(Message calldata message, bytes32 id) private {
        _mintWrapped(message, id);
        _spendMintBudget(message.sourceChainId, message.token, message.amount);
    }

    /// @dev `_credit` without the budget, which the caller spends: the token, its home chain and the ceiling.
    function _mintWrapped(Message calldata message, bytes32 id) private {
        WrappedAsset memory asset = wrappedAssets[message.token];
        if (asset.wrappedToken == address(0)) revert UnsupportedToken(message.token);
        if (message.sourceChainId != asset.homeChainId) {
            revert WrongSourceChain(asset.homeChainId, message.sourceChainId);
        }
        IWrappedToken wrapped = IWrappedToken(asset.wrappedToken);
        uint256 supplyAfter = wrapped.totalSupply() + message.amount;
        uint256 ceiling = mintCeiling[message.token];
        if (supplyAfter > ceiling) revert MintExceedsCredit(ceiling, supplyAfter);
        wrapped.mint(message.recipient, message.amount);
        emit Minted(
            id, message.token, message.recipient, asset.wrappedToken, message.sourceChainId, message.amount
        );
    }

    /// @notice Burns `amount` of `wrappedToken` from the caller toward its home chain.
    function burn(address wrappedToken, uint256 amount, uint64 destinationChainId, address recipient)
        external
        whenNotPaused
        nonReentrant
        returns (bytes32)
    {
        return _burn(wrappedToken, msg.sender, amount, destinationChainId, recipient);
    }

    /// @notice `WrappedToken.burn` lands here: only a registered wrapped token may burn for its holder.
    function burnFor(address holder, uint256 amount, uint64 destinationChainId, address recipient)
        external
        whenNotPaused
        nonReentrant
        returns (bytes32)
    {
        if (homeTokenOf[msg.sender] == address(0)) revert UnsupportedToken(msg.sender);
        return _burn(msg.sender, holder, amount, destinationChainId, recipient);
    }

    function _burn(
        address wrappedToken,
        address holder,
        uint256 amount,
        uint64 destinationChainId,
        address recipient
    ) private returns (bytes32 id) {
        address homeToken = homeTokenOf[wrappedToken];
        if (homeToken == address(0)) revert UnsupportedToken(wrappedToken);
        uint64 homeChainId = wrappedAssets[homeToken].homeChainId;
        if (destinationChainId != homeChainId) revert NotHomeChain(homeChainId, destinationChainId);
        Message memory message = _outboundMessage(destinationChainId, homeToken, holder, recipient, amount);
        IWrappedToken(wrappedToken).burnFrom(holder, amount);
        id = hashMessageMemory(message);
        emit Burned(
            id, homeToken, holder, destinationChainId, message.destinationBridge, message.nonce, recipient, amount
        );
    }
}
