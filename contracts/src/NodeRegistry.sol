// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";

/// @title NodeRegistry
/// @notice Providers and validators register, stake the chain's native token, top up, request unbonding
/// and withdraw after a delay. Stake is locked while a provider holds a job, and only the escrow can
/// lock, unlock or slash it. Slashed stake is credited to a beneficiary, who withdraws it (pull payment).
/// @dev Invariant: for every node, locked + unbonding <= stake. Lock and unbond take only free stake;
/// a slash takes locked stake and removes it from both, so the invariant holds after every call.
contract NodeRegistry is Ownable, ReentrancyGuardTransient {
    uint8 public constant ROLE_PROVIDER = 1;
    uint8 public constant ROLE_VALIDATOR = 2;

    /// @notice What a node offers. `taskTypes` is a bit set over TrainingEscrow.TaskType (bit i = type i).
    struct Capabilities {
        uint8 acceleratorClass;
        uint32 taskTypes;
        string region;
    }

    struct Node {
        uint128 stake; // everything deposited and not yet withdrawn or slashed, unbonding included
        uint128 locked; // held by the escrow for jobs in progress
        uint128 unbonding; // requested for withdrawal
        uint64 releaseAt; // when `unbonding` can be withdrawn
        uint8 roles;
        bool registered;
        string metadataURI;
        Capabilities caps;
    }

    uint256 public immutable minRegistrationStake;
    uint64 public immutable unbondingDelay;

    /// @notice The only address allowed to lock, unlock and slash stake. Set once.
    address public escrow;
    uint256 public totalStake;
    uint256 public totalCredits;
    mapping(address account => uint256) public credits;
    mapping(address node => Node) private _nodes;

    event EscrowSet(address indexed escrow);
    event NodeRegistered(
        address indexed node,
        uint8 roles,
        uint256 stake,
        string metadataURI,
        uint8 acceleratorClass,
        uint32 taskTypes,
        string region
    );
    event NodeUpdated(address indexed node, uint8 roles, string metadataURI, uint8 acceleratorClass, uint32 taskTypes, string region);
    event StakeAdded(address indexed node, uint256 amount, uint256 stake);
    event UnbondingRequested(address indexed node, uint256 amount, uint256 unbonding, uint64 releaseAt);
    event UnbondedWithdrawn(address indexed node, uint256 amount, uint256 stake);
    event StakeLocked(address indexed node, uint256 amount, uint256 locked);
    event StakeUnlocked(address indexed node, uint256 amount, uint256 locked);
    event StakeSlashed(address indexed node, uint256 amount, address indexed beneficiary, uint256 stake);
    event CreditWithdrawn(address indexed account, uint256 amount);

    error ZeroAddress();
    error ZeroAmount();
    error EscrowAlreadySet(address escrow);
    error NotEscrow(address caller);
    error AlreadyRegistered(address node);
    error NotRegistered(address node);
    error InvalidRoles(uint8 roles);
    error StakeBelowMinimum(uint256 stake, uint256 minimum);
    error NotProvider(address node);
    error InsufficientStake(address node, uint256 free, uint256 required);
    error ExceedsLocked(address node, uint256 locked, uint256 amount);
    error NothingUnbonding(address node);
    error UnbondingNotReady(address node, uint64 releaseAt, uint256 timestamp);
    error NothingToWithdraw(address account);
    error StakeOverflow(uint256 stake);

    modifier onlyEscrow() {
        if (msg.sender != escrow) revert NotEscrow(msg.sender);
        _;
    }

    constructor(address owner_, uint256 minRegistrationStake_, uint64 unbondingDelay_) Ownable(owner_) {
        minRegistrationStake = minRegistrationStake_;
        unbondingDelay = unbondingDelay_;
    }

    /// @notice Wire the escrow. Once only: an owner able to swap it could slash anyone through a new one.
    function setEscrow(address escrow_) external onlyOwner {
        if (escrow_ == address(0)) revert ZeroAddress();
        if (escrow != address(0)) revert EscrowAlreadySet(escrow);
        escrow = escrow_;
        emit EscrowSet(escrow_);
    }

    // ---------------------------------------------------------------- nodes

    /// @notice Register as a provider and/or validator, staking `msg.value`.
    function register(uint8 roles, string calldata metadataURI, Capabilities calldata caps) external payable {
        Node storage n = _nodes[msg.sender];
        if (n.registered) revert AlreadyRegistered(msg.sender);
        _checkRoles(roles);
        if (msg.value < minRegistrationStake) revert StakeBelowMinimum(msg.value, minRegistrationStake);
        n.registered = true;
        n.roles = roles;
        n.metadataURI = metadataURI;
        n.caps = caps;
        _addStake(n, msg.value);
        emit NodeRegistered(msg.sender, roles, msg.value, metadataURI, caps.acceleratorClass, caps.taskTypes, caps.region);
    }

    /// @notice Change roles, metadata or capabilities. Stake is untouched.
    function update(uint8 roles, string calldata metadataURI, Capabilities calldata caps) external {
        Node storage n = _registered(msg.sender);
        _checkRoles(roles);
        n.roles = roles;
        n.metadataURI = metadataURI;
        n.caps = caps;
        emit NodeUpdated(msg.sender, roles, metadataURI, caps.acceleratorClass, caps.taskTypes, caps.region);
    }

    function topUp() external payable {
        if (msg.value == 0) revert ZeroAmount();
        Node storage n = _registered(msg.sender);
        _addStake(n, msg.value);
        emit StakeAdded(msg.sender, msg.value, n.stake);
    }

    /// @notice Start unbonding `amount` of free stake. A second request adds to the first and restarts the delay.
    function requestUnbonding(uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        Node storage n = _registered(msg.sender);
        uint256 free = _free(n);
        if (amount > free) revert InsufficientStake(msg.sender, free, amount);
        // amount <= free <= stake < 2^128, so the cast and the sum fit.
        n.unbonding += uint128(amount);
        n.releaseAt = uint64(block.timestamp) + unbondingDelay;
        emit UnbondingRequested(msg.sender, amount, n.unbonding, n.releaseAt);
    }

    /// @notice Withdraw everything unbonding once the delay has passed.
    function withdrawUnbonded() external nonReentrant {
        Node storage n = _registered(msg.sender);
        uint256 amount = n.unbonding;
        if (amount == 0) revert NothingUnbonding(msg.sender);
        if (block.timestamp < n.releaseAt) revert UnbondingNotReady(msg.sender, n.releaseAt, block.timestamp);
        n.unbonding = 0;
        n.stake -= uint128(amount);
        totalStake -= amount;
        emit UnbondedWithdrawn(msg.sender, amount, n.stake);
        Address.sendValue(payable(msg.sender), amount);
    }

    /// @notice Withdraw slashed stake credited to the caller.
    function withdrawCredit() external nonReentrant {
        uint256 amount = credits[msg.sender];
        if (amount == 0) revert NothingToWithdraw(msg.sender);
        credits[msg.sender] = 0;
        totalCredits -= amount;
        emit CreditWithdrawn(msg.sender, amount);
        Address.sendValue(payable(msg.sender), amount);
    }

    // ---------------------------------------------------------------- escrow only

    function lock(address node, uint256 amount) external onlyEscrow {
        Node storage n = _registered(node);
        if (n.roles & ROLE_PROVIDER == 0) revert NotProvider(node);
        uint256 free = _free(n);
        if (amount > free) revert InsufficientStake(node, free, amount);
        n.locked += uint128(amount);
        emit StakeLocked(node, amount, n.locked);
    }

    function unlock(address node, uint256 amount) external onlyEscrow {
        Node storage n = _nodes[node];
        if (amount > n.locked) revert ExceedsLocked(node, n.locked, amount);
        n.locked -= uint128(amount);
        emit StakeUnlocked(node, amount, n.locked);
    }

    /// @notice Take `amount` of `node`'s locked stake and credit it to `beneficiary`.
    function slash(address node, uint256 amount, address beneficiary) external onlyEscrow {
        Node storage n = _nodes[node];
        if (amount > n.locked) revert ExceedsLocked(node, n.locked, amount);
        n.locked -= uint128(amount);
        n.stake -= uint128(amount);
        totalStake -= amount;
        credits[beneficiary] += amount;
        totalCredits += amount;
        emit StakeSlashed(node, amount, beneficiary, n.stake);
    }

    // ---------------------------------------------------------------- views

    function nodeOf(address node) external view returns (Node memory) {
        return _nodes[node];
    }

    function freeStake(address node) external view returns (uint256) {
        return _free(_nodes[node]);
    }

    function isProvider(address node) external view returns (bool) {
        Node storage n = _nodes[node];
        return n.registered && n.roles & ROLE_PROVIDER != 0;
    }

    function isValidator(address node) external view returns (bool) {
        Node storage n = _nodes[node];
        return n.registered && n.roles & ROLE_VALIDATOR != 0;
    }

    // ---------------------------------------------------------------- internals

    function _registered(address node) private view returns (Node storage n) {
        n = _nodes[node];
        if (!n.registered) revert NotRegistered(node);
    }

    function _free(Node storage n) private view returns (uint256) {
        return uint256(n.stake) - n.locked - n.unbonding;
    }

    function _checkRoles(uint8 roles) private pure {
        if (roles == 0 || roles & ~(ROLE_PROVIDER | ROLE_VALIDATOR) != 0) revert InvalidRoles(roles);
    }

    function _addStake(Node storage n, uint256 amount) private {
        uint256 stake = uint256(n.stake) + amount;
        if (stake > type(uint128).max) revert StakeOverflow(stake);
        n.stake = uint128(stake);
        totalStake += amount;
    }
}
