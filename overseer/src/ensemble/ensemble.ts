import type { Overseer, Score, ScoredEpisode } from '../types.ts';

/** What the gates made of an episode: a veto (the final score), or their scores. */
type Gated = { vetoed: Score } | { scores: Score[] };

export interface EnsembleMember {
  overseer: Overseer;
  weight: number;
  /** Gate: run before the others; a veto from a gate ends the scoring (the judges are not asked). */
  gate?: boolean;
}

/**
 * Weighted combination with gating: gates (the rules) run first; if any vetoes, that is the
 * score and nothing else runs (no judge is paid for a vetoed episode); otherwise every member
 * scores and the reward is the weighted mean of their micro-unit rewards (exact integer
 * arithmetic, rounded half away from zero). Components stay visible, prefixed by member.
 */
export class EnsembleOverseer implements Overseer {
  readonly id = 'ensemble';

  constructor(private readonly members: EnsembleMember[]) {
    if (members.length === 0) throw new RangeError('an ensemble needs at least one member');
    for (const m of members)
      if (!(m.weight >= 0) || !Number.isFinite(m.weight))
        throw new RangeError(`weight of ${m.overseer.id} must be ≥ 0`);
  }

  /** A veto is the score; the rules' part still travels with it (a score record commits it). */
  private vetoed(s: Score, others: Score[]): Score {
    const rules = s.rules ?? others.find((x) => x.rules)?.rules;
    return {
      ...s,
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
    const weighted = all.reduce((a, x) => a + x.s.micros * x.m.weight, 0) / totalWeight;
    const microsTotal = Math.sign(weighted) * Math.round(Math.abs(weighted));
    return {
      reward: microsTotal / 1e6,
      micros: microsTotal,
      components: all.flatMap(({ m, s }) =>
        s.components.map((c) => ({
          name: `${s.judge}/${c.name}`,
          micros: c.micros,
          weight: m.weight / totalWeight,
        })),
      ),
      rationale: all.map(({ s }) => `${s.judge}: ${s.rationale}`).join(' | '),
      confidence: all.reduce((a, x) => a + x.s.confidence * x.m.weight, 0) / totalWeight,
      judge: this.id,
      ...(all.some((x) => x.s.verdictHash)
        ? { verdictHash: all.find((x) => x.s.verdictHash)!.s.verdictHash! }
        : {}),
      // Every judge's verdict is committed, not only the first: each one moved the reward.
      ...(verdicts.length > 0 ? { verdicts } : {}),
      ...(rules ? { rules } : {}),
    };
  }
}
