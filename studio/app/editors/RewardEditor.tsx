import * as Y from 'yjs';
import { localOrigin } from '../collab/useCollabDoc.ts';
import { setRewardBounds } from '../doc/fieldEdits.ts';
import { docParts } from '../doc/schema.ts';
import { ordered } from '../doc/toSpec.ts';
import { None, PanelSection } from '../panel/PanelSection.tsx';
import { useEditors } from './EditorsContext.tsx';
import { ExpressionEditor } from './ExpressionEditor.tsx';
import { NumberField } from './fields.tsx';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The reward rules, their `when` and `expr` as collaborative CEL editors and their values as
 * numbers, and the declared bounds of an episode's return as a small form.
 */
export function RewardEditor() {
  const { doc, readOnly } = useEditors();
  const { rewardRules, header } = docParts(doc);
  const rules = ordered(rewardRules);
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
    <PanelSection title="Reward rules" count={rules.length}>
      {rules.length === 0 && <None>None: no rule pays anything, so every step's reward is 0.</None>}
      {rules.map(([id, m], i) => {
        const name = typeof m.get('name') === 'string' ? (m.get('name') as string) : `rule ${i + 1}`;
        const value = m.get('value');
        return (
          <div key={id} className="editor-rule">
            <h3>{name}</h3>
            {typeof m.get('onEnter') === 'string' && (
              <p>
                On entering <code>{m.get('onEnter') as string}</code>
              </p>
            )}
            {typeof m.get('perStep') === 'number' && <p>Every step: {m.get('perStep') as number}</p>}
            {typeof m.get('module') === 'string' && (
              <p>
                By the module function <code>{m.get('module') as string}</code>
              </p>
            )}
            {m.get('when') instanceof Y.Text && (
              <div className="editor-expr">
                <span className="editor-expr-label">When (CEL)</span>
                <ExpressionEditor
                  text={m.get('when')}
                  language="reward"
                  label={`when of reward ${name}`}
                  fieldKey={`reward:${id}:when`}
                />
              </div>
            )}
            {m.get('expr') instanceof Y.Text && (
              <div className="editor-expr">
                <span className="editor-expr-label">Amount (CEL)</span>
                <ExpressionEditor
                  text={m.get('expr')}
                  language="reward"
                  label={`amount of reward ${name}`}
                  fieldKey={`reward:${id}:expr`}
                />
              </div>
            )}
            {typeof value === 'number' && (
              <div className="editor-field editor-inline">
                Value
                <NumberField
                  label={`Value of reward ${name}`}
                  value={value}
                  onChange={(v) => doc.transact(() => v !== undefined && m.set('value', v), localOrigin)}
                  disabled={readOnly}
                />
              </div>
            )}
          </div>
        );
      })}
      <h3>Return bounds</h3>
      <p className="muted">The lowest and highest return an episode can have; empty: none declared.</p>
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
    </PanelSection>
  );
}
