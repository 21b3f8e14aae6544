import type { GymSpec } from '@palestra/envs/core';
import { None, PanelSection } from './PanelSection.tsx';

type Limits = GymSpec['limits'];

/** Each limit's label, unit and the value GymSpec gives it when the spec says nothing. */
const LIMITS: { key: keyof Limits; label: string; unit?: string; fallback: number }[] = [
  { key: 'maxSteps', label: 'Steps per episode', fallback: 50 },
  { key: 'stepDeadlineMs', label: 'Deadline per step', unit: 'ms', fallback: 200 },
  { key: 'memoryMb', label: 'Sandbox memory', unit: 'MB', fallback: 32 },
  { key: 'invalidActionPenalty', label: 'Invalid action penalty', fallback: 0 },
  { key: 'maxObservationBytes', label: 'Observation size', unit: 'bytes', fallback: 262_144 },
];

/** The episode's limits (each marked when it is GymSpec's default) and the states that truncate it. */
export function LimitsSection({ spec }: { spec: Pick<GymSpec, 'limits' | 'truncateOn'> }) {
  const limits: Partial<Limits> = spec.limits ?? {};
  return (
    <PanelSection title="Limits">
      <dl className="panel-facts">
        {LIMITS.map(({ key, label, unit, fallback }) => {
          const value = limits[key];
          return (
            <div key={key}>
              <dt>{label}</dt>
              <dd>
                {value === undefined ? (
                  'none set'
                ) : (
                  <>
                    {value.toLocaleString('en')}
                    {unit && ` ${unit}`}
                    {value === fallback && <span className="muted"> (default)</span>}
                  </>
                )}
              </dd>
            </div>
          );
        })}
      </dl>
      <h3>Truncating states</h3>
      {spec.truncateOn && spec.truncateOn.length > 0 ? (
        <p>
          The episode is cut off (truncated) in{' '}
          {spec.truncateOn.map((s, i) => (
            <span key={s}>
              {i > 0 && ', '}
              <code>{s}</code>
            </span>
          ))}
          , as at the step limit.
        </p>
      ) : (
        <None>None: only the step limit truncates an episode.</None>
      )}
    </PanelSection>
  );
}
