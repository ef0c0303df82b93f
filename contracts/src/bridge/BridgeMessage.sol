// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice One cross-chain transfer (DESIGN section 3). `token` is always the home-chain token address.
struct Message {
    uint8 version;
    uint64 sourceChainId;
    uint64 destinationChainId;
    address sourceBridge;
    address destinationBridge;
    uint64 nonce;
    address token;
    address sender;
    address recipient;
    uint256 amount;
}

uint8 constant MESSAGE_VERSION = 1;

bytes32 constant ATTESTATION_TYPEHASH = keccak256(
    "Attestation(uint8 version,uint64 sourceChainId,uint64 destinationChainId,address sourceBridge,address destinationBridge,uint64 nonce,address token,address sender,address recipient,uint256 amount,uint64 epoch)"
);

/// @dev Every field is static, so abi.encode(message) is the ten fields encoded one after the other:
/// the message id of DESIGN section 3.
function hashMessage(Message calldata message) pure returns (bytes32) {
    return keccak256(abi.encode(message));
}

function hashMessageMemory(Message memory message) pure returns (bytes32) {
    return keccak256(abi.encode(message));
}

/// @dev EIP-712 struct hash of the Attestation type: the message fields followed by the epoch.
function attestationStructHash(Message calldata message, uint64 epoch) pure returns (bytes32) {
    return keccak256(abi.encode(ATTESTATION_TYPEHASH, message, epoch));
}
