import { useState } from 'react';

/** What the agent fields offer. */
export interface AgentChoices {
  /** Scripts under `examples/` this environment accepts. */
  scripts: string[];
  /** A default for the agent select. */
  defaultKind?: 'random' | 'scripted' | 'openai' | 'anthropic';
  defaultScript?: string;
  /** Show the API key field for model agents (the run page; the branch page reads keys from the environment). */
  withKey?: boolean;
}

/**
 * The agent part of a form: `random`, `scripted` (a script from `examples/`), `openai:<model>`
 * or `anthropic:<model>` with an endpoint and, on the run page, an API key typed for this run only
 * (a password field the page clears once sent; the key goes in the POST body, nowhere else).
 */
export function AgentFields({
  scripts,
  defaultKind = 'random',
  defaultScript,
  withKey = true,
}: AgentChoices) {
  const [kind, setKind] = useState(defaultKind);
  const model = kind === 'openai' || kind === 'anthropic';
  return (
    <fieldset className="agent-fields">
      <legend>Who plays</legend>
      <label htmlFor="agent-kind">Agent</label>
      <select
        id="agent-kind"
        name="agentKind"
        value={kind}
        onChange={(e) => setKind(e.currentTarget.value as typeof kind)}
      >
        <option value="random">random (valid random tool calls)</option>
        <option value="scripted" disabled={scripts.length === 0}>
          scripted (a script from examples/)
        </option>
        <option value="openai">openai: an OpenAI-compatible endpoint</option>
        <option value="anthropic">anthropic: a Claude model</option>
      </select>
      {scripts.length === 0 && (
        <p className="muted field-note">No script under examples/ fits this environment: scripted is off.</p>
      )}
      {kind === 'scripted' && (
        <>
          <label htmlFor="agent-script">Script</label>
          <select id="agent-script" name="script" defaultValue={defaultScript ?? scripts[0]}>
            {scripts.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </>
      )}
      {model && (
        <>
          <label>
            Model
            <input
              name="model"
              required
              placeholder={kind === 'openai' ? 'gpt-4.1-mini' : 'claude-sonnet-4-5'}
            />
          </label>
          <label>
            Base URL <span className="muted">(optional)</span>
            <input
              name="baseUrl"
              type="url"
              placeholder={kind === 'openai' ? 'http://127.0.0.1:8000/v1' : 'https://api.anthropic.com'}
            />
          </label>
          {withKey && (
            <label>
              API key <span className="muted">(optional; kept in server memory for this run only)</span>
              <input name="apiKey" type="password" autoComplete="off" spellCheck={false} />
            </label>
          )}
        </>
      )}
    </fieldset>
  );
}
