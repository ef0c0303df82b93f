// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice The Merkle tree validators sign over a contiguous nonce range of one route (lib/bridge/merkle.ts
/// builds the same tree). Leaves and inner nodes are hashed with different one-byte prefixes and
/// different preimage lengths (33 vs 65 bytes), so no inner node can ever pass as a message leaf.
/// Pairs are hashed sorted, so proofs carry no left/right bits.
library MessageMerkle {
    error InvalidMultiProof();

    /// @notice leaf = keccak256(0x00 || messageId).
    function leafHash(bytes32 messageId) internal pure returns (bytes32 leaf) {
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore8(p, 0x00)
            mstore(add(p, 1), messageId)
            leaf := keccak256(p, 33)
        }
    }

    /// @notice inner = keccak256(0x01 || min(a, b) || max(a, b)). Writes past the free memory pointer
    /// without allocating, so a batch of thousands of messages does not grow memory per hash.
    function nodeHash(bytes32 a, bytes32 b) internal pure returns (bytes32 node) {
        (bytes32 low, bytes32 high) = a < b ? (a, b) : (b, a);
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore8(p, 0x01)
            mstore(add(p, 1), low)
            mstore(add(p, 33), high)
            node := keccak256(p, 65)
        }
    }

    /// @notice The root a single proof leads to from `leaf` (siblings from the leaf upward).
    function rootOf(bytes32 leaf, bytes32[] calldata proof) internal pure returns (bytes32 node) {
        node = leaf;
        for (uint256 i = 0; i < proof.length; i++) {
            node = nodeHash(node, proof[i]);
        }
    }

    /// @notice The root a multiproof leads to. `leaves` are in tree order (ascending leaf index, i.e.
    /// ascending nonce); step i hashes two items taken from the queue of leaves-then-computed-nodes,
    /// or one item and the next `proof` element when `useQueue[i]` is false.
    /// @dev Rejects, instead of reading as zero, any step that would take a node not computed yet, and
    /// any proof that is not consumed exactly: together with the length equation this means every leaf
    /// and every computed node except the root is used once (the 2023 multiproof advisory class).
    function multiRootOf(bytes32[] memory leaves, bytes32[] calldata proof, bool[] calldata useQueue)
        internal
        pure
        returns (bytes32)
    {
        uint256 leafCount = leaves.length;
        uint256 steps = useQueue.length;
        if (leafCount == 0 || leafCount + proof.length != steps + 1) revert InvalidMultiProof();
        if (steps == 0) return leaves[0];
        bytes32[] memory nodes = new bytes32[](steps);
        uint256 leafPos;
        uint256 nodePos;
        uint256 proofPos;
        for (uint256 i = 0; i < steps; i++) {
            bytes32 a;
            bytes32 b;
            (a, leafPos, nodePos) = _next(leaves, nodes, leafPos, nodePos, i);
            if (useQueue[i]) {
                (b, leafPos, nodePos) = _next(leaves, nodes, leafPos, nodePos, i);
            } else {
                if (proofPos == proof.length) revert InvalidMultiProof();
                b = proof[proofPos++];
            }
            nodes[i] = nodeHash(a, b);
        }
        if (proofPos != proof.length) revert InvalidMultiProof();
        return nodes[steps - 1];
    }

    function _next(bytes32[] memory leaves, bytes32[] memory nodes, uint256 leafPos, uint256 nodePos, uint256 step)
        private
        pure
        returns (bytes32, uint256, uint256)
    {
        if (leafPos < leaves.length) return (leaves[leafPos], leafPos + 1, nodePos);
        if (nodePos >= step) revert InvalidMultiProof();
        return (nodes[nodePos], leafPos, nodePos + 1);
    }
}
