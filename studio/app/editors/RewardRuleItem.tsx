import * as Y from 'yjs';
import { localOrigin } from '../collab/useCollabDoc.ts';
import { deleteRewardRule, rewardKind, setRewardField } from '../doc/logicEdits.ts';
import type { FieldMap } from '../doc/schema.ts';
import { useEditors } from './EditorsContext.tsx';
import { ExpressionEditor } from './ExpressionEditor.tsx';
import { NumberField, TextField } from './fields.tsx';
import { ownStep } from './panelOrigin.ts';
import { REWARD_KIND_WORDS } from './rewardKindWords.ts';

/** Props of `RewardRuleItem`. */
export interface RewardRuleItemProps {
  /** The rule's document id. */
  id: string;
  rule: FieldMap;
  /** Its place in the list (a rule without a name is called `rule <index + 1>`). */
  index: number;
}

/**
 * One reward rule, edited in place: its name, and the fields of its kind (the state from the
 * list, amounts as numbers, `when` and `expr` in collaborative CEL editors); a button deletes it.
 *
 * @example
 * <RewardRuleItem id={id} rule={m} index={0} />
 */
export function RewardRuleItem({ id, rule: m, index }: RewardRuleItemProps) {
  const { doc, readOnly, paths } = useEditors();
  const name = typeof m.get('name') === 'string' ? (m.get('name') as string) : `rule ${index + 1}`;
  const value = m.get('value');
  const onEnter = m.get('onEnter');
  const states = [...paths().values()].sort();
  const kind = rewardKind(m);
  return (
    <div className="editor-rule" data-rule={id}>
      <div className="editor-named-head">
        <h3>{name}</h3>
        <button
          type="button"
          className="editor-delete"
          aria-label={`Delete reward ${name}`}
          onClick={() => deleteRewardRule(doc, id, ownStep(doc))}
          disabled={readOnly}
        >
          ✕
        </button>
      </div>
      {kind && <p className="muted">{REWARD_KIND_WORDS[kind]}</p>}
      <div className="editor-field editor-inline">
        Name
        <TextField
          label={`Name of reward ${name}`}
          value={typeof m.get('name') === 'string' ? (m.get('name') as string) : ''}
          onChange={(v) => setRewardField(doc, id, 'name', v, localOrigin)}
          disabled={readOnly}
        />
      </div>
      {typeof onEnter === 'string' && (
        <div className="editor-field editor-inline">
          On entering
          <select
            aria-label={`State of reward ${name}`}
            value={onEnter}
            disabled={readOnly}
            onChange={(e) => setRewardField(doc, id, 'onEnter', e.target.value, localOrigin)}
          >
            {!states.includes(onEnter) && <option value={onEnter}>{onEnter} (not a state path)</option>}
            {states.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
          <label className="editor-check">
            <input
              type="checkbox"
              checked={m.get('transient') === true}
              disabled={readOnly}
              onChange={(e) => setRewardField(doc, id, 'transient', e.target.checked, localOrigin)}
            />
            also when passed through
          </label>
        </div>
      )}
      {typeof m.get('perStep') === 'number' && (
        <div className="editor-field editor-inline">
          Every step
          <NumberField
            label={`Amount of reward ${name} every step`}
            value={m.get('perStep') as number}
            onChange={(v) => v !== undefined && setRewardField(doc, id, 'perStep', v, localOrigin)}
            disabled={readOnly}
          />
        </div>
      )}
      {typeof m.get('module') === 'string' && (
        <p>
          By the module function <code>{m.get('module') as string}</code>
        </p>
      )}
      {(
        [
          ['when', 'When', 'when'],
          ['expr', 'Amount', 'amount'],
        ] as const
      ).map(
        ([field, title, word]) =>
          m.get(field) instanceof Y.Text && (
            <div key={field} className="editor-expr">
              <span className="editor-expr-label">{title} (CEL)</span>
              <ExpressionEditor
                text={m.get(field)}
                language="reward"
                label={`${word} of reward ${name}`}
                fieldKey={`reward:${id}:${field}`}
              />
            </div>
          ),
      )}
      {typeof value === 'number' && (
        <div className="editor-field editor-inline">
          Value
          <NumberField
            label={`Value of reward ${name}`}
            value={value}
            onChange={(v) => v !== undefined && setRewardField(doc, id, 'value', v, localOrigin)}
            disabled={readOnly}
          />
        </div>
      )}
    </div>
  );
}
