// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {ISettlementVerifier} from "./interfaces/ISettlementVerifier.sol";
import {IDisputeResolver} from "./interfaces/IDisputeResolver.sol";
import {NodeRegistry} from "./NodeRegistry.sol";
import {GymMarketplace} from "./GymMarketplace.sol";

/// @title TrainingEscrow
/// @notice Zoo Gym's task lifecycle for the five task types. A creator opens a job with its budget
/// escrowed; a registered provider with enough free stake claims it (its stake is locked); the provider
/// submits a result whose settlement proof is checked by an ISettlementVerifier; a challenge window
/// follows, during which anyone but the provider can post a bond and open a dispute decided by an
/// IDisputeResolver. Finalize credits the provider, the environment author (price per use + royalty)
/// and the protocol fee, and refunds the rest of the budget to the creator. Expiry (missed deadlines, or a
/// resolver silent for RESOLUTION_TIMEOUT) and cancel-before-claim refund the creator.
/// @dev Every payment is a credit to `balanceOf` that the payee withdraws (pull payments), so no state
/// change ever waits on an outside call that could fail or re-enter. The only value transfer is in
/// `withdraw`, after the balance is zeroed, under OpenZeppelin's transient reentrancy guard. The
/// verifier and the resolver are only read (staticcall) and are fixed per job when it opens.
/// Solvency: address(this).balance >= totalHeld + totalBalances at all times.
contract TrainingEscrow is Ownable, ReentrancyGuardTransient {
    enum TaskType {
        PreTraining,
        FineTuning,
        GRPO,
        Federated,
        Evaluation
    }

    enum JobState {
        None,
        Open,
        Claimed,
        Submitted,
        Challenged,
        Resolved,
        Finalized,
        Slashed,
        Expired,
        Cancelled
    }

    /// @notice Fixed: the provider earns the whole budget (less the environment's price per use).
    /// PerScore: it earns `rate` wei per micro-unit of total score, capped at the same amount.
    enum PriceRule {
        Fixed,
        PerScore
    }

    /// @notice What a creator asks for. `envVersionId` (a GymMarketplace version) or `datasetRoot` says
    /// what to train on; GRPO and evaluation jobs need an environment. `minPassing`: the fewest passing
    /// episodes a result may prove (0: no minimum).
    struct JobParams {
        TaskType taskType;
        uint256 envVersionId;
        bytes32 datasetRoot;
        bytes32 baseModel;
        PriceRule priceRule;
        uint128 rate;
        uint128 minStake;
        uint64 claimDeadline;
        uint64 submitDeadline;
        uint64 challengeWindow;
        bool evalRequired;
        uint32 minEvalScore;
        uint32 minPassing;
    }

    struct Job {
        address creator;
        JobState state;
        TaskType taskType;
        PriceRule priceRule;
        bool evalRequired;
        uint32 minEvalScore;
        uint16 royaltyBps;
        uint16 feeBps;
        address provider;
        uint64 claimDeadline;
        uint32 minPassing;
        address author;
        uint64 submitDeadline;
        ISettlementVerifier verifier;
        uint64 challengeWindow;
        IDisputeResolver resolver;
        uint64 challengeEndsAt;
        uint128 budget;
        uint128 usePrice;
        uint128 rate;
        uint128 minStake;
        uint256 envVersionId;
        bytes32 datasetRoot;
        bytes32 baseModel;
    }

    /// @notice What a provider submits besides the proof. `episodesRoot`, `episodes` (the episode count),
    /// `passing` (the passing episodes) and `totalScore` (micro-units) are proven public inputs; the adapter
    /// and metrics roots are commitments the proof does not cover (validators check them).
    struct ResultInput {
        bytes32 episodesRoot;
        bytes32 adapterRoot;
        bytes32 metricsRoot;
        uint256 totalScore;
        uint64 episodes;
        uint64 passing;
    }

    struct Result {
        bytes32 episodesRoot;
        bytes32 adapterRoot;
        bytes32 metricsRoot;
        uint256 totalScore;
        uint256 payout;
        uint64 episodes;
        uint64 passing;
    }

    struct Dispute {
        address challenger;
        uint64 openedAt;
        uint256 bond;
        bytes32 evidence;
    }

    uint16 public constant MAX_FEE_BPS = 1_000;
    uint64 public constant MAX_CHALLENGE_WINDOW = 30 days;
    uint32 public constant SCORE_ONE = 1_000_000;
    /// @notice How long the resolver has to decide a dispute, or to report a required evaluation, before
    /// anyone may expire the job (refunding the creator, returning the bond, unlocking the stake).
    uint64 public constant RESOLUTION_TIMEOUT = 30 days;

    NodeRegistry public immutable registry;
    GymMarketplace public immutable marketplace;

    ISettlementVerifier public verifier;
    IDisputeResolver public resolver;
    address public feeRecipient;
    uint16 public protocolFeeBps;
    uint256 public challengeBond;

    uint256 public jobCount;
    /// @notice Budgets of live jobs plus bonds of open disputes.
    uint256 public totalHeld;
    /// @notice Sum of `balanceOf` over all accounts.
    uint256 public totalBalances;
    mapping(address account => uint256) public balanceOf;
    mapping(uint256 jobId => Job) private _jobs;
    mapping(uint256 jobId => Result) private _results;
    mapping(uint256 jobId => Dispute) private _disputes;

    event JobOpened(uint256 indexed jobId, address indexed creator, uint256 indexed envVersionId, JobParams params, uint256 budget, uint256 usePrice);
    event JobCancelled(uint256 indexed jobId, uint256 refund);
    event JobClaimed(uint256 indexed jobId, address indexed provider, uint256 lockedStake);
    event ResultSubmitted(
        uint256 indexed jobId,
        address indexed provider,
        bytes32 episodesRoot,
        bytes32 adapterRoot,
        bytes32 metricsRoot,
        uint256 totalScore,
        uint64 episodes,
        uint64 passing,
        uint256 payout,
        uint64 challengeEndsAt
    );
    event DisputeOpened(uint256 indexed jobId, address indexed challenger, uint256 bond, bytes32 evidence);
    event DisputeResolved(uint256 indexed jobId, IDisputeResolver.Outcome outcome, address indexed winner, uint256 bond, uint256 slashed);
    event JobFinalized(uint256 indexed jobId, uint256 providerPay, uint256 authorPay, uint256 protocolFee, uint256 refund, uint32 evalScore);
    event JobExpired(uint256 indexed jobId, JobState from, uint256 refund);
    event Credited(address indexed account, uint256 indexed jobId, uint256 amount);
    event Withdrawn(address indexed account, uint256 amount);
    event ProtocolFeeSet(uint16 feeBps);
    event FeeRecipientSet(address indexed feeRecipient);
    event VerifierSet(address indexed verifier);
    event ResolverSet(address indexed resolver);
    event ChallengeBondSet(uint256 bond);

    error ZeroAddress();
    error FeeTooHigh(uint16 feeBps, uint16 max);
    error UnknownJob(uint256 jobId);
    error WrongState(uint256 jobId, JobState state, JobState expected);
    error NotCreator(uint256 jobId, address caller, address creator);
    error NotJobProvider(uint256 jobId, address caller, address provider);
    error MissingWorkload();
    error EnvironmentRequired(TaskType taskType);
    error VersionIsDeprecated(uint256 versionId);
    error BudgetTooLow(uint256 budget, uint256 usePrice);
    error AmountTooLarge(uint256 amount);
    error InvalidDeadlines(uint64 claimDeadline, uint64 submitDeadline, uint256 timestamp);
    error InvalidChallengeWindow(uint64 window, uint64 max);
    error InvalidEvalScore(uint32 score, uint32 max);
    error DeadlinePassed(uint256 jobId, uint64 deadline, uint256 timestamp);
    error MissingEpisodesRoot(uint256 jobId);
    error MissingAdapterRoot(uint256 jobId);
    error TooFewPassing(uint256 jobId, uint64 passing, uint32 minPassing);
    error InvalidSettlementProof(uint256 jobId, address provider, uint256 payout);
    error ChallengeWindowClosed(uint256 jobId, uint64 endsAt, uint256 timestamp);
    error ChallengeWindowOpen(uint256 jobId, uint64 endsAt, uint256 timestamp);
    error BondTooLow(uint256 bond, uint256 required);
    error SelfChallenge(uint256 jobId, address provider);
    error DisputePending(uint256 jobId);
    error EvaluationPending(uint256 jobId);
    error NotExpirable(uint256 jobId, JobState state, uint64 deadline, uint256 timestamp);
    error NothingToWithdraw(address account);

    constructor(
        address owner_,
        NodeRegistry registry_,
        GymMarketplace marketplace_,
        ISettlementVerifier verifier_,
        IDisputeResolver resolver_,
        address feeRecipient_,
        uint16 protocolFeeBps_,
        uint256 challengeBond_
    ) Ownable(owner_) {
        if (
            address(registry_) == address(0) || address(marketplace_) == address(0) || address(verifier_) == address(0)
                || address(resolver_) == address(0) || feeRecipient_ == address(0)
        ) revert ZeroAddress();
        if (protocolFeeBps_ > MAX_FEE_BPS) revert FeeTooHigh(protocolFeeBps_, MAX_FEE_BPS);
        registry = registry_;
        marketplace = marketplace_;
        verifier = verifier_;
        resolver = resolver_;
        feeRecipient = feeRecipient_;
        protocolFeeBps = protocolFeeBps_;
        challengeBond = challengeBond_;
    }

    // ---------------------------------------------------------------- owner

    function setProtocolFee(uint16 feeBps) external onlyOwner {
        if (feeBps > MAX_FEE_BPS) revert FeeTooHigh(feeBps, MAX_FEE_BPS);
        protocolFeeBps = feeBps;
        emit ProtocolFeeSet(feeBps);
    }

    function setFeeRecipient(address recipient) external onlyOwner {
        if (recipient == address(0)) revert ZeroAddress();
        feeRecipient = recipient;
        emit FeeRecipientSet(recipient);
    }

    /// @notice Applies to jobs opened from now on; open jobs keep the verifier they were opened with.
    function setVerifier(ISettlementVerifier verifier_) external onlyOwner {
        if (address(verifier_) == address(0)) revert ZeroAddress();
        verifier = verifier_;
        emit VerifierSet(address(verifier_));
    }

    /// @notice Applies to jobs opened from now on; open jobs keep the resolver they were opened with.
    function setResolver(IDisputeResolver resolver_) external onlyOwner {
        if (address(resolver_) == address(0)) revert ZeroAddress();
        resolver = resolver_;
        emit ResolverSet(address(resolver_));
    }

    function setChallengeBond(uint256 bond) external onlyOwner {
        challengeBond = bond;
        emit ChallengeBondSet(bond);
    }

    // ---------------------------------------------------------------- lifecycle

    /// @notice Open a job, escrowing `msg.value` as its budget.
    function openJob(JobParams calldata p) external payable returns (uint256 jobId) {
        if (p.envVersionId == 0 && p.datasetRoot == bytes32(0)) revert MissingWorkload();
        if (p.envVersionId == 0 && (p.taskType == TaskType.GRPO || p.taskType == TaskType.Evaluation)) {
            revert EnvironmentRequired(p.taskType);
        }
        if (p.claimDeadline <= block.timestamp || p.submitDeadline <= p.claimDeadline) {
            revert InvalidDeadlines(p.claimDeadline, p.submitDeadline, block.timestamp);
        }
        if (p.challengeWindow == 0 || p.challengeWindow > MAX_CHALLENGE_WINDOW) {
            revert InvalidChallengeWindow(p.challengeWindow, MAX_CHALLENGE_WINDOW);
        }
        if (p.minEvalScore > SCORE_ONE) revert InvalidEvalScore(p.minEvalScore, SCORE_ONE);
        // Keeps the uint128 casts below safe. Unreachable in practice (no chain has 2^128 wei in supply, and
        // anvil refuses such a value), so no test sends it; the check costs one comparison.
        if (msg.value > type(uint128).max) revert AmountTooLarge(msg.value);

        address author;
        uint256 usePrice;
        uint16 royaltyBps;
        if (p.envVersionId != 0) {
            bool deprecated;
            (author, usePrice, royaltyBps, deprecated) = marketplace.versionTerms(p.envVersionId);
            if (deprecated) revert VersionIsDeprecated(p.envVersionId);
        }
        if (msg.value <= usePrice) revert BudgetTooLow(msg.value, usePrice);

        jobId = ++jobCount;
        Job storage j = _jobs[jobId];
        j.creator = msg.sender;
        j.state = JobState.Open;
        j.taskType = p.taskType;
        j.priceRule = p.priceRule;
        j.evalRequired = p.evalRequired;
        j.minEvalScore = p.minEvalScore;
        j.royaltyBps = royaltyBps;
        j.feeBps = protocolFeeBps;
        j.claimDeadline = p.claimDeadline;
        j.minPassing = p.minPassing;
        j.author = author;
        j.submitDeadline = p.submitDeadline;
        j.verifier = verifier;
        j.challengeWindow = p.challengeWindow;
        j.resolver = resolver;
        // Both fit: usePrice < msg.value <= type(uint128).max.
        j.budget = uint128(msg.value);
        j.usePrice = uint128(usePrice);
        j.rate = p.rate;
        j.minStake = p.minStake;
        j.envVersionId = p.envVersionId;
        j.datasetRoot = p.datasetRoot;
        j.baseModel = p.baseModel;
        totalHeld += msg.value;
        emit JobOpened(jobId, msg.sender, p.envVersionId, p, msg.value, usePrice);
    }

    /// @notice The creator takes back an unclaimed job's budget.
    function cancel(uint256 jobId) external {
        Job storage j = _inState(jobId, JobState.Open);
        if (msg.sender != j.creator) revert NotCreator(jobId, msg.sender, j.creator);
        j.state = JobState.Cancelled;
        uint256 refund = j.budget;
        totalHeld -= refund;
        _credit(j.creator, jobId, refund);
        emit JobCancelled(jobId, refund);
    }

    /// @notice A registered provider with at least `minStake` free stake takes the job; that stake is locked.
    function claim(uint256 jobId) external {
        Job storage j = _inState(jobId, JobState.Open);
        if (block.timestamp > j.claimDeadline) revert DeadlinePassed(jobId, j.claimDeadline, block.timestamp);
        j.state = JobState.Claimed;
        j.provider = msg.sender;
        emit JobClaimed(jobId, msg.sender, j.minStake);
        // Trusted call (immutable registry); reverts with NotRegistered / NotProvider / InsufficientStake.
        registry.lock(msg.sender, j.minStake);
    }

    /// @notice The provider submits its result and the settlement proof over it. The public inputs are built
    /// here, from this chain, this contract, the job, the caller and a payout only `_payoutFor` computes, so a
    /// proof made for any other chain, escrow, job, provider or payout fails (see ISettlementVerifier).
    function submitResult(uint256 jobId, ResultInput calldata r, bytes calldata proof) external {
        Job storage j = _inState(jobId, JobState.Claimed);
        if (msg.sender != j.provider) revert NotJobProvider(jobId, msg.sender, j.provider);
        if (block.timestamp > j.submitDeadline) revert DeadlinePassed(jobId, j.submitDeadline, block.timestamp);
        if (j.envVersionId != 0 && r.episodesRoot == bytes32(0)) revert MissingEpisodesRoot(jobId);
        if (j.taskType != TaskType.Evaluation && r.adapterRoot == bytes32(0)) revert MissingAdapterRoot(jobId);
        if (r.passing < j.minPassing) revert TooFewPassing(jobId, r.passing, j.minPassing);

        uint256 payout = _payoutFor(j, r.totalScore);
        // The verifier reverts with its own custom error on a bad proof; a `false` from a verifier that does
        // not is turned into one here, so a submission never settles on a silent failure.
        if (!j.verifier.verify(proof, settlementInputs(jobId, msg.sender, r, payout))) {
            revert InvalidSettlementProof(jobId, msg.sender, payout);
        }

        uint64 endsAt = uint64(block.timestamp) + j.challengeWindow;
        j.state = JobState.Submitted;
        j.challengeEndsAt = endsAt;
        _results[jobId] =
            Result(r.episodesRoot, r.adapterRoot, r.metricsRoot, r.totalScore, payout, r.episodes, r.passing);
        emit ResultSubmitted(
            jobId,
            msg.sender,
            r.episodesRoot,
            r.adapterRoot,
            r.metricsRoot,
            r.totalScore,
            r.episodes,
            r.passing,
            payout,
            endsAt
        );
    }

    /// @notice Dispute a submitted result, posting at least `challengeBond`. Anyone but the provider may.
    function challenge(uint256 jobId, bytes32 evidence) external payable {
        Job storage j = _inState(jobId, JobState.Submitted);
        if (block.timestamp >= j.challengeEndsAt) revert ChallengeWindowClosed(jobId, j.challengeEndsAt, block.timestamp);
        if (msg.sender == j.provider) revert SelfChallenge(jobId, msg.sender);
        if (msg.value < challengeBond) revert BondTooLow(msg.value, challengeBond);
        j.state = JobState.Challenged;
        _disputes[jobId] = Dispute(msg.sender, uint64(block.timestamp), msg.value, evidence);
        totalHeld += msg.value;
        emit DisputeOpened(jobId, msg.sender, msg.value, evidence);
    }

    /// @notice Apply the resolver's verdict. Provider wins: it takes the bond and the job can be finalized.
    /// Challenger wins: it takes back its bond plus the provider's locked stake, and the creator is refunded.
    function resolveDispute(uint256 jobId) external {
        Job storage j = _inState(jobId, JobState.Challenged);
        IDisputeResolver.Outcome verdict = j.resolver.outcome(jobId);
        if (verdict == IDisputeResolver.Outcome.Pending) revert DisputePending(jobId);
        Dispute storage d = _disputes[jobId];
        uint256 bond = d.bond;
        totalHeld -= bond;
        if (verdict == IDisputeResolver.Outcome.ProviderWins) {
            j.state = JobState.Resolved;
            _credit(j.provider, jobId, bond);
            emit DisputeResolved(jobId, verdict, j.provider, bond, 0);
        } else {
            j.state = JobState.Slashed;
            uint256 refund = j.budget;
            totalHeld -= refund;
            _credit(d.challenger, jobId, bond);
            _credit(j.creator, jobId, refund);
            emit DisputeResolved(jobId, verdict, d.challenger, bond, j.minStake);
            registry.slash(j.provider, j.minStake, d.challenger);
        }
    }

    /// @notice Settle a result whose challenge window has closed unchallenged (or whose dispute the provider
    /// won): credit the provider, the author and the protocol, refund the rest, release the provider's stake.
    function finalize(uint256 jobId) external {
        Job storage j = _job(jobId);
        if (j.state == JobState.Submitted) {
            if (block.timestamp < j.challengeEndsAt) revert ChallengeWindowOpen(jobId, j.challengeEndsAt, block.timestamp);
        } else if (j.state != JobState.Resolved) {
            revert WrongState(jobId, j.state, JobState.Submitted);
        }
        uint256 pay = _results[jobId].payout;
        uint32 evalScore;
        if (j.evalRequired) {
            bool reported;
            (reported, evalScore) = j.resolver.evaluation(jobId);
            if (!reported) revert EvaluationPending(jobId);
            if (evalScore > SCORE_ONE) evalScore = SCORE_ONE;
            pay = evalScore < j.minEvalScore ? 0 : pay * evalScore / SCORE_ONE;
        }
        j.state = JobState.Finalized;
        uint256 fee = pay * j.feeBps / 10_000;
        uint256 royalty = pay * j.royaltyBps / 10_000;
        // feeBps <= 1000 and royaltyBps <= 5000, so fee + royalty <= pay; pay <= budget - usePrice.
        uint256 providerPay = pay - fee - royalty;
        uint256 authorPay = j.usePrice + royalty;
        uint256 refund = j.budget - j.usePrice - pay;
        totalHeld -= j.budget;
        _credit(j.provider, jobId, providerPay);
        _credit(j.author, jobId, authorPay);
        _credit(feeRecipient, jobId, fee);
        _credit(j.creator, jobId, refund);
        emit JobFinalized(jobId, providerPay, authorPay, fee, refund, evalScore);
        registry.unlock(j.provider, j.minStake);
    }

    /// @notice Refund a job nobody claimed by its claim deadline, whose provider missed the submit deadline,
    /// or on which the resolver stayed silent for RESOLUTION_TIMEOUT (an undecided dispute, or a required
    /// evaluation never reported). Nobody is slashed: the fault, if any, is the resolver's. A challenger gets
    /// its bond back.
    function expire(uint256 jobId) external {
        Job storage j = _job(jobId);
        JobState from = j.state;
        uint64 deadline;
        if (from == JobState.Open) {
            deadline = j.claimDeadline;
        } else if (from == JobState.Claimed) {
            deadline = j.submitDeadline;
        } else if (from == JobState.Challenged) {
            deadline = _disputes[jobId].openedAt + RESOLUTION_TIMEOUT;
        } else if ((from == JobState.Submitted || from == JobState.Resolved) && j.evalRequired) {
            (bool reported,) = j.resolver.evaluation(jobId);
            if (!reported) deadline = j.challengeEndsAt + RESOLUTION_TIMEOUT;
        }
        if (deadline == 0 || block.timestamp <= deadline) revert NotExpirable(jobId, from, deadline, block.timestamp);
        j.state = JobState.Expired;
        uint256 refund = j.budget;
        totalHeld -= refund;
        _credit(j.creator, jobId, refund);
        if (from == JobState.Challenged) {
            Dispute storage d = _disputes[jobId];
            totalHeld -= d.bond;
            _credit(d.challenger, jobId, d.bond);
        }
        emit JobExpired(jobId, from, refund);
        if (from != JobState.Open) registry.unlock(j.provider, j.minStake);
    }

    /// @notice Withdraw everything credited to the caller.
    function withdraw() external nonReentrant {
        uint256 amount = balanceOf[msg.sender];
        if (amount == 0) revert NothingToWithdraw(msg.sender);
        balanceOf[msg.sender] = 0;
        totalBalances -= amount;
        emit Withdrawn(msg.sender, amount);
        Address.sendValue(payable(msg.sender), amount);
    }

    // ---------------------------------------------------------------- views

    function job(uint256 jobId) external view returns (Job memory) {
        return _job(jobId);
    }

    function result(uint256 jobId) external view returns (Result memory) {
        _job(jobId);
        return _results[jobId];
    }

    function dispute(uint256 jobId) external view returns (Dispute memory) {
        _job(jobId);
        return _disputes[jobId];
    }

    /// @notice What ModelRegistry checks when an adapter claims to come from a job.
    function jobOutcome(uint256 jobId)
        external
        view
        returns (JobState state, address provider, bytes32 adapterRoot, bytes32 baseModel, uint256 envVersionId)
    {
        Job storage j = _job(jobId);
        return (j.state, j.provider, _results[jobId].adapterRoot, j.baseModel, j.envVersionId);
    }

    /// @notice The payout a total score earns on `jobId` before any evaluation scaling.
    function quotePayout(uint256 jobId, uint256 totalScore) external view returns (uint256) {
        return _payoutFor(_job(jobId), totalScore);
    }

    /// @notice The public inputs a settlement proof for `r` sent by `provider` must verify against, on this
    /// chain and this escrow; the layout is ISettlementVerifier's. `payout` is `quotePayout(jobId, totalScore)`
    /// when the escrow calls it.
    function settlementInputs(uint256 jobId, address provider, ResultInput calldata r, uint256 payout)
        public
        view
        returns (uint256[] memory inputs)
    {
        inputs = new uint256[](10);
        inputs[0] = block.chainid;
        inputs[1] = uint256(uint160(address(this)));
        inputs[2] = jobId;
        inputs[3] = uint256(uint160(provider));
        inputs[4] = uint256(r.episodesRoot) >> 128;
        inputs[5] = uint256(r.episodesRoot) & type(uint128).max;
        inputs[6] = r.episodes;
        inputs[7] = r.passing;
        inputs[8] = r.totalScore;
        inputs[9] = payout;
    }

    // ---------------------------------------------------------------- internals

    function _job(uint256 jobId) private view returns (Job storage j) {
        j = _jobs[jobId];
        if (j.state == JobState.None) revert UnknownJob(jobId);
    }

    function _inState(uint256 jobId, JobState expected) private view returns (Job storage j) {
        j = _job(jobId);
        if (j.state != expected) revert WrongState(jobId, j.state, expected);
    }

    function _payoutFor(Job storage j, uint256 totalScore) private view returns (uint256) {
        uint256 cap = uint256(j.budget) - j.usePrice;
        if (j.priceRule == PriceRule.Fixed) return cap;
        uint256 rate = j.rate;
        // Compare before multiplying so a huge score cannot overflow.
        if (rate == 0) return 0;
        if (totalScore >= cap / rate + 1) return cap;
        uint256 pay = totalScore * rate;
        return pay > cap ? cap : pay;
    }

    function _credit(address account, uint256 jobId, uint256 amount) private {
        if (amount == 0) return;
        balanceOf[account] += amount;
        totalBalances += amount;
        emit Credited(account, jobId, amount);
    }
}
