/**
 * Every code `@palestra/envs` gives an error (or an invalid action) with what it means, declared
 * once in the shared registry of `@palestra/errors`: a code is what a user searches for, so each
 * has one meaning across Palestra. A test scans the sources and fails on a code used but not here.
 */
import { registerCodes } from '@palestra/errors';

export const envsErrorCodes = registerCodes('envs', {
  // Specs and files
  SPEC_INVALID: 'the GymSpec does not validate (each problem is listed with its JSON path)',
  SPEC_UNREADABLE: 'the spec file cannot be read or is not JSON',
  FILE_NOT_UTF8: 'a spec or module file is not valid UTF-8',
  INPUT_TOO_LARGE: 'a JSON input is larger than its limit',
  INPUT_TOO_DEEP: 'a JSON input nests deeper than its limit',
  ENV_NOT_FOUND: 'no environment has that catalog name, folder or content root',
  // The kernel
  STEP_BEFORE_RESET: 'step was called before reset',
  STEP_AFTER_END: 'step was called after the episode ended (terminated or truncated)',
  STEP_AFTER_FAILURE: 'step was called after an error stopped the episode',
  ENV_CLOSED: 'the environment was used after close',
  BAD_SEED: 'the seed is not a non-negative safe integer',
  BAD_TASK: 'the task index or task generator is out of range or invalid',
  BAD_CONTEXT: "a task's initial context does not match the spec's context schema",
  BAD_SNAPSHOT: 'the snapshot is of another environment or version',
  BAD_OBSERVATION: 'environment code returned an observation that is not JSON',
  BAD_ACTION_RESULT: "a tool's code returned a value that is not a valid action result",
  BAD_REWARD: 'a reward is not a finite number that fits micro-units',
  REWARD_OUT_OF_BOUNDS: "an episode's return is outside the spec's declared reward bounds",
  EXPR_FAILED: 'a CEL expression of the spec failed to evaluate',
  MACHINE_INVALID: "the spec's statechart cannot be built",
  MACHINE_ERROR: 'the statechart failed while taking a transition',
  NO_SANDBOX: 'the spec uses modules but no sandbox was given',
  OBSERVATION_TOO_LARGE: 'an observation is larger than the spec allows',
  ACTION_TOO_LARGE: 'an action is larger or deeper than the spec allows',
  SAMPLE_OPTION_INVALID: 'an option of the random action sampler is out of range',
  // Invalid actions (returned in the observation, not thrown)
  MALFORMED_ACTION: 'the action is neither { tool, arguments } nor { text }',
  UNKNOWN_TOOL: 'the action names a tool the spec does not declare',
  INVALID_ARGUMENTS: "the action's arguments do not match the tool's schema",
  // The sandbox
  DEADLINE: 'environment code did not finish within its deadline',
  MEMORY: 'environment code ran out of its memory limit',
  STACK: 'environment code overflowed its stack',
  EXCEPTION: 'environment code threw',
  ASYNC: 'environment code returned a promise or queued a job (it must be synchronous)',
  MODULE_SYNTAX: 'a module of the environment does not parse',
  IMPORT_BLOCKED: 'a module tried to import something other than its sibling modules',
  POISONED: 'the sandbox failed earlier and was not rewound',
  DISPOSED: 'the sandbox was used after it was disposed',
  SANDBOX_REBUILD: 'the worker was stopped after a failure; the environment must be reset',
  OUTPUT_TOO_LARGE: "a worker's answer is larger than the host accepts",
  WORKER_FAILED: "the environment's Web Worker failed",
  NO_QUICKJS_WASM: "QuickJS's WebAssembly file could not be loaded",
  WASM_ALREADY_LOADED: "QuickJS's WebAssembly was set after it had been loaded",
  // Episode records
  NO_HEADER: 'an episode was written without its header',
  EPISODE_ENDED: 'a step was written after the episode ended',
  EPISODE_FAILED: 'a step was written after the episode failed',
  EPISODE_INCOMPLETE: 'the episode has no footer, so it cannot be scored',
  CLOSED: 'the episode file was written after it was closed',
  RECORD_EMPTY: 'the episode file is empty',
  RECORD_TRUNCATED: 'the episode file ends mid-line (a crash while writing)',
  RECORD_CORRUPT: "an episode line is not valid or breaks the file's hash chain",
  RECORD_UNREADABLE: 'the episode file cannot be read',
  RECORD_VERSION: 'the record is of a newer version than this Palestra reads',
  REPLAY_DIVERGED: 'replaying the episode gave a different step than the record',
  SCORE_INVALID: 'a score line does not validate',
  SCORE_CONFLICT: 'the episode already holds a different score from this overseer',
  // Bundles and the content store
  BUNDLE_FAILED: "the bundle's 0G Merkle root could not be computed",
  BUNDLE_INVALID: 'the bytes are not a Palestra bundle',
  BAD_ROOT: 'a content root is not 0x followed by 64 hex digits',
  NOT_IN_STORE: 'the content store holds no file with that root',
  STORE_CORRUPT: 'a file of the content store does not match its root',
  ENV_CHANGED: 'the environment of that name has changed since the episode was recorded',
  // The checker
  CHECK_NOT_RUN: 'a check could not run (it fails, it is never a pass)',
});

/** A code of `envsErrorCodes`. */
export type EnvsErrorCode = keyof typeof envsErrorCodes;
