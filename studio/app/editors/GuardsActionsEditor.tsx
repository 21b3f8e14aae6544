import * as Y from 'yjs';
import { docParts } from '../doc/schema.ts';
import { None, PanelSection } from '../panel/PanelSection.tsx';
import { useEditors } from './EditorsContext.tsx';
import { ExpressionEditor } from './ExpressionEditor.tsx';

/** Guards and actions: each guard's CEL condition and each action's assignments in collaborative editors. */
export function GuardsActionsEditor() {
  const { doc } = useEditors();
  const { guards, actions } = docParts(doc);
  const sorted = <T,>(m: Y.Map<T>) => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const guardList = sorted(guards);
  const actionList = sorted(actions);
  return (
    <PanelSection title="Guards and actions" count={guardList.length + actionList.length} open>
      <h3>Guards</h3>
      {guardList.length === 0 && <None>None.</None>}
      {guardList.map(([name, m]) => (
        <div key={name} className="editor-expr">
          <span className="editor-expr-label">
            <code>{name}</code>
          </span>
          {m instanceof Y.Map && typeof m.get('module') === 'string' ? (
            <p>
              function <code>{m.get('module') as string}</code>
            </p>
          ) : (
            <ExpressionEditor
              text={m instanceof Y.Map ? m.get('expr') : undefined}
              language="guard"
              label={`guard ${name}`}
              fieldKey={`guard:${name}`}
            />
          )}
        </div>
      ))}
      <h3>Actions</h3>
      {actionList.length === 0 && <None>None.</None>}
      {actionList.map(([name, m]) => {
        const assign = m instanceof Y.Map ? m.get('assign') : undefined;
        const module = m instanceof Y.Map ? m.get('module') : undefined;
        return (
          <div key={name} className="editor-action">
            <h4>
              <code>{name}</code>
            </h4>
            {typeof module === 'string' && (
              <p>
                function <code>{module}</code>
              </p>
            )}
            {assign instanceof Y.Map &&
              [...(assign as Y.Map<unknown>).entries()].map(([key, text]) => (
                <div key={key} className="editor-expr">
                  <span className="editor-expr-label">
                    <code>{key}</code> ←
                  </span>
                  <ExpressionEditor
                    text={text}
                    language="assign"
                    label={`assignment of ${key} in action ${name}`}
                    fieldKey={`action:${name}:${key}`}
                  />
                </div>
              ))}
          </div>
        );
      })}
    </PanelSection>
  );
}
