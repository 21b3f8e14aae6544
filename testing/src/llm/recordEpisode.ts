import {
  type Action,
  type EnvSource,
  type Episode,
  EpisodeWriter,
  makeEnv,
  PalestraError,
  readEpisode,
} from '@palestra/envs';

/**
 * Plays `actions` in an environment for real and writes the episode as a rollout does, including
 * the step that makes the environment throw: the record keeps the failing action and the error
 * (`EpisodeWriter.failStep`), and its footer carries the error. Returns the record as read back.
 *
 * @example
 * const ep = await recordEpisode(loadCatalog('refund-desk'), join(dir, 'e.jsonl'), {
 *   actions: [{ text: 'x'.repeat(300_000) }], // OBSERVATION_TOO_LARGE: an agent fault
 * });
 */
export async function recordEpisode(
  source: EnvSource,
  path: string,
  options: { actions: Action[]; seed?: number; taskIndex?: number; agent?: string },
): Promise<Episode> {
  const env = await makeEnv(source);
  try {
    const seed = options.seed ?? 0;
    const w = new EpisodeWriter(
      path,
      { spec: source.spec, seed, agent: options.agent ?? 'test' },
      env.reset({ seed, ...(options.taskIndex === undefined ? {} : { taskIndex: options.taskIndex }) }),
    );
    for (const action of options.actions) {
      let result: ReturnType<typeof env.step>;
      try {
        result = env.step(action);
      } catch (e) {
        if (!(e instanceof PalestraError)) throw e;
        w.failStep(action, { code: e.code, message: e.message });
        break;
      }
      w.step(action, result);
      if (result.terminated || result.truncated) break;
    }
    w.close();
    return readEpisode(path);
  } finally {
    env.close();
  }
}
