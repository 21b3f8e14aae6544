import * as Y from 'yjs';
import { docParts } from '../doc/schema.ts';
import { None, PanelSection } from '../panel/PanelSection.tsx';
import { useEditors } from './EditorsContext.tsx';
import { ExpressionEditor } from './ExpressionEditor.tsx';

/** The observation: the text template and each JSON field's CEL expression, in collaborative editors. */
export function ObservationEditor() {
  const { doc } = useEditors();
  const observation = docParts(doc).observation;
  const template = observation.get('template');
  const json = observation.get('json');
  const fields = json instanceof Y.Map ? [...(json as Y.Map<unknown>).entries()] : [];
  const module = observation.get('module');
  return (
    <PanelSection title="Observation templates">
      <h3>Text template</h3>
      {template instanceof Y.Text ? (
        <ExpressionEditor
          text={template}
          language="template"
          label="observation template"
          fieldKey="observation:template"
        />
      ) : (
        <None>None.</None>
      )}
      <h3>JSON fields</h3>
      {fields.length === 0 ? (
        <None>None: the observation has no JSON part.</None>
      ) : (
        fields.map(([key, text]) => (
          <div key={key} className="editor-expr">
            <span className="editor-expr-label">
              <code>{key}</code> (CEL)
            </span>
            <ExpressionEditor
              text={text}
              language="observation"
              label={`JSON field ${key} of the observation`}
              fieldKey={`observation:json:${key}`}
            />
          </div>
        ))
      )}
      <h3>Module</h3>
      {typeof module === 'string' ? (
        <p>
          <code>{module}</code> builds the observation.
        </p>
      ) : (
        <None>None.</None>
      )}
    </PanelSection>
  );
}
