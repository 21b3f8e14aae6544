import { type Episode, envSource, type GymSpec } from '@palestra/envs/core';
import { useEffect, useState } from 'react';
import { openReplayEnv } from '../sim/openSimulatorEnv.ts';
import type { RecordProblem } from './readRecord.ts';
import { type Verdict, verifyRecord } from './verifyRecord.ts';

const short = (v: unknown) => {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 80 ? `${s.slice(0, 77)}…` : s;
};

/**
 * Whether the record holds: "corrupt at line N" when it does not parse, else the core re-plays it
 * in the browser (in a Web Worker for an environment with code modules) and the badge says
 * "verified" when it reaches the record's root, or the first step and field where it did not.
 */
export function VerifiedBadge({
  episode,
  problem,
  spec,
  files,
}: {
  episode: Episode | undefined;
  problem: RecordProblem | undefined;
  /** The environment to re-play in; undefined when it could not be found (then nothing is re-played). */
  spec: GymSpec | undefined;
  files: Record<string, string>;
}) {
  const [verdict, setVerdict] = useState<Verdict | undefined>();
  useEffect(() => {
    setVerdict(undefined);
    if (!episode || !spec) return;
    let live = true;
    let close: (() => void) | undefined;
    (async () => {
      const source = envSource(spec, files);
      const env = await openReplayEnv(source);
      close = () => env.close();
      if (!live) return close();
      const v = await verifyRecord(source, episode, env);
      if (live) setVerdict(v);
    })().catch((e: unknown) => {
      if (live)
        setVerdict({
          status: 'error',
          code: (e as { code?: string }).code ?? 'REPLAY_FAILED',
          message: e instanceof Error ? e.message : String(e),
        });
    });
    return () => {
      live = false;
      close?.();
    };
  }, [episode, spec, files]);

  let cls = 'pending';
  let text: string;
  let detail: string | undefined;
  if (problem) {
    cls = 'bad';
    text = problem.line ? `corrupt at line ${problem.line}` : `unreadable (${problem.code})`;
    detail = `${problem.code}: ${problem.message}${problem.hint ? ` → ${problem.hint}` : ''}`;
  } else if (!spec) {
    text = 'not verified: the environment that recorded it is not here';
  } else if (!verdict) {
    text = 'verifying…';
  } else if (verdict.status === 'verified') {
    cls = 'ok';
    text = 'verified';
    detail = `the core re-played ${verdict.steps} steps in this browser to root ${verdict.root.slice(0, 12)}…`;
  } else if (verdict.status === 'diverged') {
    cls = 'bad';
    text = `diverged at step ${verdict.step}, field "${verdict.field}"`;
    detail = `expected ${short(verdict.expected)}, got ${short(verdict.actual)}`;
  } else if (verdict.status === 'root') {
    cls = 'bad';
    text = 'a different root';
    detail = `the record says ${verdict.expected.slice(0, 12)}…, the replay reached ${verdict.actual.slice(0, 12)}…`;
  } else {
    cls = 'bad';
    text = `not verified (${verdict.code})`;
    detail = `${verdict.message}${verdict.hint ? ` → ${verdict.hint}` : ''}`;
  }
  return (
    <div className="replay-verdict" role="status" aria-live="polite">
      <span className={`replay-badge replay-badge-${cls}`} data-verdict={cls}>
        {cls === 'ok' ? '✔ ' : cls === 'bad' ? '✖ ' : ''}
        {text}
      </span>
      {detail && <span className="muted replay-verdict-detail">{detail}</span>}
    </div>
  );
}
