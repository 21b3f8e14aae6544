import type { Overseer, Score, ScoredEpisode } from '../types.ts';

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

  async scoreEpisode(episode: ScoredEpisode): Promise<Score> {
    const gates = this.members.filter((m) => m.gate);
    const gateScores: Score[] = [];
    for (const g of gates) {
      const s = await g.overseer.scoreEpisode(episode);
      if (s.veto) return this.vetoed(s, gateScores);
      gateScores.push(s);
    }
    const rest = this.members.filter((m) => !m.gate);
    const restScores = await Promise.all(rest.map((m) => m.overseer.scoreEpisode(episode)));
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

  async scoreGroup(episodes: ScoredEpisode[]): Promise<Score[]> {
    return Promise.all(episodes.map((e) => this.scoreEpisode(e)));
  }
}
