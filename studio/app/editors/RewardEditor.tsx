import { type FormEvent, useId, useState } from 'react';
import * as Y from 'yjs';
import { localOrigin } from '../collab/useCollabDoc.ts';
import { setRewardBounds } from '../doc/fieldEdits.ts';
import {
  addRewardRule,
  deleteRewardRule,
  type NewRewardRule,
  REWARD_KINDS,
  type RewardKind,
  rewardKind,
  setRewardField,
} from '../doc/logicEdits.ts';
import { docParts, type FieldMap } from '../doc/schema.ts';
import { ordered } from '../doc/toSpec.ts';
import { None, PanelSection } from '../panel/PanelSection.tsx';
import { useEditors } from './EditorsContext.tsx';
import { ExpressionEditor } from './ExpressionEditor.tsx';
import { NumberField, TextField } from './fields.tsx';
import { ownStep } from './panelOrigin.ts';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
/** GymSpec's module reference (`file.js#exportName`), as envs' schema checks it. */
const MODULE_REF = /^[A-Za-z0-9_./-]+\.js#[A-Za-z_$][A-Za-z0-9_$]*$/;

/** Each kind of rule in words, as the form offers it. */
const KIND_WORDS: Record<RewardKind, string> = {
  onEnter: 'On entering a state',
  perStep: 'Every step',
  when: 'When a condition holds',
  expr: 'An amount computed in CEL',
  module: 'A module function',
};

/** The states offered for `onEnter`, by dotted path. */
function statePaths(paths: ReadonlyMap<string, string>): string[] {
  return [...paths.values()].sort();
}

/**
 * The reward rules: add one of every kind GymSpec has (on entering a state chosen from the list,
 * every step, when a CEL condition holds, an amount computed in CEL, a module function), delete
 * one, edit each one's fields (`when` and `expr` in collaborative CEL editors, the state from the
 * list, values as numbers); and the declared bounds of an episode's return as a small form. New
 * rules go last (`order`, as in schema.ts).
 */
export function RewardEditor() {
  const { doc, readOnly, rulesRange } = useEditors();
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
      {rules.map(([id, m], i) => (
        <RuleItem key={id} id={id} rule={m} index={i} />
      ))}
      <AddRewardRule />
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
    </PanelSection>
  );
}

function RuleItem({ id, rule: m, index }: { id: string; rule: FieldMap; index: number }) {
  const { doc, readOnly, paths } = useEditors();
  const name = typeof m.get('name') === 'string' ? (m.get('name') as string) : `rule ${index + 1}`;
  const value = m.get('value');
  const onEnter = m.get('onEnter');
  const states = statePaths(paths());
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
      {kind && <p className="muted">{KIND_WORDS[kind]}</p>}
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

/** The form that adds a rule: its kind, then what that kind needs, and an optional name. */
function AddRewardRule() {
  const { doc, readOnly, paths } = useEditors();
  const fieldId = useId();
  const [kind, setKind] = useState<RewardKind>('onEnter');
  const [state, setState] = useState('');
  const [value, setValue] = useState<number | undefined>(1);
  const [perStep, setPerStep] = useState<number | undefined>(-0.01);
  const [expr, setExpr] = useState('');
  const [module, setModule] = useState('');
  const [name, setName] = useState('');
  const [refused, setRefused] = useState<string>();
  const states = statePaths(paths());
  const files = [...docParts(doc).files.keys()].filter((f) => f.endsWith('.js')).sort();
  const chosen = states.includes(state) ? state : (states[0] ?? '');

  const rule = (): NewRewardRule | string => {
    const named = name.trim() === '' ? {} : { name: name.trim() };
    switch (kind) {
      case 'onEnter':
        if (chosen === '') return 'add a state first: the rule pays on entering one';
        if (value === undefined) return 'give the value it pays';
        return { kind, state: chosen, value, ...named };
      case 'perStep':
        if (perStep === undefined) return 'give the amount it pays every step';
        return { kind, value: perStep, ...named };
      case 'when':
        if (expr.trim() === '') return 'write the condition (CEL) under which it pays';
        if (value === undefined) return 'give the value it pays';
        return { kind, when: expr.trim(), value, ...named };
      case 'expr':
        if (expr.trim() === '') return 'write the CEL expression whose value it pays';
        return { kind, expr: expr.trim(), ...named };
      case 'module':
        if (!MODULE_REF.test(module.trim())) return 'name the function as file.js#function';
        return { kind, module: module.trim(), ...named };
    }
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const r = rule();
    if (typeof r === 'string') {
      setRefused(r);
      return;
    }
    setRefused(undefined);
    addRewardRule(doc, r, ownStep(doc));
    setExpr('');
    setName('');
  };
  const problemProps = refused
    ? { 'aria-invalid': true, 'aria-describedby': `${fieldId}-problem` }
    : { 'aria-invalid': false };
  return (
    <form className="editor-add-rule" aria-label="Add a reward rule" onSubmit={submit}>
      <h3>New rule</h3>
      <div className="editor-grid">
        <label className="editor-field">
          Pays
          <select
            aria-label="What the rule pays for"
            value={kind}
            disabled={readOnly}
            onChange={(e) => {
              setKind(e.target.value as RewardKind);
              setRefused(undefined);
            }}
          >
            {REWARD_KINDS.map((k) => (
              <option key={k} value={k}>
                {KIND_WORDS[k]}
              </option>
            ))}
          </select>
        </label>
        {kind === 'onEnter' && (
          <label className="editor-field">
            State
            <select
              aria-label="State whose entering pays"
              value={chosen}
              disabled={readOnly}
              onChange={(e) => setState(e.target.value)}
            >
              {states.map((p) => (
                <option key={p} value={p}>
                  {p}
                </option>
              ))}
            </select>
          </label>
        )}
        {kind === 'perStep' && (
          <div className="editor-field">
            Amount
            <NumberField
              label="Amount paid every step"
              value={perStep}
              onChange={setPerStep}
              disabled={readOnly}
            />
          </div>
        )}
        {(kind === 'when' || kind === 'expr') && (
          <label className="editor-field editor-wide">
            {kind === 'when' ? 'Condition (CEL)' : 'Amount (CEL)'}
            <input
              aria-label={kind === 'when' ? 'Condition (CEL) under which it pays' : 'Amount it pays (CEL)'}
              value={expr}
              spellCheck={false}
              className="editor-code-input"
              disabled={readOnly}
              placeholder={kind === 'when' ? 'context.refunded' : 'context.score * 0.1'}
              {...problemProps}
              onChange={(e) => {
                setExpr(e.target.value);
                setRefused(undefined);
              }}
            />
          </label>
        )}
        {kind === 'module' && (
          <label className="editor-field">
            Function
            <input
              aria-label="Module function that gives the amount"
              value={module}
              list={`${fieldId}-files`}
              spellCheck={false}
              disabled={readOnly}
              placeholder="policy.js#reward"
              {...problemProps}
              onChange={(e) => {
                setModule(e.target.value);
                setRefused(undefined);
              }}
            />
            <datalist id={`${fieldId}-files`}>
              {files.map((f) => (
                <option key={f} value={`${f}#`} />
              ))}
            </datalist>
          </label>
        )}
        {(kind === 'onEnter' || kind === 'when') && (
          <div className="editor-field">
            Value
            <NumberField label="Value it pays" value={value} onChange={setValue} disabled={readOnly} />
          </div>
        )}
        <label className="editor-field">
          Name (optional)
          <input
            aria-label="Name of the new rule (optional)"
            value={name}
            disabled={readOnly}
            onChange={(e) => setName(e.target.value)}
          />
        </label>
      </div>
      <button type="submit" disabled={readOnly}>
        Add reward rule
      </button>
      {refused && (
        <span role="alert" id={`${fieldId}-problem`} className="error-text">
          {refused}
        </span>
      )}
    </form>
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
