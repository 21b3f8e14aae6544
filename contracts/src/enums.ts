/** The Solidity enums of TrainingEscrow and IDisputeResolver, by the numbers the ABI uses. */
export const TaskType = { PreTraining: 0, FineTuning: 1, GRPO: 2, Federated: 3, Evaluation: 4 } as const;
export const JobState = {
  None: 0,
  Open: 1,
  Claimed: 2,
  Submitted: 3,
  Challenged: 4,
  Resolved: 5,
  Finalized: 6,
  Slashed: 7,
  Expired: 8,
  Cancelled: 9,
} as const;
export const PriceRule = { Fixed: 0, PerScore: 1 } as const;
export const DisputeOutcome = { Pending: 0, ProviderWins: 1, ChallengerWins: 2 } as const;
