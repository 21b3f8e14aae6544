import { type EnvHandle, type EnvSource, openEnv, PalestraError, replay } from '@palestra/envs';
import { micros, type Overseer, type Score, type ScoreComponent, type ScoredEpisode } from '../types.ts';

/**
 * The rules overseer: the environment's own reward rules (CEL expressions and sandboxed code),
 * re-executed through the kernel. Deterministic and free, so it always runs first. It replays the
 * episode: a record that does not replay bit for bit, or one stopped by an environment error, is
 * vetoed (reward 0), so no judge is ever paid to grade a forged or broken episode.
 */
export class RulesOverseer implements Overseer {
  readonly id = 'rules';

  private env: Promise<EnvHandle> | undefined;

  constructor(private readonly source: EnvSource) {}

  /** One environment for every episode this overseer replays (a worker for code environments). */
  private handle(): Promise<EnvHandle> {
    this.env ??= openEnv(this.source);
    return this.env;
  }

  async close(): Promise<void> {
    (await this.env)?.close();
    this.env = undefined;
  }

  async scoreEpisode(episode: ScoredEpisode): Promise<Score> {
    const veto = (why: string): Score => ({
      reward: 0,
      micros: 0,
      components: [{ name: 'veto', micros: 0 }],
      rationale: why,
      confidence: 1,
      judge: this.id,
      veto: true,
      rules: { micros: 0, veto: true },
    });
    if (episode.header.spec.name !== this.source.spec.name)
      return veto(`the episode is from ${episode.header.spec.name}, not ${this.source.spec.name}`);
    if (episode.footer?.error)
      return veto(`the episode stopped on an environment error: ${episode.footer.error.code}`);
    if (!episode.complete) return veto('the episode record is incomplete (the run was interrupted)');
    let replayed: Awaited<ReturnType<typeof replay>>;
    try {
      replayed = await replay(this.source, episode, { env: await this.handle() });
    } catch (e) {
      if (e instanceof PalestraError) {
        await (await this.handle()).recover();
        return veto(`the episode does not replay: ${e.message}`);
      }
      throw e;
    }
    const byName = new Map<string, number>();
    for (const step of replayed.replayed)
      for (const c of step.components) byName.set(c.name, (byName.get(c.name) ?? 0) + c.micros);
    const components: ScoreComponent[] = [...byName].map(([name, m]) => ({ name, micros: m, weight: 1 }));
    const total = components.reduce((a, c) => a + c.micros, 0);
    const fired = components.filter((c) => c.micros !== 0).map((c) => `${c.name} ${c.micros / 1e6}`);
    return {
      reward: total / 1e6,
      micros: total,
      components,
      rationale: fired.length > 0 ? `environment rules: ${fired.join(', ')}` : 'no reward rule fired',
      confidence: 1,
      judge: this.id,
      rules: { micros: total, veto: false },
    };
  }

  async scoreGroup(episodes: ScoredEpisode[]): Promise<Score[]> {
    const out: Score[] = [];
    for (const e of episodes) out.push(await this.scoreEpisode(e));
    return out;
  }
}

/** A rule that vetoes episodes matching a predicate (e.g. "never issue a refund without a lookup"). */
export function vetoWhen(name: string, predicate: (e: ScoredEpisode) => boolean): Overseer {
  return {
    id: `veto:${name}`,
    async scoreEpisode(e) {
      const hit = predicate(e);
      return {
        reward: 0,
        micros: micros(0),
        components: [{ name, micros: 0 }],
        rationale: hit ? `vetoed by rule "${name}"` : `rule "${name}" passed`,
        confidence: 1,
        judge: `veto:${name}`,
        ...(hit ? { veto: true } : {}),
      };
    },
  };
}
