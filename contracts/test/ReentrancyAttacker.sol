// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice Test-only attacker. It acts as an ordinary account through `run` (open a job, register as a
/// node, …); once armed, the first time it receives ETH it calls `target` again with `reenterData`
/// (typically the very withdraw that is paying it) and records what happened instead of reverting, so
/// the test can assert that the re-entry was refused and that the outer payment was made exactly once.
contract ReentrancyAttacker {
    address public target;
    bytes public reenterData;
    uint256 public attempts;
    bool public reentrySucceeded;
    bytes public reentryError;
    uint256 public received;
    bool public rejectPayments;

    error PaymentRejected(uint256 amount);

    function setRejectPayments(bool reject) external {
        rejectPayments = reject;
    }

    function arm(address target_, bytes calldata reenterData_) external {
        target = target_;
        reenterData = reenterData_;
        attempts = 0;
        reentrySucceeded = false;
        delete reentryError;
    }

    /// @notice Call `to` with `value` wei from this contract's balance (or msg.value), bubbling reverts.
    function run(address to, uint256 value, bytes calldata data) external payable returns (bytes memory ret) {
        bool ok;
        (ok, ret) = to.call{value: value}(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(ret, 32), mload(ret))
            }
        }
    }

    receive() external payable {
        if (rejectPayments) revert PaymentRejected(msg.value);
        received += msg.value;
        if (target != address(0) && attempts == 0) {
            attempts = 1;
            (bool ok, bytes memory ret) = target.call(reenterData);
            reentrySucceeded = ok;
            reentryError = ret;
        }
    }
}
