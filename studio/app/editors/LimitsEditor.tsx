import { localOrigin } from '../collab/useCollabDoc.ts';
import { type LimitKey, setLimit } from '../doc/fieldEdits.ts';
import { docParts } from '../doc/schema.ts';
import { None, PanelSection } from '../panel/PanelSection.tsx';
import { useEditors } from './EditorsContext.tsx';
import { NumberField } from './fields.tsx';

/** Each limit's label, unit, GymSpec's default and whether it is a whole number. */
const LIMITS: { key: LimitKey; label: string; unit?: string; fallback: number; integer: boolean }[] = [
  { key: 'maxSteps', label: 'Steps per episode', fallback: 50, integer: true },
  { key: 'stepDeadlineMs', label: 'Deadline per step', unit: 'ms', fallback: 200, integer: true },
  { key: 'memoryMb', label: 'Sandbox memory', unit: 'MB', fallback: 32, integer: true },
  { key: 'invalidActionPenalty', label: 'Invalid action penalty', fallback: 0, integer: false },
  { key: 'maxObservationBytes', label: 'Observation size', unit: 'bytes', fallback: 262_144, integer: true },
];

/**
 * The episode's limits as a small form (an empty field is GymSpec's default, shown as the hint),
 * and the states that truncate it.
 */
export function LimitsEditor() {
  const { doc, readOnly } = useEditors();
  const { limits, header } = docParts(doc);
  const listed = header.get('truncateOn');
  const truncateOn = Array.isArray(listed) ? listed.filter((s): s is string => typeof s === 'string') : [];
  return (
    <PanelSection title="Limits">
      <div className="editor-grid">
        {LIMITS.map(({ key, label, unit, fallback, integer }) => {
          const value = limits.get(key);
          return (
            <div key={key} className="editor-field">
              {label}
              {unit && ` (${unit})`}
              <NumberField
                label={`${label}${unit ? ` in ${unit}` : ''}`}
                value={typeof value === 'number' ? value : undefined}
                placeholder={`default ${fallback.toLocaleString('en')}`}
                integer={integer}
                onChange={(v) => setLimit(doc, key, v, localOrigin)}
                disabled={readOnly}
              />
            </div>
          );
        })}
      </div>
      <h3>Truncating states</h3>
      {truncateOn.length > 0 ? (
        <p>
          The episode is cut off (truncated) in{' '}
          {truncateOn.map((s, i) => (
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
