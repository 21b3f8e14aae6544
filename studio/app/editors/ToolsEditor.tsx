import type * as Y from 'yjs';
import { localOrigin } from '../collab/useCollabDoc.ts';
import {
  addTool,
  deleteTool,
  PARAMETER_TYPES,
  type ParameterForm,
  type ParameterType,
  parameterForm,
  renameParameter,
  setParameter,
  setToolField,
} from '../doc/fieldEdits.ts';
import { docParts, type FieldMap } from '../doc/schema.ts';
import { ordered } from '../doc/toSpec.ts';
import { None, PanelSection } from '../panel/PanelSection.tsx';
import { useEditors } from './EditorsContext.tsx';
import { NumberField, TextField } from './fields.tsx';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const str = (v: unknown) => (typeof v === 'string' ? v : '');

/** The first `base_N` (or `base`) not in `taken`. */
function freeName(base: string, taken: Set<string>): string {
  if (!taken.has(base)) return base;
  let n = 2;
  while (taken.has(`${base}_${n}`)) n++;
  return `${base}_${n}`;
}

/**
 * The tools, edited: add, delete and rename a tool, its event and description, and its parameters
 * by a form that writes JSON Schema (type, required, enum values, length or value limits,
 * description). A parameter the form cannot describe (an object, a list) is listed as written.
 */
export function ToolsEditor() {
  const { doc, readOnly } = useEditors();
  const tools = ordered(docParts(doc).tools);
  const add = () => {
    const taken = new Set(tools.map(([, m]) => str(m.get('name'))));
    const name = freeName('new_tool', taken);
    addTool(doc, { name, event: name.toUpperCase(), description: 'What this tool does' }, localOrigin);
  };
  return (
    <PanelSection title="Tools" count={tools.length} open>
      {tools.length === 0 && <None>No tools: an agent needs at least one.</None>}
      {tools.map(([id, m]) => (
        <ToolForm key={id} doc={doc} id={id} tool={m} readOnly={readOnly} />
      ))}
      <button type="button" className="editor-add" onClick={add} disabled={readOnly}>
        Add a tool
      </button>
    </PanelSection>
  );
}

function ToolForm({
  doc,
  id,
  tool,
  readOnly,
}: {
  doc: Y.Doc;
  id: string;
  tool: FieldMap;
  readOnly: boolean;
}) {
  const name = str(tool.get('name'));
  const schema = isObject(tool.get('parameters')) ? (tool.get('parameters') as Json) : {};
  const properties = isObject(schema.properties) ? schema.properties : {};
  const required = new Set(Array.isArray(schema.required) ? schema.required : []);
  const addParameter = () => {
    const param = freeName('param', new Set(Object.keys(properties)));
    setParameter(doc, id, param, { type: 'string', required: false }, localOrigin);
  };
  return (
    <fieldset className="editor-tool" aria-label={`Tool ${name}`}>
      <legend>
        Tool <code>{name}</code>
      </legend>
      <div className="editor-grid">
        <div className="editor-field">
          Name
          <TextField
            label={`Name of tool ${name}`}
            value={name}
            accept={(v) => TOOL_NAME.test(v)}
            onChange={(v) => setToolField(doc, id, 'name', v, localOrigin)}
            disabled={readOnly}
          />
        </div>
        <div className="editor-field">
          Event
          <TextField
            label={`Event of tool ${name}`}
            value={str(tool.get('event'))}
            accept={(v) => IDENT.test(v)}
            onChange={(v) => setToolField(doc, id, 'event', v, localOrigin)}
            disabled={readOnly}
          />
        </div>
      </div>
      <div className="editor-field editor-wide">
        Description
        <TextField
          label={`Description of tool ${name}`}
          value={str(tool.get('description'))}
          onChange={(v) => setToolField(doc, id, 'description', v, localOrigin)}
          disabled={readOnly}
          multiline
        />
      </div>
      <h4>Parameters</h4>
      {Object.keys(properties).length === 0 ? (
        <None>No parameters.</None>
      ) : (
        <ul className="editor-params" aria-label={`Parameters of ${name}`}>
          {Object.entries(properties).map(([param, property], i) => (
            <ParameterRow
              // biome-ignore lint/suspicious/noArrayIndexKey: a rename keeps the position, and the field being typed in must stay mounted (a name key would remount it at each keystroke).
              key={i}
              doc={doc}
              toolId={id}
              tool={name}
              name={param}
              form={parameterForm(property, required.has(param))}
              taken={new Set(Object.keys(properties))}
              readOnly={readOnly}
            />
          ))}
        </ul>
      )}
      <div className="editor-actions">
        <button type="button" onClick={addParameter} disabled={readOnly}>
          Add a parameter
        </button>
        <button
          type="button"
          className="editor-delete"
          onClick={() => deleteTool(doc, id, localOrigin)}
          disabled={readOnly}
        >
          Delete tool {name}
        </button>
      </div>
    </fieldset>
  );
}

function ParameterRow({
  doc,
  toolId,
  tool,
  name,
  form,
  taken,
  readOnly,
}: {
  doc: Y.Doc;
  toolId: string;
  tool: string;
  name: string;
  form: ParameterForm | undefined;
  taken: Set<string>;
  readOnly: boolean;
}) {
  const write = (patch: Partial<ParameterForm>) =>
    form && setParameter(doc, toolId, name, { ...form, ...patch }, localOrigin);
  const of = `parameter ${name} of ${tool}`;
  return (
    <li className="editor-param">
      <div className="editor-param-head">
        <TextField
          label={`Name of ${of}`}
          value={name}
          accept={(v) => IDENT.test(v) && (v === name || !taken.has(v))}
          onChange={(v) => renameParameter(doc, toolId, name, v, localOrigin)}
          disabled={readOnly}
          className="editor-param-name"
        />
        {form ? (
          <>
            <select
              aria-label={`Type of ${of}`}
              value={form.type}
              disabled={readOnly}
              onChange={(e) => {
                const type = e.target.value as ParameterType;
                setParameter(
                  doc,
                  toolId,
                  name,
                  {
                    type,
                    required: form.required,
                    ...(form.description && { description: form.description }),
                    ...(type === 'enum' && { values: form.values ?? [] }),
                  },
                  localOrigin,
                );
              }}
            >
              {PARAMETER_TYPES.map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>
            <label className="editor-check">
              <input
                type="checkbox"
                checked={form.required}
                disabled={readOnly}
                onChange={(e) => write({ required: e.target.checked })}
              />
              required
            </label>
          </>
        ) : (
          <span className="muted">kept as written (not a simple type)</span>
        )}
        <button
          type="button"
          className="editor-delete"
          aria-label={`Delete ${of}`}
          onClick={() => setParameter(doc, toolId, name, null, localOrigin)}
          disabled={readOnly}
        >
          ✕
        </button>
      </div>
      {form && (
        <div className="editor-param-body">
          {form.type === 'enum' && (
            <TextField
              label={`Values of ${of}, comma-separated`}
              value={(form.values ?? []).join(', ')}
              onChange={(v) =>
                write({
                  values: v
                    .split(',')
                    .map((s) => s.trim())
                    .filter(Boolean),
                })
              }
              disabled={readOnly}
            />
          )}
          {form.type === 'string' && (
            <>
              <NumberField
                label={`Minimum length of ${of}`}
                placeholder="min length"
                integer
                value={form.minLength}
                onChange={(v) => write({ minLength: v })}
                disabled={readOnly}
              />
              <NumberField
                label={`Maximum length of ${of}`}
                placeholder="max length"
                integer
                value={form.maxLength}
                onChange={(v) => write({ maxLength: v })}
                disabled={readOnly}
              />
            </>
          )}
          {(form.type === 'integer' || form.type === 'number') && (
            <>
              <NumberField
                label={`Minimum of ${of}`}
                placeholder="minimum"
                integer={form.type === 'integer'}
                value={form.minimum}
                onChange={(v) => write({ minimum: v })}
                disabled={readOnly}
              />
              <NumberField
                label={`Maximum of ${of}`}
                placeholder="maximum"
                integer={form.type === 'integer'}
                value={form.maximum}
                onChange={(v) => write({ maximum: v })}
                disabled={readOnly}
              />
            </>
          )}
          <TextField
            label={`Description of ${of}`}
            value={form.description ?? ''}
            onChange={(v) => write({ description: v })}
            disabled={readOnly}
            className="editor-param-description"
          />
        </div>
      )}
    </li>
  );
}
