import { type EnvSource, type Episode, readEpisode } from '@palestra/envs';
import { fromMicros } from '@palestra/envs/core';
import type { EpisodeOutcome } from '../rollout/rollout.ts';
import { scoreFiles } from '../score/scoreFiles.ts';
import { blame, type StepBatch, type StepEpisode, stepBatch } from './batch.ts';
import { episodeRows, groupKey, recordedFault, type TrainingRow } from './rows.ts';

export interface ScoreStepOptions {
  source: EnvSource;
  /** `rules`, an overseer config file, or `none` (the environment's rewards, turn by turn). */
  overseer: string;
  /** Episodes per GRPO group: above 1, an LLM judge ranks each group side by side. */
  group: number;
  /** The spec's declared reward bounds (`requireRewardBounds`). */
  bounds: { min: number };
}

export interface ScoredStep extends StepBatch {
  /** The batch's training rows (`episodeRows` of each episode it keeps). */
  rows: TrainingRow[];
}

/**
 * A GRPO/PPO step's rollouts → what it trains on. Every episode with a record is scored (the
 * overseer may find a forged or broken record: the agent's fault); its fault is what its record
 * and its score say together (`blame`); an episode whose environment failed before it wrote a
 * record is an environment fault, unscored. `stepBatch` then keeps agent-broken episodes at the
 * worst reward of their group and leaves environment-broken ones out, and the kept episodes
 * become token-in/token-out rows. The caller applies `checkFaultShare`.
 *
 * @example
 * const step = await scoreStep(result.episodes, { source, overseer: 'rules', group: 8, bounds });
 * checkFaultShare(source.spec.name, k, step);
 */
export async function scoreStep(outcomes: EpisodeOutcome[], options: ScoreStepOptions): Promise<ScoredStep> {
  const { source, overseer, bounds } = options;
  const recorded = outcomes.filter((o) => o.status !== 'failed');
  const records = new Map<string, Episode>(recorded.map((o) => [o.file, readEpisode(o.file)]));
  const scores =
    overseer === 'none'
      ? recorded.map((o) => ({ file: o.file, reward: fromMicros(o.returnMicros), fault: undefined }))
      : // Group-relative: an LLM judge ranks each GRPO group side by side (RULER-like).
        (
          await scoreFiles(
            recorded.map((o) => o.file),
            overseer,
            { source, groups: options.group > 1 },
          )
        ).scored.map((s) => ({ file: s.file, reward: s.score.reward, fault: s.score.fault }));
  const episodes: StepEpisode[] = scores.map((s) => {
    const episode = records.get(s.file)!;
    const fault = blame(recordedFault(episode), s.fault);
    const code = (episode.failure?.error ?? episode.footer?.error)?.code ?? 'VETOED';
    return {
      file: s.file,
      // Rows are grouped by the task and seed in each episode's header: a plan's group.
      group: groupKey(episode.header.taskIndex, episode.header.seed),
      reward: s.reward,
      ...(fault ? { fault, code } : {}),
    };
  });
  for (const o of outcomes)
    if (o.status === 'failed')
      episodes.push({
        file: o.file,
        group: groupKey(o.taskIndex ?? -1, o.seed),
        reward: null,
        fault: 'environment',
        code: o.failure?.code ?? 'ENV_FAILED',
      });
  const batch = stepBatch(episodes, bounds);
  const rows = batch.episodes.flatMap((e) =>
    episodeRows(records.get(e.file)!, {
      // With --overseer none an honest episode keeps the rewards of its steps, turn by turn.
      ...(overseer === 'none' && e.fault === undefined ? {} : { score: e.reward }),
      ...(e.fault ? { fault: e.fault } : {}),
      bounds,
      file: e.file,
    }),
  );
  return { ...batch, rows };
}
