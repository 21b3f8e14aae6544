import type { GymSpec } from '@palestra/envs/core';
import { None, PanelSection } from './PanelSection.tsx';

/**
 * What the agent reads each step: the Mustache text template, the JSON observation's fields (each
 * a CEL expression) and the observation module, each shown or said to be absent.
 */
export function ObservationSection({ observation }: { observation: GymSpec['observation'] | undefined }) {
  const fields = Object.entries(observation?.json ?? {});
  return (
    <PanelSection title="Observation templates">
      <h3>Text template</h3>
      {observation?.template !== undefined ? (
        // A read-only textarea: a long template scrolls, and the keyboard can reach and scroll it.
        <textarea
          className="panel-pre"
          readOnly
          value={observation.template}
          aria-label="Text template"
          rows={Math.min(12, observation.template.split('\n').length + 1)}
        />
      ) : (
        <None>None.</None>
      )}
      <h3>JSON fields</h3>
      {fields.length === 0 ? (
        <None>None: the observation has no JSON part.</None>
      ) : (
        <div className="panel-table-wrap">
          <table className="panel-table">
            <caption className="visually-hidden">JSON fields of the observation</caption>
            <thead>
              <tr>
                <th scope="col">Field</th>
                <th scope="col">Expression (CEL)</th>
              </tr>
            </thead>
            <tbody>
              {fields.map(([key, expr]) => (
                <tr key={key}>
                  <th scope="row">
                    <code>{key}</code>
                  </th>
                  <td>
                    <code>{expr}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h3>Module</h3>
      {observation?.module ? (
        <p>
          <code>{observation.module}</code> builds the observation.
        </p>
      ) : (
        <None>None.</None>
      )}
    </PanelSection>
  );
}
