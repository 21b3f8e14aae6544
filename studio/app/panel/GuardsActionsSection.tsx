import type { GymSpec } from '@palestra/envs/core';
import { None, PanelSection } from './PanelSection.tsx';

/**
 * The guards and actions the transitions name (the `[guard] / action` of the canvas's edge
 * labels), each with its definition: a CEL expression, context assignments, or a module function.
 */
export function GuardsActionsSection({ spec }: { spec: Pick<GymSpec, 'guards' | 'actions'> }) {
  const guards = Object.entries(spec.guards ?? {});
  const actions = Object.entries(spec.actions ?? {});
  return (
    <PanelSection title="Guards and actions" count={guards.length + actions.length}>
      <h3>Guards</h3>
      {guards.length === 0 ? (
        <None>None.</None>
      ) : (
        <dl className="panel-defs">
          {guards.map(([name, guard]) => (
            <div key={name}>
              <dt>
                <code>{name}</code>
              </dt>
              <dd>
                {guard.expr !== undefined ? <code>{guard.expr}</code> : <ModuleRef at={guard.module} />}
              </dd>
            </div>
          ))}
        </dl>
      )}
      <h3>Actions</h3>
      {actions.length === 0 ? (
        <None>None.</None>
      ) : (
        <dl className="panel-defs">
          {actions.map(([name, action]) => (
            <div key={name}>
              <dt>
                <code>{name}</code>
                {action.description && <span className="muted"> · {action.description}</span>}
              </dt>
              <dd>
                {action.assign ? (
                  <ul className="panel-assign">
                    {Object.entries(action.assign).map(([key, expr]) => (
                      <li key={key}>
                        <code>{key}</code> ← <code>{expr}</code>
                      </li>
                    ))}
                  </ul>
                ) : (
                  <ModuleRef at={action.module} />
                )}
              </dd>
            </div>
          ))}
        </dl>
      )}
    </PanelSection>
  );
}

function ModuleRef({ at }: { at: string | undefined }) {
  return (
    <>
      function <code>{at}</code>
    </>
  );
}
