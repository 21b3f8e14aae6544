import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { bundleId, type EnvSource, EpisodeWriter, openEnv, PalestraError, readEpisode } from '@palestra/envs';
import type { Agent } from '../agents/agent.ts';

export interface RunOptions {
  episodes: number;
  seed: number;
  out: string;
  /** Called after each episode (for progress bars). */
  onEpisode?: (done: number, total: number, result: EpisodeSummary) => void;
}

export interface EpisodeSummary {
  index: number;
  file: string;
  seed: number;
  taskId: string;
  /** Return in micro-units (exact). */
  returnMicros: number;
  length: number;
  terminated: boolean;
  truncated: boolean;
  invalidActions: number;
  /** True when a finished file was found and kept (resume). */
  resumed: boolean;
  /** The environment error that stopped the episode, if any. */
  error?: string;
}

export interface RunSummary {
  env: string;
  bundle: string;
  agent: string;
  episodes: EpisodeSummary[];
  steps: number;
  seconds: number;
}

/** `episode-000042.jsonl` */
export function episodeFileName(index: number): string {
  return `episode-${String(index).padStart(6, '0')}.jsonl`;
}

/**
 * Plays `episodes` episodes (seed `seed + i`) and streams each to `out/episode-NNNNNN.jsonl`.
 * Finished episode files already in `out` are kept and skipped, so a rerun resumes.
 */
export async function runEpisodes(source: EnvSource, agent: Agent, options: RunOptions): Promise<RunSummary> {
  // Environments with code run in a worker the runner can stop if the code hangs.
  const env = await openEnv(source);
  const root = await bundleId(source);
  const started = performance.now();
  const episodes: EpisodeSummary[] = [];
  let steps = 0;
  try {
    for (let i = 0; i < options.episodes; i++) {
      const seed = options.seed + i;
      const file = join(options.out, episodeFileName(i));
      if (existsSync(file)) {
        try {
          const ep = readEpisode(file);
          if (ep.complete && ep.header.seed === seed && ep.header.spec.root === root) {
            const s: EpisodeSummary = {
              index: i,
              file,
              seed,
              taskId: ep.header.taskId,
              returnMicros: ep.footer!.return,
              length: ep.footer!.length,
              terminated: ep.footer!.terminated,
              truncated: ep.footer!.truncated,
              invalidActions: ep.steps.filter((x) => x.invalidAction).length,
              resumed: true,
              ...(ep.footer!.error ? { error: `${ep.footer!.error.code}: ${ep.footer!.error.message}` } : {}),
            };
            episodes.push(s);
            options.onEpisode?.(i + 1, options.episodes, s);
            continue;
          }
        } catch {
          // a truncated or foreign file: play the episode again
        }
      }
      agent.startEpisode?.(i, seed);
      const reset = env.reset({ seed });
      const writer = new EpisodeWriter(
        file,
        { spec: { ...source.spec, root }, seed, agent: agent.id },
        reset,
      );
      let observation = reset.observation;
      let ret = 0;
      let invalid = 0;
      let stepsInEpisode = 0;
      let error: string | undefined;
      let agentError: unknown;
      let ended = { terminated: false, truncated: false };
      try {
        outer: for (;;) {
          let turnResult: Awaited<ReturnType<Agent['turn']>>;
          try {
            turnResult = await agent.turn({
              observation,
              tools: source.spec.tools,
              episode: reset.info,
              step: stepsInEpisode,
              episodeIndex: i,
            });
          } catch (e) {
            // The agent (the policy endpoint) failed, not the environment: stop the run; the
            // episode file stays without a footer, so a rerun plays this episode again.
            agentError = e;
            break;
          }
          const { actions, turn } = turnResult;
          let first = true;
          for (const action of actions.length > 0 ? actions : [{ text: '' }]) {
            const r = env.step(action);
            stepsInEpisode++;
            // The turn record goes beside the first step it caused.
            writer.step(action, r, first ? turn : undefined);
            first = false;
            steps++;
            ret += r.info.rewardMicros;
            if (r.info.invalidAction) invalid++;
            observation = r.observation;
            if (r.terminated || r.truncated) {
              ended = { terminated: r.terminated, truncated: r.truncated };
              break outer;
            }
          }
        }
      } catch (e) {
        // Environment code failed (deadline, memory, exception): record it, recover, go on.
        if (!(e instanceof PalestraError)) throw e;
        writer.fail({ code: e.code, message: e.message });
        error = `${e.code}: ${e.message}`;
        await env.recover();
      } finally {
        writer.close();
      }
      if (agentError !== undefined) throw agentError;
      const s: EpisodeSummary = {
        index: i,
        file,
        seed,
        taskId: reset.info.taskId,
        returnMicros: ret,
        length: stepsInEpisode,
        ...ended,
        invalidActions: invalid,
        resumed: false,
        ...(error ? { error } : {}),
      };
      episodes.push(s);
      options.onEpisode?.(i + 1, options.episodes, s);
    }
  } finally {
    env.close();
  }
  return {
    env: `${source.spec.name}@${source.spec.version}`,
    bundle: root,
    agent: agent.id,
    episodes,
    steps,
    seconds: (performance.now() - started) / 1000,
  };
}
