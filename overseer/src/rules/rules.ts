import {
  agentFaultMicros,
  type EnvHandle,
  type EnvSource,
  type Fault,
  openEnv,
  PalestraError,
  replay,
} from '@palestra/envs';
import { fromMicros } from '@palestra/envs/core';
import { type OutcomeReading, positionInBounds, succeeded } from '../ensemble/outcome.ts';
import { micros, type Overseer, type Score, type ScoreComponent, type ScoredEpisode } from '../types.ts';
import { declaredBounds, faultOfRecord, hostLimitNotReplayed } from './faults.ts';

/**
 * The rules overseer: the environment's own reward rules (CEL expressions and sandboxed code),
 * re-executed through the kernel. Deterministic and free, so it always runs first. It replays the
 * episode, and vetoes (so no judge is ever paid to grade it) every episode that is broken, scored
 * by who broke it, because breaking the environment must never pay better than failing the task:
 *
 * - **agent fault** (`fault: 'agent'`): the episode stopped on an error the agent's output
 *   provoked (`faultOf(code)`: an oversized reply or observation, …), or the record is forged,
 *   does not replay (but see `hostLimitNotReplayed`), belongs to another environment or was cut
 *   short. It scores
 *   `agentFaultMicros(reward.bounds)`: the declared minimum return minus one micro-unit, the
 *   worst outcome in its group, and stays in training batches so the policy learns not to.
 *   A spec without `reward.bounds` cannot score it: `REWARD_BOUNDS_REQUIRED`.
 * - **environment fault** (`fault: 'environment'`): the environment's own code or rules failed
 *   (a module threw, a deadline, memory, a reward outside the bounds). Reward 0, marked so that
 *   training leaves it out of batches and counts it.
 *
 * An episode that replayed also gets its outcome (`outcome.ts`: success is a final state with a
 * positive return), which `gate: "outcome"` in an ensemble uses.
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

  /** The veto of a broken episode, scored by who broke it (class doc). */
  private broken(fault: Fault, why: string): Score {
    const m =
      fault === 'agent'
        ? agentFaultMicros(declaredBounds(this.source.spec, 'scoring an episode the agent broke'))
        : 0;
    return {
      reward: fromMicros(m),
      micros: m,
      components: [{ name: `${fault} fault`, micros: m }],
      rationale:
        fault === 'agent'
          ? `agent fault, scored below the declared minimum return: ${why}`
          : `environment fault, left out of training: ${why}`,
      confidence: 1,
      judge: this.id,
      veto: true,
      fault,
      rules: { micros: m, veto: true },
    };
  }

  async scoreEpisode(episode: ScoredEpisode): Promise<Score> {
    const { spec } = this.source;
    if (episode.header.spec.name !== spec.name)
      return this.broken('agent', `the episode is from ${episode.header.spec.name}, not ${spec.name}`);
    if (!episode.complete || !episode.footer)
      return this.broken('agent', 'the episode record is incomplete (the run was interrupted)');
    let replayed: Awaited<ReturnType<typeof replay>>;
    try {
      // A failed episode is replayed too: the replay re-executes the failing action, must meet the
      // same error, and recovers the env; so a record cannot claim a fault that did not happen.
      // (A record from before failure lines keeps the error in its footer alone: its code decides.)
      replayed = await replay(this.source, episode, { env: await this.handle() });
    } catch (e) {
      if (e instanceof PalestraError) {
        await (await this.handle()).recover();
        if (hostLimitNotReplayed(episode, e))
          return this.broken(
            'environment',
            `the episode stopped on ${episode.failure!.error.code} (a host limit, not met again on replay; every step before it replays): ${episode.failure!.error.message}`,
          );
        return this.broken('agent', `the episode does not replay: ${e.message}`);
      }
      throw e;
    }
    const error = episode.footer.error;
    if (error)
      return this.broken(faultOfRecord(error), `the episode stopped on ${error.code}: ${error.message}`);
    const byName = new Map<string, number>();
    for (const step of replayed.replayed)
      for (const c of step.components) byName.set(c.name, (byName.get(c.name) ?? 0) + c.micros);
    const components: ScoreComponent[] = [...byName].map(([name, m]) => ({ name, micros: m, weight: 1 }));
    const total = components.reduce((a, c) => a + c.micros, 0);
    const fired = components.filter((c) => c.micros !== 0).map((c) => `${c.name} ${fromMicros(c.micros)}`);
    // The replayed last step, not the footer, says how it ended: the steps are what the chain proves.
    const terminated = replayed.replayed.at(-1)?.terminated ?? false;
    const outcome: OutcomeReading = {
      success: succeeded({ terminated, returnMicros: total }),
      ...(spec.reward.bounds ? { position: positionInBounds(total, spec.reward.bounds) } : {}),
    };
    return {
      reward: fromMicros(total),
      micros: total,
      components,
      rationale: fired.length > 0 ? `environment rules: ${fired.join(', ')}` : 'no reward rule fired',
      confidence: 1,
      judge: this.id,
      rules: { micros: total, veto: false },
      outcome,
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
