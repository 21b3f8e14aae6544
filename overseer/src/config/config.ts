import { readFileSync } from 'node:fs';
import { type EnvSource, PalestraError } from '@palestra/envs';
import { z } from 'zod';
import { type EnsembleMember, EnsembleOverseer } from '../ensemble/ensemble.ts';
import { type JudgeConfig, type JudgeOptions, judgeConfigSchema, LlmJudge } from '../judge/judge.ts';
import { OnnxScorer, type OnnxScorerConfig, OnnxScorerConfigSchema } from '../onnx/model.ts';
import { RulesOverseer } from '../rules/rules.ts';
import type { Overseer } from '../types.ts';

/**
 * An overseer configuration file: members of a gated ensemble. `rules` gates by default (its
 * veto stops the judges); judges take the LlmJudge options; `onnx` members take OnnxScorer's.
 *
 * `"gate": "outcome"` on the rules member (recommended whenever a judge or model is in the
 * ensemble) lets the environment's rules decide success or failure and the others only rank
 * within it (`ensemble/outcome.ts`: failure scores 0…0.4, success 0.6…1), so a judge fooled by
 * an injected instruction cannot lift a failed episode over the success threshold. `true` (the
 * default) gates on vetoes only and takes the plain weighted mean.
 *
 * @example
 * { "members": [ { "kind": "rules", "gate": "outcome" },
 *                { "kind": "judge", "weight": 2, "provider": "openai", "model": "gpt-4o-mini",
 *                  "rubric": "Did the agent follow the refund policy?", "cacheDir": ".palestra/verdicts" } ] }
 */
const memberSchema = z.discriminatedUnion('kind', [
  z
    .object({
      kind: z.literal('rules'),
      weight: z.number().min(0).default(1),
      /** `true`: veto broken episodes; `"outcome"`: also put the score in the outcome's band. */
      gate: z.union([z.boolean(), z.literal('outcome')]).default(true),
    })
    .strict(),
  judgeConfigSchema.extend({ kind: z.literal('judge'), weight: z.number().min(0).default(1) }).strict(),
  OnnxScorerConfigSchema.extend({ kind: z.literal('onnx'), weight: z.number().min(0).default(1) }).strict(),
]);
export const overseerConfigSchema = z
  .object({ members: z.array(memberSchema).min(1) })
  .strict()
  .superRefine((c, ctx) => {
    const gates = c.members.flatMap((m, i) => (m.kind === 'rules' && m.gate === 'outcome' ? [i] : []));
    for (const i of gates.slice(1))
      ctx.addIssue({
        code: 'custom',
        path: ['members', i, 'gate'],
        message: `one member decides the outcome (members.${gates[0]} already does); use "gate": true here`,
      });
  });
export type OverseerConfig = z.input<typeof overseerConfigSchema>;

/** `rules` (the default) or a path to a JSON config. */
export function loadOverseerConfig(spec: string): OverseerConfig {
  if (spec === 'rules') return { members: [{ kind: 'rules' }] };
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(spec, 'utf8'));
  } catch (e) {
    throw new PalestraError(
      'OVERSEER_CONFIG',
      `cannot read the overseer config ${spec}: ${(e as Error).message}`,
      {
        hint: 'use --overseer rules, or a JSON file like {"members": [{"kind": "rules", "gate": "outcome"}, {"kind": "judge", "weight": 2, ...}]}',
      },
    );
  }
  const parsed = overseerConfigSchema.safeParse(raw);
  if (!parsed.success)
    throw new PalestraError(
      'OVERSEER_CONFIG',
      `${spec}: ${parsed.error.issues.map((i) => `$.${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  return parsed.data;
}

export interface BuildOverseerOptions extends JudgeOptions {
  /** Verdict cache for judges whose config names none (a score is committed only with a cache). */
  defaultCacheDir?: string;
}

/**
 * Builds the overseer a config describes, for one environment (ONNX models load here). Options
 * change how judges run (cache-only verification, where the cache is), never what they decide.
 */
export async function buildOverseer(
  config: OverseerConfig,
  source: EnvSource,
  options: BuildOverseerOptions = {},
): Promise<Overseer> {
  const parsed = overseerConfigSchema.parse(config);
  const members: EnsembleMember[] = [];
  for (const m of parsed.members) {
    if (m.kind === 'rules')
      members.push({ overseer: new RulesOverseer(source), weight: m.weight, gate: m.gate });
    else if (m.kind === 'judge') {
      const { kind: _k, weight, ...judge } = m;
      const cacheDir = options.cacheDir ?? judge.cacheDir ?? options.defaultCacheDir;
      const judgeOptions: JudgeOptions = {
        ...(cacheDir ? { cacheDir } : {}),
        ...(options.cacheOnly ? { cacheOnly: true } : {}),
      };
      members.push({ overseer: new LlmJudge(judge as JudgeConfig, judgeOptions), weight, gate: false });
    } else {
      const { kind: _k, weight, ...onnx } = m;
      members.push({ overseer: await OnnxScorer.load(onnx as OnnxScorerConfig), weight, gate: false });
    }
  }
  // A lone member is its own score, unless it gates on the outcome (a banded rules score).
  if (members.length === 1 && members[0]!.gate !== 'outcome') return members[0]!.overseer;
  return new EnsembleOverseer(members);
}
