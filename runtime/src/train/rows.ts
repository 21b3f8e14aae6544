import { agentFaultMicros, type Episode, type Fault, PalestraError } from '@palestra/envs';
import { fromMicros, microsOf } from '@palestra/envs/core';
import { faultOfRecord } from '@palestra/overseer';
import { parseTurnRecord, type TurnRecord } from '../agents/turnRecord.ts';
import { blame } from './batch.ts';

/**
 * One training row as the trainer's `/train` takes it (TRL's `rollout_func` shape, PROTOCOLS.md):
 * the tokens exactly as they were sampled, never a re-rendering of the chat.
 */
export interface TrainingRow {
  /** The first turn's prompt, as the endpoint tokenized it. */
  prompt_ids: number[];
  /** Every later token of the row: model completions (mask 1) and environment tokens between them (mask 0). */
  completion_ids: number[];
  /** One per completion token: the sampling log-probability for model tokens, 0 for environment tokens. */
  logprobs: number[];
  /** One per completion token: 1 = model token (trained), 0 = environment token (masked out). */
  env_mask: number[];
  /** One per model turn of the row, i.e. per maximal run of 1s in `env_mask`. */
  rewards: number[];
  /** Rows of one group share a task and an environment seed (GRPO compares rewards within it). */
  group: string;
}

export interface EpisodeRowsOptions {
  /**
   * The overseer's reward for the whole episode. Overseers judge episodes, not turns, so it is
   * credited to the episode's last turn (the one that ended it); without it, each turn earns the
   * environment rewards of the steps it caused.
   */
  score?: number;
  /** Default: `groupKey(taskIndex, seed)` from the episode header. */
  group?: string;
  /**
   * The spec's declared reward bounds. Required for an episode the agent broke (its record ends on
   * an agent fault): its reward is `agentFaultMicros(bounds)`, one micro-unit below the lowest
   * return, whatever `score` says (a lower `score` stands).
   */
  bounds?: { min: number };
  /**
   * Whose fault the episode is by another verdict than its record's (the overseer's `Score.fault`:
   * a forged or broken record). It can add blame, never remove it (`blame`).
   */
  fault?: Fault;
  /** Named in errors. */
  file?: string;
}

/** The group of an episode: its task index and environment seed, the pair GRPO groups share. */
export function groupKey(taskIndex: number, seed: number): string {
  return `t${taskIndex}-s${seed}`;
}

interface Turn {
  record: TurnRecord;
  /** The first step the turn caused (1-based), for errors. */
  step: number;
  /** Environment rewards of its steps, in micro-units. */
  rewardMicros: number;
}

/**
 * The model turns of an episode, each with the steps it caused (a turn record sits on its first
 * step). A failure line is the last step tried: when its action opened a turn, that turn (whose
 * output broke the episode) is the last one, with no reward of its own.
 */
function turnsOf(episode: Episode, file: string): Turn[] {
  const lines = [
    ...episode.steps.map((s, k) => ({ i: s.i, turn: s.turn, reward: s.reward, path: ['steps', k, 'turn'] })),
    ...(episode.failure
      ? [{ i: episode.failure.i, turn: episode.failure.turn, reward: 0, path: ['failure', 'turn'] }]
      : []),
  ];
  const turns: Turn[] = [];
  for (const line of lines) {
    if (line.turn !== undefined && line.turn !== null) {
      // Read with its schema, never cast: a malformed record fails here with its JSON path.
      const record = parseTurnRecord(line.turn, { path: line.path, file });
      turns.push({ record, step: line.i, rewardMicros: 0 });
    } else if (turns.length === 0) {
      throw new PalestraError('NO_TURN_RECORD', `${file}: step ${line.i} was not caused by a model turn`, {
        details: { file, step: line.i },
        hint: 'train on episodes played by a model agent (openai:<model> against the trainer or vLLM); scripted episodes are for --algo sft',
      });
    }
    turns[turns.length - 1]!.rewardMicros += line.reward;
  }
  return turns;
}

/**
 * Who broke an episode whose record ends on an error (its failure line's, or an old record's
 * footer's), or undefined when it ended by its rules. The overseer's reading (`faultOfRecord`):
 * the code decides, and a record's own `fault` can only blame the agent, never excuse it.
 */
export function recordedFault(episode: Pick<Episode, 'footer' | 'failure'>): Fault | undefined {
  const error = episode.failure?.error ?? episode.footer?.error;
  return error ? faultOfRecord(error) : undefined;
}

/** True when `ids` starts with `prefix`. */
function extendsIds(ids: number[], prefix: number[]): boolean {
  if (ids.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (ids[i] !== prefix[i]) return false;
  return true;
}

/**
 * An episode's model turns → training rows, token in, token out.
 *
 * A row starts with turn 1's prompt ids. Each later turn whose prompt ids extend the row so far
 * (prompt + everything after it) appends the extension as environment tokens (mask 0, log-prob 0)
 * and then its completion (mask 1, its log-probabilities). A turn whose prompt does not extend the
 * row — the chat template re-rendered an earlier turn differently, or dropped reasoning — starts a
 * new row: training on a re-tokenized history would train on tokens the model never sampled.
 *
 * Turns without token ids are an error: the endpoint must return them (vLLM's `return_token_ids`,
 * Palestra's trainer). A turn whose prompt adds nothing after the previous completion would merge two
 * turns into one run of model tokens, so its reward is added to that run's.
 *
 * Training never pays for breaking the environment: an episode that ends on an *environment*
 * fault is refused (`ENVIRONMENT_FAULT_EPISODE`: leave it out of the batch, as `stepBatch` does),
 * and one the *agent* broke is trained on with the worst reward there is, `agentFaultMicros(bounds)`
 * on its last turn (the one whose output broke it) and 0 on the others, whatever the environment
 * paid before the break.
 *
 * @example
 * const rows = episodeRows(readEpisode('runs/s1/episode-g000000-m00.jsonl'), { score: 1 });
 */
export function episodeRows(episode: Episode, options: EpisodeRowsOptions = {}): TrainingRow[] {
  const file = options.file ?? 'episode';
  const group = options.group ?? groupKey(episode.header.taskIndex, episode.header.seed);
  const fault = blame(recordedFault(episode), options.fault);
  const error = episode.failure?.error ?? episode.footer?.error;
  if (fault === 'environment')
    throw new PalestraError(
      'ENVIRONMENT_FAULT_EPISODE',
      `${file}: the environment broke this episode${error ? ` at step ${episode.failure?.i ?? episode.steps.length + 1} (${error.code})` : ''}: it has nothing to teach the policy`,
      {
        details: { file, ...(error ? { code: error.code } : {}) },
        hint: 'leave episodes the environment broke out of training batches (stepBatch does), and fix the environment: palestra check',
      },
    );
  let score = options.score === undefined ? undefined : microsOf(options.score);
  if (fault === 'agent') {
    if (!options.bounds)
      throw new PalestraError(
        'REWARD_BOUNDS_REQUIRED',
        `${file}: the agent broke this episode (${error?.code ?? 'a vetoed record'}), and its reward needs the declared reward bounds`,
        {
          details: { file, path: '$.reward.bounds' },
          hint: "pass the spec's reward.bounds: an episode the agent broke scores one micro-unit below their min",
        },
      );
    score = Math.min(score ?? Number.POSITIVE_INFINITY, agentFaultMicros(options.bounds));
  }
  const turns = turnsOf(episode, file);
  // Summed in exact micro-units (DESIGN.md), turned into floats once a row is complete.
  const rewards = turns.map((t) => t.rewardMicros);
  if (score !== undefined && turns.length > 0) {
    rewards.fill(0);
    rewards[rewards.length - 1] = score;
  }
  const rows: TrainingRow[] = [];
  let row: TrainingRow | undefined;
  /** prompt_ids + completion_ids of the current row: what the next prompt must start with. */
  let sofar: number[] = [];
  /** A reward whose turn sampled no token, waiting for the row's first run of model tokens. */
  let pending = 0;
  for (const [k, turn] of turns.entries()) {
    const { promptTokenIds: prompt, completionTokenIds: completion, logprobs } = turn.record;
    if (!prompt || !completion || !logprobs)
      throw new PalestraError(
        'TURN_WITHOUT_TOKENS',
        `${file}: the model turn at step ${turn.step} has no ${!prompt ? 'prompt token ids' : !completion ? 'completion token ids' : 'log-probabilities'}`,
        {
          details: { file, step: turn.step, agent: turn.record.agent },
          hint: 'the policy endpoint must return token ids and log-probabilities (vLLM with return_token_ids, or the Palestra trainer); the openai agent asks for them on any non-OpenAI base URL',
        },
      );
    if (logprobs.length !== completion.length)
      throw new PalestraError(
        'TURN_TOKENS_MISMATCH',
        `${file}: the model turn at step ${turn.step} has ${completion.length} completion tokens but ${logprobs.length} log-probabilities`,
        {
          details: { file, step: turn.step },
          hint: 'the endpoint returned inconsistent token ids and log-probabilities',
        },
      );
    let extension: number[];
    if (row && extendsIds(prompt, sofar)) extension = prompt.slice(sofar.length);
    else {
      row = { prompt_ids: [...prompt], completion_ids: [], logprobs: [], env_mask: [], rewards: [], group };
      rows.push(row);
      extension = [];
      pending = 0;
    }
    for (const id of extension) {
      row.completion_ids.push(id);
      row.logprobs.push(0);
      row.env_mask.push(0);
    }
    const reward = rewards[k]!;
    const endsWithModel = row.env_mask.length > 0 && row.env_mask[row.env_mask.length - 1] === 1;
    if (completion.length > 0 && !endsWithModel) {
      row.rewards.push(reward + pending);
      pending = 0;
    } else if (row.rewards.length > 0) {
      // No environment token between two completions (or nothing sampled): one run of model tokens.
      const last = row.rewards.length - 1;
      row.rewards[last] = row.rewards[last]! + reward;
    } else pending += reward;
    for (const [i, id] of completion.entries()) {
      row.completion_ids.push(id);
      row.logprobs.push(logprobs[i]!);
      row.env_mask.push(1);
    }
    sofar = [...prompt, ...completion];
  }
  // A row with no model token has nothing to train (an empty completion that opened a row).
  return rows
    .filter((r) => r.env_mask.includes(1))
    .map((r) => ({ ...r, rewards: r.rewards.map(fromMicros) }));
}
