import { useState } from 'react';
import { addFile, deleteFile, fileNameProblem, fileUsage } from '../doc/logicEdits.ts';
import { docParts } from '../doc/schema.ts';
import { None, PanelSection } from '../panel/PanelSection.tsx';
import { AddByName } from './AddByName.tsx';
import { ConfirmDelete } from './ConfirmDelete.tsx';
import { useEditors } from './EditorsContext.tsx';
import { ExpressionEditor } from './ExpressionEditor.tsx';
import { ownStep } from './panelOrigin.ts';
import { listWords } from './transitionWords.ts';

/**
 * The code modules, each in the collaborative editor with JavaScript (JSON for `.json` files); add
 * a `.js` file by name (it starts with a comment on how its functions are named), and delete one
 * that nothing names. A file whose functions a guard, an action, a reward rule, the observation or
 * the task generator names is not deleted: the confirmation says which, to change first, since
 * taking the reference off would leave them neither an expression nor code.
 */
export function CodeModulesEditor() {
  const { doc, readOnly } = useEditors();
  const { files } = docParts(doc);
  const list = [...files.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return (
    <PanelSection title="Code modules" count={list.length}>
      {list.length === 0 && <None>None: this environment is expressions only (no JavaScript modules).</None>}
      {list.map(([name, text]) => (
        <div key={name} className="panel-file" data-file={name}>
          <FileHead name={name} />
          <ExpressionEditor
            text={text}
            language={name.endsWith('.json') ? 'json' : 'javascript'}
            label={`module ${name}`}
            fieldKey={`file:${name}`}
          />
        </div>
      ))}
      <AddByName
        action="Add file"
        label="New file"
        placeholder="policy.js"
        problem={(n) => fileNameProblem(n, files.keys())}
        onAdd={(n) => addFile(doc, n, ownStep(doc))}
        disabled={readOnly}
      />
    </PanelSection>
  );
}

function FileHead({ name }: { name: string }) {
  const { doc, readOnly } = useEditors();
  const [asking, setAsking] = useState(false);
  const used = asking ? fileUsage(doc, name) : [];
  return (
    <>
      <div className="editor-named-head">
        <h3>
          <code>{name}</code>
        </h3>
        <button
          type="button"
          className="editor-delete"
          aria-label={`Delete file ${name}`}
          onClick={() => setAsking(true)}
          disabled={readOnly}
        >
          ✕
        </button>
      </div>
      {asking &&
        (used.length > 0 ? (
          <div className="editor-confirm" role="alert">
            <p>
              {name} is not deleted: {listWords(used)} {used.length === 1 ? 'names' : 'name'} its functions.
              Change {used.length === 1 ? 'it' : 'them'} first.
            </p>
            <button type="button" onClick={() => setAsking(false)}>
              OK
            </button>
          </div>
        ) : (
          <ConfirmDelete
            question={`Delete file ${name}?`}
            consequence="Nothing names its functions. Its code goes with it (Undo brings it back)."
            onConfirm={() => {
              deleteFile(doc, name, ownStep(doc));
              setAsking(false);
            }}
            onCancel={() => setAsking(false)}
          />
        ))}
    </>
  );
}
