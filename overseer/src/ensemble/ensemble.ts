import { PalestraError } from '@palestra/envs';
import { fromMicros } from '@palestra/envs/core';
import { MICRO, type Overseer, type Score, type ScoreComponent, type ScoredEpisode } from '../types.ts';
import { AGENT_FAULT_CEILING, bandScore, FAILURE_BAND, SUCCESS_BAND } from './outcome.ts';

/** What the gates made of an episode: a veto (the final score), or their scores. */
type Gated = { vetoed: Score } | { scores: Score[] };

export interface EnsembleMember {
  overseer: Overseer;
  weight: number;
  /**
   * Gate: run before the others; a veto from a gate ends the scoring (the judges are not asked).
   * `outcome` (the rules member): also decide the outcome band the final score lies in.
   */
  gate?: boolean | 'outcome';
}

/**
 * Weighted combination with gating: gates (the rules) run first; if any vetoes, that is the
 * score and nothing else runs (no judge is paid for a vetoed episode; an agent-caused failure
 * scores at most `AGENT_FAULT_CEILING`, below every honest episode); otherwise every member scores.
 *
 * - Without an outcome gate, the reward is the weighted mean of the members' micro-unit rewards
 *   (rounded half away from zero). A judge's weight can then move a failed episode anywhere,
 *   above the success threshold too.
 * - With an outcome gate (`gate: 'outcome'`, see `outcome.ts`), the rules decide the outcome and
 *   the others only rank within it: the rank is the weighted mean, on 0…10⁶, of each judge's
 *   score (clamped to 0…1) and the outcome gate's return placed within the declared bounds; the
 *   reward is the bottom of the outcome's band plus rank × the band's width, in exact integers.
 *   The failure band tops out below the success threshold, so no judge can cross it.
 *
 * Components stay visible, prefixed by member.
 */
export class EnsembleOverseer implements Overseer {
  readonly id = 'ensemble';

  constructor(private readonly members: EnsembleMember[]) {
    if (members.length === 0) throw new RangeError('an ensemble needs at least one member');
    for (const m of members)
      if (!(m.weight >= 0) || !Number.isFinite(m.weight))
        throw new RangeError(`weight of ${m.overseer.id} must be ≥ 0`);
    if (members.filter((m) => m.gate === 'outcome').length > 1)
      throw new RangeError('an ensemble gates on one outcome: give gate "outcome" to one member');
  }

  /**
   * A veto is the score; the rules' part still travels with it (a score record commits it). An
   * agent fault is held at `AGENT_FAULT_CEILING`: with a declared minimum above 0, the rules'
   * fault score would beat a weighted mean that a low judge score pulls below it.
   */
  private vetoed(s: Score, others: Score[]): Score {
    const rules = s.rules ?? others.find((x) => x.rules)?.rules;
    const m = s.fault === 'agent' ? Math.min(s.micros, AGENT_FAULT_CEILING) : s.micros;
    return {
      ...s,
      reward: fromMicros(m),
      micros: m,
      judge: `${this.id}:${s.judge}`,
      rationale: `vetoed: ${s.rationale}`,
      ...(rules ? { rules } : {}),
    };
  }

  /** Runs the gates in order; the vetoed score when one vetoes, else the gates' scores. */
  private async gate(episode: ScoredEpisode): Promise<Gated> {
    const scores: Score[] = [];
    for (const g of this.members.filter((m) => m.gate)) {
      const s = await g.overseer.scoreEpisode(episode);
      if (s.veto) return { vetoed: this.vetoed(s, scores) };
      scores.push(s);
    }
    return { scores };
  }

  async scoreEpisode(episode: ScoredEpisode): Promise<Score> {
    const gated = await this.gate(episode);
    if ('vetoed' in gated) return gated.vetoed;
    const rest = this.members.filter((m) => !m.gate);
    return this.combine(gated.scores, await Promise.all(rest.map((m) => m.overseer.scoreEpisode(episode))));
  }

  /**
   * A group of episodes of one task (GRPO's group): the gates score each episode as in
   * `scoreEpisode`, then every other member scores the episodes the gates let through together,
   * with its own `scoreGroup` when it has one (an LLM judge: one request, side by side), in the
   * order given. The same episodes in the same order give the same judge request, which is how
   * `verifyFiles` re-derives a group verdict from the cache.
   */
  async scoreGroup(episodes: ScoredEpisode[]): Promise<Score[]> {
    const gated: Gated[] = [];
    for (const e of episodes) gated.push(await this.gate(e));
    const passed = episodes.filter((_, i) => !('vetoed' in gated[i]!));
    const rest = this.members.filter((m) => !m.gate);
    const restScores = await Promise.all(
      rest.map((m) =>
        m.overseer.scoreGroup
          ? m.overseer.scoreGroup(passed)
          : Promise.all(passed.map((e) => m.overseer.scoreEpisode(e))),
      ),
    );
    let k = 0;
    return gated.map((g) => {
      if ('vetoed' in g) return g.vetoed;
      const at = k++;
      return this.combine(
        g.scores,
        restScores.map((scores) => scores[at]!),
      );
    });
  }

  /**
   * The outcome-gated reward (class doc): the gate's outcome picks the band; the rank within it is
   * the weighted mean of the gate's position in the bounds and every other member's score
   * clamped to 0…10⁶.
   */
  private banded(
    gated: { m: EnsembleMember; s: Score },
    all: { m: EnsembleMember; s: Score }[],
    totalWeight: number,
  ): { micros: number; components: ScoreComponent[]; rationale: string } {
    const outcome = gated.s.outcome;
    if (!outcome)
      throw new PalestraError('OUTCOME_UNKNOWN', `${gated.s.judge} gave no outcome to gate on`, {
        hint: 'gate: "outcome" belongs on the rules member (the environment rules decide the outcome)',
      });
    const position = outcome.position;
    if (position === undefined && gated.m.weight > 0)
      throw new PalestraError(
        'REWARD_BOUNDS_REQUIRED',
        'the environment declares no reward bounds, so its return cannot rank within the outcome band',
        {
          details: { path: '$.reward.bounds' },
          hint: 'declare "reward": { "bounds": { "min": …, "max": … } } in the spec (the lowest and highest return), or give the rules member weight 0',
        },
      );
    const value = (x: { s: Score }) =>
      x === gated ? (position ?? 0) : Math.min(MICRO, Math.max(0, x.s.micros));
    const rank = Math.round(all.reduce((a, x) => a + value(x) * x.m.weight, 0) / totalWeight);
    const band = outcome.success ? SUCCESS_BAND : FAILURE_BAND;
    const name = outcome.success ? 'success' : 'failure';
    return {
      micros: bandScore(outcome.success, rank),
      components: [
        { name: `outcome:${name}/band bottom`, micros: band.bottom, weight: 1 },
        { name: `outcome:${name}/rank`, micros: rank, weight: fromMicros(band.width) },
      ],
      rationale: `${name}: band ${fromMicros(band.bottom)}…${fromMicros(band.bottom + band.width)}, rank ${fromMicros(rank)} | `,
    };
  }

  /** Gate and member scores (in member order) → the ensemble's score (class doc). */
  private combine(gateScores: Score[], restScores: Score[]): Score {
    const gates = this.members.filter((m) => m.gate);
    const rest = this.members.filter((m) => !m.gate);
    const all = [
      ...gates.map((m, i) => ({ m, s: gateScores[i]! })),
      ...rest.map((m, i) => ({ m, s: restScores[i]! })),
    ];
    for (const { s } of all)
      if (s.veto)
        return this.vetoed(
          s,
          all.map((x) => x.s),
        );
    const verdicts = all.flatMap(({ s }) => s.verdicts ?? []);
    const rules = all.find(({ s }) => s.rules)?.s.rules;
    const totalWeight = all.reduce((a, x) => a + x.m.weight, 0);
    if (totalWeight === 0) throw new RangeError('the ensemble weights sum to 0');
    const gated = all.find((x) => x.m.gate === 'outcome');
    let microsTotal: number;
    let band: ReturnType<typeof this.banded> | undefined;
    if (gated) {
      band = this.banded(gated, all, totalWeight);
      microsTotal = band.micros;
    } else {
      const weighted = all.reduce((a, x) => a + x.s.micros * x.m.weight, 0) / totalWeight;
      microsTotal = Math.sign(weighted) * Math.round(Math.abs(weighted));
    }
    return {
      reward: fromMicros(microsTotal),
      micros: microsTotal,
      components: [
        ...(band?.components ?? []),
        ...all.flatMap(({ m, s }) =>
          s.components.map((c) => ({
            name: `${s.judge}/${c.name}`,
            micros: c.micros,
            weight: m.weight / totalWeight,
          })),
        ),
      ],
      rationale: (band?.rationale ?? '') + all.map(({ s }) => `${s.judge}: ${s.rationale}`).join(' | '),
      confidence: all.reduce((a, x) => a + x.s.confidence * x.m.weight, 0) / totalWeight,
      judge: this.id,
      ...(all.some((x) => x.s.verdictHash)
        ? { verdictHash: all.find((x) => x.s.verdictHash)!.s.verdictHash! }
        : {}),
      // Every judge's verdict is committed, not only the first: each one moved the reward.
      ...(verdicts.length > 0 ? { verdicts } : {}),
      ...(rules ? { rules } : {}),
      ...(gated?.s.outcome ? { outcome: gated.s.outcome } : {}),
    };
  }
}
