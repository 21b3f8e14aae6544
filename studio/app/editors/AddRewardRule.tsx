import { type FormEvent, useId, useState } from 'react';
import { addRewardRule, REWARD_KINDS, type RewardKind } from '../doc/logicEdits.ts';
import { docParts } from '../doc/schema.ts';
import { useEditors } from './EditorsContext.tsx';
import { NumberField } from './fields.tsx';
import { ownStep } from './panelOrigin.ts';
import { REWARD_KIND_WORDS } from './rewardKindWords.ts';
import { ruleFromDraft } from './rewardRuleDraft.ts';

/**
 * The form that adds a reward rule: its kind, then what that kind needs (the state from the list,
 * an amount, a CEL expression, a module function), and an optional name. What is missing is said
 * beside the form and nothing is added; a rule added goes last among the rules.
 *
 * @example
 * <AddRewardRule /> // inside the "Reward rules" section
 */
export function AddRewardRule() {
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
  const states = [...paths().values()].sort();
  const files = [...docParts(doc).files.keys()].filter((f) => f.endsWith('.js')).sort();
  const chosen = states.includes(state) ? state : (states[0] ?? '');

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const r = ruleFromDraft({ kind, state: chosen, value, perStep, expr, module, name });
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
                {REWARD_KIND_WORDS[k]}
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
