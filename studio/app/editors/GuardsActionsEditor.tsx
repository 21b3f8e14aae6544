import { type FormEvent, useId, useState } from 'react';
import * as Y from 'yjs';
import {
  actionUsage,
  addAction,
  addGuard,
  deleteAction,
  deleteAssignment,
  deleteGuard,
  guardUsage,
  IDENTIFIER,
  identifierProblem,
  setAssignment,
} from '../doc/logicEdits.ts';
import { docParts, type FieldMap } from '../doc/schema.ts';
import { None, PanelSection } from '../panel/PanelSection.tsx';
import { AddByName } from './AddByName.tsx';
import { ConfirmDelete } from './ConfirmDelete.tsx';
import { useEditors } from './EditorsContext.tsx';
import { ExpressionEditor } from './ExpressionEditor.tsx';
import { ownStep } from './panelOrigin.ts';
import { listWords, transitionWords } from './transitionWords.ts';

/** The expression a new guard starts with: it parses, and lets every transition it guards through. */
const NEW_GUARD_EXPR = 'true';

const sorted = <T,>(m: Y.Map<T>) => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/**
 * Guards and actions: each guard's CEL condition and each action's assignments in collaborative
 * editors; add a guard or an action by name, add and remove an action's assignments, and delete a
 * guard or an action after a confirmation that names the transitions (and entries, exits) that use
 * it. Deleting takes it off them in the same transaction, so the machine stays valid (a transition
 * whose guard is deleted then fires whenever its event comes) and one undo brings both back.
 */
export function GuardsActionsEditor() {
  const { doc, readOnly } = useEditors();
  const { guards, actions } = docParts(doc);
  const guardList = sorted(guards);
  const actionList = sorted(actions);
  return (
    <PanelSection title="Guards and actions" count={guardList.length + actionList.length} open>
      <h3>Guards</h3>
      {guardList.length === 0 && (
        <None>None: a transition without a guard fires whenever its event comes.</None>
      )}
      {guardList.map(([name, m]) => (
        <GuardItem key={name} name={name} guard={m} />
      ))}
      <AddByName
        action="Add guard"
        label="New guard"
        placeholder="hasOrderId"
        problem={(n) => identifierProblem(n, guards.keys(), 'guard')}
        onAdd={(n) => addGuard(doc, n, NEW_GUARD_EXPR, ownStep(doc))}
        disabled={readOnly}
      />
      <h3>Actions</h3>
      {actionList.length === 0 && <None>None: no transition changes the context.</None>}
      {actionList.map(([name, m]) => (
        <ActionItem key={name} name={name} action={m} />
      ))}
      <AddByName
        action="Add action"
        label="New action"
        placeholder="recordRefund"
        problem={(n) => identifierProblem(n, actions.keys(), 'action')}
        onAdd={(n) => addAction(doc, n, ownStep(doc))}
        disabled={readOnly}
      />
    </PanelSection>
  );
}

function GuardItem({ name, guard }: { name: string; guard: FieldMap }) {
  const { doc, readOnly, paths } = useEditors();
  const [asking, setAsking] = useState(false);
  const used = asking ? guardUsage(doc, name) : [];
  const words = used.map((id) => transitionWords(doc, id, paths()));
  return (
    <div className="editor-expr editor-named" data-guard={name}>
      <div className="editor-named-head">
        <span className="editor-expr-label">
          <code>{name}</code>
        </span>
        <button
          type="button"
          className="editor-delete"
          aria-label={`Delete guard ${name}`}
          onClick={() => setAsking(true)}
          disabled={readOnly}
        >
          ✕
        </button>
      </div>
      {guard instanceof Y.Map && typeof guard.get('module') === 'string' ? (
        <p>
          function <code>{guard.get('module') as string}</code>
        </p>
      ) : (
        <ExpressionEditor
          text={guard instanceof Y.Map ? guard.get('expr') : undefined}
          language="guard"
          label={`guard ${name}`}
          fieldKey={`guard:${name}`}
        />
      )}
      {asking && (
        <ConfirmDelete
          question={`Delete guard ${name}?`}
          consequence={
            used.length === 0
              ? 'No transition uses it.'
              : `It is taken off ${used.length === 1 ? 'the transition' : `${used.length} transitions`} ${listWords(words)}, which then ${used.length === 1 ? 'fires' : 'fire'} whenever ${used.length === 1 ? 'its' : 'their'} event comes.`
          }
          onConfirm={() => {
            deleteGuard(doc, name, ownStep(doc));
            setAsking(false);
          }}
          onCancel={() => setAsking(false)}
        />
      )}
    </div>
  );
}

function ActionItem({ name, action }: { name: string; action: FieldMap }) {
  const { doc, readOnly, paths } = useEditors();
  const [asking, setAsking] = useState(false);
  const assign = action instanceof Y.Map ? action.get('assign') : undefined;
  const module = action instanceof Y.Map ? action.get('module') : undefined;
  const usage = asking ? actionUsage(doc, name) : { transitions: [], states: [] };
  const runners = [
    ...usage.transitions.map((id) => transitionWords(doc, id, paths())),
    ...usage.states.map((id) =>
      id === null ? 'the machine (entry or exit)' : `state ${paths().get(id) ?? id} (entry or exit)`,
    ),
  ];
  return (
    <div className="editor-action editor-named" data-action={name}>
      <div className="editor-named-head">
        <h4>
          <code>{name}</code>
        </h4>
        <button
          type="button"
          className="editor-delete"
          aria-label={`Delete action ${name}`}
          onClick={() => setAsking(true)}
          disabled={readOnly}
        >
          ✕
        </button>
      </div>
      {typeof module === 'string' && (
        <p>
          function <code>{module}</code>
        </p>
      )}
      {assign instanceof Y.Map && (
        <>
          {assign.size === 0 && <None>Assigns nothing yet.</None>}
          {[...(assign as Y.Map<unknown>).entries()].map(([key, text]) => (
            <div key={key} className="editor-expr">
              <div className="editor-named-head">
                <span className="editor-expr-label">
                  <code>{key}</code> ←
                </span>
                <button
                  type="button"
                  className="editor-delete"
                  aria-label={`Remove the assignment of ${key} in action ${name}`}
                  onClick={() => deleteAssignment(doc, name, key, ownStep(doc))}
                  disabled={readOnly}
                >
                  ✕
                </button>
              </div>
              <ExpressionEditor
                text={text}
                language="assign"
                label={`assignment of ${key} in action ${name}`}
                fieldKey={`action:${name}:${key}`}
              />
            </div>
          ))}
          <AddAssignment action={name} taken={[...(assign as Y.Map<unknown>).keys()]} />
        </>
      )}
      {asking && (
        <ConfirmDelete
          question={`Delete action ${name}?`}
          consequence={
            runners.length === 0
              ? 'Nothing runs it.'
              : `It is taken off ${listWords(runners)}; the rest of what they do stays.`
          }
          onConfirm={() => {
            deleteAction(doc, name, ownStep(doc));
            setAsking(false);
          }}
          onCancel={() => setAsking(false)}
        />
      )}
    </div>
  );
}

/**
 * A new assignment of an action: the context field (the context's fields are offered; a new name
 * makes a new field) and its CEL expression, edited afterwards in the collaborative editor.
 */
function AddAssignment({ action, taken }: { action: string; taken: string[] }) {
  const { doc, readOnly, vocabulary } = useEditors();
  const id = useId();
  const [field, setField] = useState('');
  const [expr, setExpr] = useState('');
  const [refused, setRefused] = useState<string>();
  const fields = [...vocabulary().context.keys()].filter((k) => IDENTIFIER.test(k)).sort();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const f = field.trim();
    const why =
      identifierProblem(f, taken, 'context field') ??
      (expr.trim() === '' ? 'write the expression whose value the field takes' : undefined);
    setRefused(why);
    if (why) return;
    setAssignment(doc, action, f, expr.trim(), ownStep(doc));
    setField('');
    setExpr('');
  };
  return (
    <form className="editor-add-form" aria-label={`Add an assignment to action ${action}`} onSubmit={submit}>
      <label htmlFor={`${id}-field`}>Assign</label>
      <input
        id={`${id}-field`}
        list={`${id}-fields`}
        value={field}
        size={10}
        spellCheck={false}
        placeholder="context field"
        aria-label={`Context field assigned in action ${action}`}
        disabled={readOnly}
        aria-invalid={refused !== undefined}
        {...(refused && { 'aria-describedby': `${id}-problem` })}
        onChange={(e) => {
          setField(e.target.value);
          setRefused(undefined);
        }}
      />
      <datalist id={`${id}-fields`}>
        {fields
          .filter((f) => !taken.includes(f))
          .map((f) => (
            <option key={f} value={f} />
          ))}
      </datalist>
      <label htmlFor={`${id}-expr`}>←</label>
      <input
        id={`${id}-expr`}
        value={expr}
        size={14}
        spellCheck={false}
        placeholder="CEL expression"
        aria-label={`Expression assigned in action ${action}`}
        disabled={readOnly}
        className="editor-code-input"
        onChange={(e) => {
          setExpr(e.target.value);
          setRefused(undefined);
        }}
      />
      <button type="submit" disabled={readOnly}>
        Add assignment
      </button>
      {refused && (
        <span role="alert" id={`${id}-problem`} className="error-text">
          {refused}
        </span>
      )}
    </form>
  );
}
