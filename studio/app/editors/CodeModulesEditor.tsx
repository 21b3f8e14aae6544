import { docParts } from '../doc/schema.ts';
import { None, PanelSection } from '../panel/PanelSection.tsx';
import { useEditors } from './EditorsContext.tsx';
import { ExpressionEditor } from './ExpressionEditor.tsx';

/** The code modules, each in the collaborative editor with JavaScript (JSON for `.json` files). */
export function CodeModulesEditor() {
  const { doc } = useEditors();
  const files = [...docParts(doc).files.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return (
    <PanelSection title="Code modules" count={files.length}>
      {files.length === 0 ? (
        <None>None: this environment is expressions only (no JavaScript modules).</None>
      ) : (
        files.map(([name, text]) => (
          <div key={name} className="panel-file">
            <h3>
              <code>{name}</code>
            </h3>
            <ExpressionEditor
              text={text}
              language={name.endsWith('.json') ? 'json' : 'javascript'}
              label={`module ${name}`}
              fieldKey={`file:${name}`}
            />
          </div>
        ))
      )}
    </PanelSection>
  );
}
