/**
 * From a scored run to settlement leaves: the run's episode files in order, each read and
 * verified (hash chain, score chain), complete, and scored by the overseer the proof is for; then
 * its leaf fields (DESIGN.md's settlement leaf). Shared by `settle` (prove) and `verifyRun`.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { OUTCOME, type Outcome, type SettlementLeafFields } from '@palestra/contracts/settlement';
import { type Episode, PalestraError, readEpisode, scoreBy } from '@palestra/envs';
import { loadOverseerConfig, overseerConfigHash } from '@palestra/overseer';
import { SettleError } from './settleErrors.ts';

const EPISODE_FILE = /^episode-\d+\.jsonl$/;

/** One episode of the run with its leaf. */
export interface RunLeaf {
  file: string;
  episode: Episode;
  fields: SettlementLeafFields;
}

/** The episode files of a run folder, in run order (their names sort in it). */
export function runEpisodeFiles(run: string): string[] {
  let names: string[];
  try {
    names = readdirSync(run);
  } catch (cause) {
    throw new SettleError('SETTLE_NO_EPISODES', `the run folder ${run} cannot be read`, {
      cause,
      details: { run },
      hint: 'give the folder palestra run (or rollout) wrote with --out',
    });
  }
  const files = names.filter((n) => EPISODE_FILE.test(n)).sort();
  if (files.length === 0)
    throw new SettleError('SETTLE_NO_EPISODES', `${run} holds no episode-NNNNNN.jsonl file`, {
      details: { run },
      hint: 'give the folder palestra run (or rollout) wrote with --out',
    });
  return files.map((n) => join(run, n));
}

/** The content hash of an overseer spec (`rules` or a config file), as score lines record it. */
export function overseerHash(spec: string): string {
  return overseerConfigHash(loadOverseerConfig(spec));
}

/** How the episode ended, as the leaf commits it: failed on an error, terminated, or cut. */
export function outcomeOf(episode: Episode): Outcome {
  if (episode.failure || episode.footer?.error) return OUTCOME.failed;
  return episode.footer?.terminated ? OUTCOME.terminated : OUTCOME.cut;
}

/**
 * Reads one episode file and builds its leaf, or a typed error naming the file: unreadable or
 * corrupt (`SETTLE_EPISODE_CORRUPT`), cut before its footer (`SETTLE_EPISODE_TRUNCATED`), or
 * without a score from `overseer` (`SETTLE_EPISODE_UNSCORED`).
 *
 * @example
 * const { fields } = episodeLeaf('runs/a/episode-000000.jsonl', overseerHash('rules'));
 */
export function episodeLeaf(file: string, overseer: string): RunLeaf {
  let episode: Episode;
  try {
    episode = readEpisode(file);
  } catch (e) {
    if (!(e instanceof PalestraError)) throw e;
    throw new SettleError('SETTLE_EPISODE_CORRUPT', `${file}: ${e.message}`, {
      cause: e,
      details: { file, code: e.code },
      hint: 'an episode that does not verify cannot be settled: re-run it, or leave it out of the run folder',
    });
  }
  if (!episode.complete || !episode.footer)
    throw new SettleError(
      'SETTLE_EPISODE_TRUNCATED',
      `${file} ends before its footer: the episode did not finish`,
      {
        details: { file },
        hint: 'an unfinished episode cannot be settled: run it again, or move it out of the run folder',
      },
    );
  const record = scoreBy(episode, overseer);
  if (!record)
    throw new SettleError(
      'SETTLE_EPISODE_UNSCORED',
      `${file} carries no score from overseer ${overseer.slice(0, 12)}…`,
      {
        details: { file, overseer },
        hint: 'score the run first: palestra score <run>/episode-*.jsonl (with the same --overseer)',
      },
    );
  return {
    file,
    episode,
    fields: {
      episodeRoot: episode.footer.root,
      taskIndex: episode.header.taskIndex,
      envReturn: episode.footer.return,
      score: record.reward,
      steps: episode.footer.length,
      outcome: outcomeOf(episode),
    },
  };
}

/** Every episode of `run` with its leaf, in run order (the first bad episode throws, naming it). */
export function runLeaves(run: string, overseer: string): RunLeaf[] {
  return runEpisodeFiles(run).map((file) => episodeLeaf(file, overseer));
}
