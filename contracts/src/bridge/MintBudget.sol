// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Owned} from "./Owned.sol";

/// @notice What a validator quorum can mint per budget epoch (a fixed window of MINT_EPOCH_SECONDS), per
/// source chain and home token, whatever it signs. The mint ceiling bounds the supply, and burns free
/// ceiling room again, so a stolen quorum could mint the whole unused ceiling in one block; this budget
/// is spent by every mint (root proofs and per-message attestations alike) and never refunded, so the
/// quorum's reach is `perEpoch` per window: at most 2 * perEpoch across one window boundary and
/// (n + 1) * perEpoch over n windows, until the owner sets the budget to 0 or the pauser pauses.
/// @dev The window is wall-clock time, not the validator-set epoch: a stolen quorum can sign its own
/// rotations, so a budget per validator-set epoch would refill with every rotation it signs.
abstract contract MintBudget is Owned {
    uint64 public constant MINT_EPOCH_SECONDS = 1 days;

    struct Budget {
        uint256 perEpoch;
        // The budget epoch `spent` belongs to, packed with it: each mint writes one warm slot, and a new
        // window overwrites a non-zero slot instead of creating one.
        uint64 epoch;
        uint192 spent;
    }

    /// @dev sourceChainId => homeToken => budget. 0 (the default) mints nothing.
    mapping(uint64 => mapping(address => Budget)) private _budgets;

    event MintBudgetSet(uint64 indexed sourceChainId, address indexed homeToken, uint256 perEpoch);

    error MintBudgetExceeded(uint256 available, uint256 requested);
    error MintBudgetTooLarge(uint256 perEpoch);

    /// @notice Sets what may be minted per budget epoch for messages of `homeToken` from `sourceChainId`.
    /// What the current window already spent stays spent, so lowering then raising it refills nothing.
    function setMintBudget(uint64 sourceChainId, address homeToken, uint256 perEpoch) external onlyOwner {
        if (perEpoch > type(uint192).max) revert MintBudgetTooLarge(perEpoch);
        _budgets[sourceChainId][homeToken].perEpoch = perEpoch;
        emit MintBudgetSet(sourceChainId, homeToken, perEpoch);
    }

    /// @notice The budget per epoch, what is left of it in the current window, and when the window ends.
    function mintBudgetOf(uint64 sourceChainId, address homeToken)
        external
        view
        returns (uint256 perEpoch, uint256 available, uint64 epochEndsAt)
    {
        Budget storage budget = _budgets[sourceChainId][homeToken];
        uint64 epoch = _currentMintEpoch();
        perEpoch = budget.perEpoch;
        available = _available(perEpoch, budget.epoch == epoch ? budget.spent : 0);
        epochEndsAt = (epoch + 1) * MINT_EPOCH_SECONDS;
    }

    function _spendMintBudget(uint64 sourceChainId, address homeToken, uint256 amount) internal {
        Budget storage budget = _budgets[sourceChainId][homeToken];
        uint64 epoch = _currentMintEpoch();
        uint256 spent = budget.epoch == epoch ? budget.spent : 0;
        uint256 available = _available(budget.perEpoch, spent);
        if (amount > available) revert MintBudgetExceeded(available, amount);
        budget.epoch = epoch;
        // spent + amount <= perEpoch <= type(uint192).max, so the cast cannot truncate.
        budget.spent = uint192(spent + amount);
    }

    function _currentMintEpoch() private view returns (uint64) {
        return uint64(block.timestamp / MINT_EPOCH_SECONDS);
    }

    /// @dev The owner may lower the budget below what this window already spent: nothing is left then.
    function _available(uint256 perEpoch, uint256 spent) private pure returns (uint256) {
        return spent >= perEpoch ? 0 : perEpoch - spent;
    }
}
