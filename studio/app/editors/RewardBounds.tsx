import { localOrigin } from '../collab/useCollabDoc.ts';
import { setRewardBounds } from '../doc/fieldEdits.ts';
import { docParts } from '../doc/schema.ts';
import { useEditors } from './EditorsContext.tsx';
import { NumberField } from './fields.tsx';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The declared bounds of an episode's return as a small form (minimum and maximum, written as a
 * pair), with a notice when the rules can pay outside them.
 *
 * @example
 * <RewardBounds /> // inside the "Reward rules" section, after the rules
 */
export function RewardBounds() {
  const { doc, readOnly, rulesRange } = useEditors();
  const { header } = docParts(doc);
  const bounds = isObject(header.get('rewardBounds')) ? (header.get('rewardBounds') as Json) : undefined;
  const min = typeof bounds?.min === 'number' ? bounds.min : undefined;
  const max = typeof bounds?.max === 'number' ? bounds.max : undefined;
  const writeBounds = (next: { min?: number; max?: number }) => {
    const lo = 'min' in next ? next.min : min;
    const hi = 'max' in next ? next.max : max;
    // Both or neither: GymSpec's bounds are a pair.
    setRewardBounds(
      doc,
      lo === undefined && hi === undefined ? undefined : { min: lo ?? 0, max: hi ?? 0 },
      localOrigin,
    );
  };
  return (
    <>
      <h3>Return bounds</h3>
      <p className="muted">The lowest and highest return an episode can have; empty: none declared.</p>
      <BoundsNotice min={min} max={max} range={rulesRange()} onWiden={writeBounds} readOnly={readOnly} />
      <div className="editor-grid">
        <div className="editor-field">
          Minimum
          <NumberField
            label="Minimum return"
            value={min}
            onChange={(v) => writeBounds({ min: v })}
            disabled={readOnly}
          />
        </div>
        <div className="editor-field">
          Maximum
          <NumberField
            label="Maximum return"
            value={max}
            onChange={(v) => writeBounds({ max: v })}
            disabled={readOnly}
          />
        </div>
      </div>
    </>
  );
}

/**
 * Says when the rules can pay outside the declared bounds (every step that leaves them would fail
 * with `REWARD_OUT_OF_BOUNDS`), and offers to widen the bounds to cover them: the bounds are the
 * author's declaration, so they are widened on request, never silently.
 */
function BoundsNotice({
  min,
  max,
  range,
  onWiden,
  readOnly,
}: {
  min: number | undefined;
  max: number | undefined;
  range: { min: number; max: number } | undefined;
  onWiden: (bounds: { min: number; max: number }) => void;
  readOnly: boolean;
}) {
  if (min === undefined || max === undefined || !range) return null;
  if (range.min >= min && range.max <= max) return null;
  const wider = { min: Math.min(min, range.min), max: Math.max(max, range.max) };
  return (
    <div className="editor-warning" role="status">
      <p>
        The rules can pay from {range.min} to {range.max} in an episode, outside the declared bounds [{min},{' '}
        {max}]: a step that leaves them fails.
      </p>
      <button type="button" disabled={readOnly} onClick={() => onWiden(wider)}>
        Widen the bounds to [{wider.min}, {wider.max}]
      </button>
    </div>
  );
}
