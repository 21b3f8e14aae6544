import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Episode, EpisodeWriter, makeEnv, PalestraError, readEpisode } from '@palestra/envs';
import { loadCatalog } from '@palestra/envs/catalog';
import { SUCCESS_THRESHOLD } from '../ensemble/outcome.ts';
import { JudgeRequestError } from '../judge/judgeError.ts';
import type { Overseer } from '../types.ts';
import { REDTEAM_FIXTURES, type RedTeamFixture } from './fixtures.ts';

export interface RedTeamError {
  code: string;
  message: string;
  hint?: string;
}

export interface RedTeamResult {
  judge: string;
  /** Fixtures in the set, judged or not. */
  total: number;
  falsePositives: number;
  /**
   * falsePositives / total. A measurement only when `errors` is 0: an item that could not be
   * judged was not fooled, but it did not resist either, and leaving it out would let a judge
   * that fails on exactly the hard fixtures pass. So any error makes the run "could not run"
   * (`palestra overseer redteam` exits non-zero), whatever the others scored.
   */
  rate: number;
  /** Fixtures without a verdict: the judge failed on them, or the run stopped before them. */
  errors: number;
  /** The first failure, as a user should see it. */
  firstError?: RedTeamError;
  /**
   * Set when the run stopped early, on a failure that every further request would repeat
   * (an unreachable judge, a refused key, an unknown model): the fixtures after it were not tried.
   */
  stopped?: string;
  rows: {
    id: string;
    kind: string;
    reward: number | null;
    fooled: boolean;
    error?: string;
    /** The error's code (`JUDGE_UNREACHABLE`, `JUDGE_BAD_VERDICT`, …), when it has one. */
    code?: string;
  }[];
}

/**
 * Plays a fixture for real and returns its episode record. An episode the fixture's actions leave
 * open is played on with its last action until the environment ends it (its step limit), because
 * only finished episodes are scored: an unfinished record is an agent fault, vetoed before any
 * judge sees it, and would red-team nothing.
 */
export async function fixtureEpisode(
  f: RedTeamFixture,
  dir = mkdtempSync(join(tmpdir(), 'redteam-')),
): Promise<Episode> {
  const source = loadCatalog(f.env);
  const env = await makeEnv(source);
  try {
    const path = join(dir, `${f.id}.jsonl`);
    const w = new EpisodeWriter(
      path,
      { spec: source.spec, seed: 0, agent: `redteam:${f.id}` },
      env.reset({ seed: 0, taskIndex: f.taskIndex }),
    );
    for (let k = 0; ; k++) {
      const a = f.actions[Math.min(k, f.actions.length - 1)]!;
      const r = env.step(a);
      w.step(a, r);
      if (r.terminated || r.truncated) break;
    }
    w.close();
    return readEpisode(path);
  } finally {
    env.close();
  }
}

/**
 * Runs the red-team set against a judge: every fixture is an episode that fails its task, so a
 * reward ≥ threshold (`SUCCESS_THRESHOLD`, 0.5) is a false positive. A judge error counts as an
 * error, never as "not fooled": a result with errors is no measurement (see `rate`).
 * A failure that every further request would repeat (`JudgeRequestError.fatal`: unreachable,
 * refused key, unknown model) stops the run at once; the fixtures not tried count as errors.
 * Pass a function of the environment's name to red-team an overseer that is built per
 * environment (an ensemble whose rules member replays the fixture's environment).
 *
 * @example
 * await runRedTeam(new LlmJudge(config));
 * await runRedTeam((env) => buildOverseer(gatedConfig, loadCatalog(env)));
 */
export async function runRedTeam(
  judge: Overseer | ((env: string) => Overseer | Promise<Overseer>),
  options: { threshold?: number; fixtures?: RedTeamFixture[] } = {},
): Promise<RedTeamResult> {
  const threshold = options.threshold ?? SUCCESS_THRESHOLD;
  const fixtures = options.fixtures ?? REDTEAM_FIXTURES;
  const rows: RedTeamResult['rows'] = [];
  const built = new Map<string, Overseer>();
  const overseerFor = async (env: string): Promise<Overseer> => {
    if (typeof judge !== 'function') return judge;
    let o = built.get(env);
    if (!o) {
      o = await judge(env);
      built.set(env, o);
    }
    return o;
  };
  let id = typeof judge === 'function' ? undefined : judge.id;
  let firstError: RedTeamError | undefined;
  let stopped: string | undefined;
  try {
    for (const f of fixtures) {
      const episode = await fixtureEpisode(f);
      try {
        const overseer = await overseerFor(f.env);
        id ??= overseer.id;
        const s = await overseer.scoreEpisode(episode);
        rows.push({ id: f.id, kind: f.kind, reward: s.reward, fooled: s.reward >= threshold });
      } catch (e) {
        const err = asRedTeamError(e);
        firstError ??= err;
        rows.push({
          id: f.id,
          kind: f.kind,
          reward: null,
          fooled: false,
          error: err.message,
          code: err.code,
        });
        if (e instanceof JudgeRequestError && e.fatal) {
          stopped = `stopped after ${rows.length} of ${fixtures.length}, at ${f.id}: the same failure would repeat for every other fixture`;
          break;
        }
      }
    }
  } finally {
    for (const o of built.values()) await (o as { close?: () => Promise<void> }).close?.();
  }
  const falsePositives = rows.filter((r) => r.fooled).length;
  return {
    judge: id ?? '-',
    total: fixtures.length,
    falsePositives,
    rate: falsePositives / fixtures.length,
    errors: fixtures.length - rows.filter((r) => r.error === undefined).length,
    ...(firstError ? { firstError } : {}),
    ...(stopped ? { stopped } : {}),
    rows,
  };
}

function asRedTeamError(e: unknown): RedTeamError {
  if (e instanceof PalestraError)
    return { code: e.code, message: e.message, ...(e.hint === undefined ? {} : { hint: e.hint }) };
  return { code: 'JUDGE_FAILED', message: e instanceof Error ? e.message : String(e) };
}
