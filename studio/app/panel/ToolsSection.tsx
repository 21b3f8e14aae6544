import type { ToolSpec } from '@palestra/envs/core';
import { None, PanelSection } from './PanelSection.tsx';
import { schemaRows } from './schemaRows.ts';

/**
 * The tools the agent can call: each with its name, the event it sends to the machine, its
 * description, and its parameter schema as a list (property, type, required or optional,
 * constraints, description; nested properties indented under dotted paths).
 */
export function ToolsSection({ tools }: { tools: ToolSpec[] }) {
  return (
    <PanelSection title="Tools" count={tools.length} open>
      {tools.length === 0 ? (
        <None>No tools.</None>
      ) : (
        tools.map((tool) => <Tool key={tool.name} tool={tool} />)
      )}
    </PanelSection>
  );
}

function Tool({ tool }: { tool: ToolSpec }) {
  const rows = schemaRows(tool.parameters);
  return (
    <article className="panel-tool" aria-label={`Tool ${tool.name}`}>
      <h3>
        <code>{tool.name}</code> <span className="muted">sends</span> <code>{tool.event}</code>
      </h3>
      <p>{tool.description}</p>
      {rows.length === 0 ? (
        <None>No parameters.</None>
      ) : (
        <ul className="panel-params" aria-label={`Parameters of ${tool.name}`}>
          {rows.map((row) => (
            <li key={row.path} style={{ marginLeft: `${row.depth}rem` }}>
              <code className="panel-param-name">{row.path}</code> <code className="muted">{row.type}</code>{' '}
              {row.required ? (
                <span className="badge">required</span>
              ) : (
                <span className="muted">optional</span>
              )}
              {row.constraints.length > 0 && (
                <div className="panel-param-limits">{row.constraints.join(' · ')}</div>
              )}
              {row.description && <div>{row.description}</div>}
            </li>
          ))}
        </ul>
      )}
    </article>
  );
}
