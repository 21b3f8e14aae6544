// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TrainingEscrow} from "./TrainingEscrow.sol";

/// @title ModelRegistry
/// @notice Adapter versions with their lineage: base model, environment version, the job that produced
/// them, the parent adapter and the proof. An adapter that names a job is checked against the escrow:
/// the job must be finalized, the caller must be its provider and the adapter root must be the one the
/// job settled, so lineage claimed through a job is as trustworthy as the job's settlement. An adapter
/// with no job (jobId 0) is recorded as its registrant says, and `verified` is false; a later job-backed
/// registration of the same root takes over `adapterByRoot`. One adapter per job: a job settles one root.
contract ModelRegistry {
    struct Adapter {
        bytes32 adapterRoot;
        bytes32 baseModel;
        uint256 envVersionId;
        uint256 jobId;
        uint256 parentId;
        bytes32 proofHash;
        address registrant;
        uint64 registeredAt;
        bool verified;
        string uri;
    }

    TrainingEscrow public immutable escrow;
    uint256 public adapterCount;
    mapping(uint256 adapterId => Adapter) private _adapters;
    mapping(bytes32 adapterRoot => uint256 adapterId) public adapterByRoot;
    mapping(uint256 jobId => uint256 adapterId) public adapterByJob;

    event AdapterRegistered(
        uint256 indexed adapterId,
        bytes32 indexed adapterRoot,
        uint256 indexed parentId,
        bytes32 baseModel,
        uint256 envVersionId,
        uint256 jobId,
        bytes32 proofHash,
        address registrant,
        bool verified,
        string uri
    );

    error ZeroAdapterRoot();
    error AdapterExists(bytes32 adapterRoot, uint256 adapterId);
    error UnknownAdapter(uint256 adapterId);
    error JobNotFinalized(uint256 jobId, TrainingEscrow.JobState state);
    error NotJobProvider(uint256 jobId, address caller, address provider);
    error AdapterMismatch(uint256 jobId, bytes32 claimed, bytes32 settled);
    error LineageMismatch(uint256 jobId, bytes32 baseModel, uint256 envVersionId);

    constructor(TrainingEscrow escrow_) {
        escrow = escrow_;
    }

    /// @notice Record an adapter version. With a `jobId`, base model and environment version must be the
    /// job's and the adapter root the one it settled.
    function registerAdapter(
        bytes32 adapterRoot,
        bytes32 baseModel,
        uint256 envVersionId,
        uint256 jobId,
        uint256 parentId,
        bytes32 proofHash,
        string calldata uri
    ) external returns (uint256 adapterId) {
        if (adapterRoot == bytes32(0)) revert ZeroAdapterRoot();
        bool verified = jobId != 0;
        uint256 existing = adapterByRoot[adapterRoot];
        // An unverified record never blocks the job-backed one: otherwise anyone could squat a provider's
        // adapter root before the provider registers it.
        if (existing != 0 && (_adapters[existing].verified || !verified)) revert AdapterExists(adapterRoot, existing);
        if (parentId != 0 && parentId > adapterCount) revert UnknownAdapter(parentId);
        if (verified) _checkJob(jobId, adapterRoot, baseModel, envVersionId);
        adapterId = ++adapterCount;
        _adapters[adapterId] = Adapter(
            adapterRoot, baseModel, envVersionId, jobId, parentId, proofHash, msg.sender, uint64(block.timestamp), verified, uri
        );
        adapterByRoot[adapterRoot] = adapterId;
        if (jobId != 0) adapterByJob[jobId] = adapterId;
        emit AdapterRegistered(
            adapterId, adapterRoot, parentId, baseModel, envVersionId, jobId, proofHash, msg.sender, verified, uri
        );
    }

    function _checkJob(uint256 jobId, bytes32 adapterRoot, bytes32 baseModel, uint256 envVersionId) private view {
        (TrainingEscrow.JobState state, address provider, bytes32 settled, bytes32 jobBase, uint256 jobEnv) =
            escrow.jobOutcome(jobId);
        if (state != TrainingEscrow.JobState.Finalized) revert JobNotFinalized(jobId, state);
        if (msg.sender != provider) revert NotJobProvider(jobId, msg.sender, provider);
        if (settled != adapterRoot) revert AdapterMismatch(jobId, adapterRoot, settled);
        if (jobBase != baseModel || jobEnv != envVersionId) revert LineageMismatch(jobId, jobBase, jobEnv);
    }

    function adapter(uint256 adapterId) external view returns (Adapter memory) {
        if (adapterId == 0 || adapterId > adapterCount) revert UnknownAdapter(adapterId);
        return _adapters[adapterId];
    }

    /// @notice The chain of ancestors of `adapterId`, nearest first (at most `maxDepth`).
    function lineage(uint256 adapterId, uint256 maxDepth) external view returns (uint256[] memory ids) {
        if (adapterId == 0 || adapterId > adapterCount) revert UnknownAdapter(adapterId);
        ids = new uint256[](maxDepth);
        uint256 n;
        uint256 cur = _adapters[adapterId].parentId;
        while (cur != 0 && n < maxDepth) {
            ids[n++] = cur;
            cur = _adapters[cur].parentId;
        }
        // Shrink the array to the ancestors found.
        assembly ("memory-safe") {
            mstore(ids, n)
        }
    }
}
