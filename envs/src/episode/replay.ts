import type { EnvHandle } from '../kernel/handle.ts';
import { openEnv } from '../kernel/open.ts';
import type { EnvSource } from '../kernel/source.ts';
import type { Episode, EpisodeStep } from './record.ts';
import { type ReplayResult, replayEpisode } from './replayEpisode.ts';

/**
 * `replayEpisode` with Node's way of opening the environment (`openEnv`): environments with code
 * modules run in a worker thread that can be stopped if the code hangs, unless `isolate` says
 * otherwise. See `replayEpisode` for what is checked.
 *
 * @example
 * replay(loadCatalog('frozen-lake'), readEpisode('run/episode-000000.jsonl'));
 */
export function replay(
  source: EnvSource,
  record: Episode,
  options: {
    upTo?: number;
    isolate?: boolean;
    env?: EnvHandle;
    /** Called after the reset (k = 0, no step) and after each verified step k: snapshot the env there. */
    onStep?: (k: number, env: EnvHandle, step: EpisodeStep | undefined) => void;
  } = {},
): Promise<ReplayResult> {
  const { isolate, ...rest } = options;
  return replayEpisode<EnvHandle>(source, record, {
    ...rest,
    open: (s) => openEnv(s, isolate === undefined ? {} : { isolate }),
  });
}
