import type { TaskSpec } from '../spec/schema.ts';

/**
 * What an agent does in one step: call one tool, or reply with text (a model turn with no tool
 * call). A turn with several tool calls becomes several steps, in order.
 */
export type Action = { tool: string; arguments?: Record<string, unknown> } | { text: string };

export interface Observation {
  /** What an LLM agent reads (the spec's Mustache template, rendered). */
  text: string;
  /** Structured observation (the spec's `observation.json` expressions, or `{ state, context }`). */
  json: Record<string, unknown>;
}

export interface RewardComponent {
  name: string;
  /** Signed integer micro-units: the exact value; the float reward is their sum / 10⁶. */
  micros: number;
}

export interface InvalidAction {
  code: 'UNKNOWN_TOOL' | 'INVALID_ARGUMENTS' | 'MALFORMED_ACTION';
  message: string;
}

export interface StepInfo {
  step: number;
  /** The machine's state value after the step, as dotted paths (`["review", "review.open"]`). */
  state: string[];
  event: Record<string, unknown> | null;
  rewardMicros: number;
  rewardComponents: RewardComponent[];
  invalidAction?: InvalidAction;
  /**
   * States entered during the step, as dotted paths in the order XState entered them, transient
   * ones included (a state left again at once by `always`). Empty for an invalid action. Not
   * part of the episode record (steps record `state`, the states active after the step). Only
   * when tracked: `makeEnv(source, { trackEntries: true })`, or a spec with a `transient` rule.
   */
  entered?: string[];
}

export interface StepResult {
  observation: Observation;
  reward: number;
  terminated: boolean;
  truncated: boolean;
  info: StepInfo;
}

export interface ResetOptions {
  /** Required for determinism: the same seed and actions give the same episode. */
  seed: number;
  /** Pick the task by id or index; otherwise it is drawn from the seed. */
  taskId?: string;
  taskIndex?: number;
}

export interface ResetInfo {
  seed: number;
  taskIndex: number;
  taskId: string;
  instructions: string;
  state: string[];
}

export interface ResetResult {
  observation: Observation;
  info: ResetInfo;
}

/** Everything needed to resume an episode exactly: machine snapshot, generator state, counters. */
export interface EnvSnapshot {
  v: 1;
  spec: { name: string; version: string };
  seed: number;
  taskIndex: number;
  step: number;
  status: 'running' | 'ended';
  /** The running return in micro-units, so `reward.bounds` hold across a restore (absent in old snapshots). */
  returnMicros?: number;
  rng: [number, number, number, number];
  machine: unknown;
}

export type Task = TaskSpec & { index: number };
