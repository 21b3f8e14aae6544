import { useRef } from 'react';
import { Form, useSubmit } from 'react-router';
import { AgentFields } from './AgentFields.tsx';

/**
 * The run-agents form. Submitting posts it (intent `start`) and clears the API key field at once,
 * so the key stays in no field, URL or storage of the page.
 */
export function RunAgentsForm({
  scripts,
  overseers,
  busy,
}: {
  scripts: string[];
  overseers: string[];
  busy: boolean;
}) {
  const submit = useSubmit();
  const form = useRef<HTMLFormElement>(null);
  return (
    <Form
      method="post"
      ref={form}
      className="run-form"
      aria-labelledby="run-form-title"
      onSubmit={(e) => {
        e.preventDefault();
        const data = new FormData(e.currentTarget);
        data.set('intent', 'start');
        const key = e.currentTarget.elements.namedItem('apiKey');
        if (key instanceof HTMLInputElement) key.value = '';
        submit(data, { method: 'post' });
      }}
    >
      <h2 id="run-form-title">Start a run</h2>
      <AgentFields scripts={scripts} />
      <fieldset>
        <legend>Run</legend>
        <div className="run-numbers">
          <label>
            Episodes
            <input name="episodes" type="number" min={1} max={10000} defaultValue={8} required />
          </label>
          <label>
            Group size
            <input name="group" type="number" min={1} max={256} defaultValue={1} required />
          </label>
          <label>
            Turns in flight
            <input name="concurrency" type="number" min={1} max={256} defaultValue={4} required />
          </label>
          <label>
            Seed
            <input name="seed" type="number" min={0} defaultValue={0} required />
          </label>
        </div>
        <label>
          Overseer
          <select name="overseer" defaultValue="rules">
            <option value="rules">rules (the environment's reward rules)</option>
            <option value="none">none (not scored)</option>
            {overseers.map((o) => (
              <option key={o} value={o}>
                ensemble: {o}
              </option>
            ))}
          </select>
        </label>
      </fieldset>
      <button type="submit" className="primary-button" disabled={busy}>
        {busy ? 'Starting…' : 'Run agents'}
      </button>
    </Form>
  );
}
