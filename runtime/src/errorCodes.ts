/**
 * Every code `@palestra/runtime` gives an error or a warning with what it means, declared once in
 * the shared registry of `@palestra/errors` (codes the runtime passes on from the environment or
 * the overseer are theirs). A test scans the sources and fails on a code used but declared nowhere.
 */
import { registerCodes } from '@palestra/errors';

export const runtimeErrorCodes = registerCodes('runtime', {
  // The CLI and the jobs
  BAD_FLAG: 'a command-line flag has a wrong value or goes with a flag it cannot',
  JOB_ABORTED: 'the job was stopped before it finished (what it recorded is kept for a resume)',
  NOT_A_FILE: 'an output file flag names a folder',
  OUT_NOT_WRITABLE: 'the output folder cannot be written',
  STEP_OUT_OF_RANGE: 'a --step is outside the episode it names',
  HUMAN_NOT_SUPPORTED: 'the human agent cannot play in this command (no terminal to ask)',
  // The checker in a worker thread (palestra check, the studio's pages)
  CHECK_TIMEOUT: 'the check of an environment did not finish in its budget (its thread was ended)',
  CHECK_FAILED: "the checker's thread ended before it answered, or the check threw an error without a code",
  // Agents
  UNKNOWN_AGENT: 'the agent spec names no known agent kind',
  SCRIPT_UNREADABLE: "a scripted agent's file cannot be read",
  SCRIPT_INVALID: "a scripted agent's file does not validate",
  HUMAN_ABORTED: 'the person playing stopped the episode',
  HUMAN_INPUT_CLOSED: "the human agent's input ended",
  HUMAN_IN_WORKER: 'the human agent cannot play in a worker thread',
  POLICY_TIMEOUT: "the policy's endpoint did not answer within the turn's deadline",
  POLICY_UNREACHABLE: "the policy's endpoint cannot be reached",
  POLICY_HTTP_ERROR: "the policy's endpoint answered with an HTTP error",
  POLICY_BAD_RESPONSE: "the policy's answer is not in the provider's format",
  POLICY_ABORTED: 'the call to the policy was aborted',
  AGENT_TIMEOUT: 'the agent did not answer within the turn deadline after its retries',
  AGENT_FAILED: 'the agent failed on every retry of a turn',
  AGENT_BAD_RESULT: 'the agent returned something that is not an action',
  TURN_RECORD_INVALID: "a turn record read back from an episode does not match the trainer's schema",
  // Rollout, eval, learnability
  BAD_GROUP: 'the group size does not divide the episodes or is out of range',
  RUN_MISMATCH: "the run folder holds another run's episodes",
  WORKER_EXIT: 'a rollout worker thread exited without finishing its episodes',
  UNEXPECTED: 'an error without a code stopped the episode',
  EVAL_INCOMPLETE: 'the evaluation could not measure every agent (no complete episode)',
  LEARNABILITY_INCOMPLETE: 'the learnability analysis measured no complete episode',
  // Scoring
  EPISODE_UNSCORED: 'an episode has no score from the overseer the step needs',
  CALIBRATE_INCOMPLETE: 'calibration could not score every labelled episode',
  REDTEAM_INCOMPLETE: 'the red-team run could not score every fixture',
  LABELS_INVALID: 'the labels file for calibration does not validate',
  // Serving
  BAD_SERVE_OPTIONS: 'the server options are out of range',
  PORT_IN_USE: 'the port is already in use',
  PORT_NOT_PERMITTED: 'the port needs privileges this process does not have',
  HOST_UNAVAILABLE: 'the host address is not one of this machine',
  MCP_TOOL_NAME_TAKEN: "an environment's tool name clashes with an MCP session tool",
  // Processes and Python
  PROCESS_FAILED_TO_START: 'a supervised process could not be started',
  PROCESS_EXITED: 'a supervised process exited before it was ready or while in use',
  PYTHON_NOT_FOUND: 'no Python 3 interpreter was found',
  PYTHON_TOO_OLD: 'the Python interpreter is older than Palestra needs',
  PYTHON_ENV_BUSY: 'another process is installing the shared Python environment',
  PYTHON_INSTALL_FAILED: 'installing the Python packages failed',
  PYTHON_DISK_FULL: 'the disk filled while installing the Python packages',
  PYTHON_LINK_BLOCKED: 'a file is in the way of the Python environment link',
  PYTHON_LOCK_MISSING: 'the Python lock file is missing',
  PYTHON_LOCK_INVALID: 'the Python lock file cannot be read',
  PYTHON_LOCK_CONFLICT: 'two uses of the Python environment pin different versions',
  PYTHON_USE_UNKNOWN: 'no Python use has that name',
  // Training
  TRAIN_CONFIG_UNREADABLE: 'the training config file cannot be read',
  TRAIN_CONFIG_INVALID: 'the training config does not validate',
  TRAIN_TEMPERATURE_INVALID: 'the sampling temperature is out of range',
  TRAIN_STATE_UNREADABLE: "the run folder's train.json cannot be read",
  TRAIN_STATE_INVALID: "the run folder's train.json does not validate",
  TRAIN_MISMATCH: 'the run folder holds a run with other settings',
  TRAINER_STATE_MISMATCH: "the trainer's checkpoint does not match the run's state",
  TRAINER_NOT_INSTALLED: "the Python trainer's environment is not installed",
  TRAINER_FAILED_TO_START: 'the trainer process could not be started',
  TRAINER_START_TIMEOUT: 'the trainer did not become ready in time',
  TRAINER_UNREACHABLE: "the trainer's HTTP endpoint cannot be reached",
  TRAINER_BAD_RESPONSE: "the trainer's answer does not validate",
  TRAINER_REJECTED: 'the trainer refused a request',
  TRAINER_STEP_FAILED: 'a training step failed in the trainer',
  ROLLOUT_FAILED: "a training step's rollout failed",
  TRAIN_ENVIRONMENT_FAULTS: "too many of a step's episodes broke on the environment's fault",
  ENVIRONMENT_FAULT_EPISODE: "an episode that broke on the environment's fault cannot become a training row",
  NO_TURN_RECORD: 'a step has no turn record to train on',
  TURN_WITHOUT_TOKENS: 'a turn record has no token ids to train on',
  TURN_TOKENS_MISMATCH: "a turn's token ids do not match its text",
  WARM_START_MISSING: 'the warm-start file does not exist',
  WARM_START_EMPTY: 'the warm-start file holds no demonstration',
  WARM_START_REQUIRED: 'SFT steps need a warm-start file',
  // Training warnings (printed, not thrown)
  ZERO_VARIANCE_GROUPS: 'every group of the step had the same reward: no GRPO signal',
  ZERO_LOSS: 'the loss was zero: the step changed nothing',
  FLAT_REWARD: 'the reward has not moved over several steps',
});

/** A code of `runtimeErrorCodes`. */
export type RuntimeErrorCode = keyof typeof runtimeErrorCodes;
